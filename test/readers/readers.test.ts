/**
 * Dataset readers on small fixtures made here: wavs written with src/audio,
 * mp3 clips encoded by the ffmpeg binary npm installs, TSV plain and gzip.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FFMPEG_PATH } from '../../src/audio/decode.ts';
import { writeWav } from '../../src/audio/wav.ts';
import { collect, loadItemAudio, readCommonVoice, readLJSpeech, readManifest, readParallelText } from '../../training/readers/index.ts';

const run = promisify(execFile);
let root: string;

function tone(freq: number, seconds: number, sampleRate: number): Float32Array {
  const x = new Float32Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < x.length; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * freq * i) / sampleRate);
  return x;
}

/** Frequency from upward zero crossings over the middle of the signal (away from codec padding). */
function frequency(x: Float32Array, sampleRate: number): number {
  const a = Math.floor(x.length * 0.2);
  const b = Math.floor(x.length * 0.8);
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = a + 1; i < b; i++) {
    if (x[i - 1] < 0 && x[i] >= 0) {
      if (first < 0) first = i;
      else count++;
      last = i;
    }
  }
  return (count * sampleRate) / (last - first);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'babelfish-readers-'));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('readManifest', () => {
  it('reads rows, resolves audio next to the manifest and loads 16 kHz audio', async () => {
    const dir = path.join(root, 'manifest');
    await mkdir(path.join(dir, 'wav'), { recursive: true });
    await writeWav(path.join(dir, 'wav', 'a.wav'), tone(300, 0.5, 16000), 16000);
    await writeWav(path.join(dir, 'wav', 'b.wav'), tone(500, 0.25, 8000), 8000);
    const rows = [
      { id: 'a', audio: 'wav/a.wav', lang: 'en', text: 'hello there', speaker: 'm3.p50.s170', split: 'train', duration: 0.5 },
      { audio: 'wav/b.wav', lang: 'es', text: 'hola' },
    ];
    const file = path.join(dir, 'manifest.train.jsonl');
    await writeFile(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n\n');
    const items = await collect(readManifest(file).items());
    expect(items).toEqual([
      { id: 'a', audioPath: path.join(dir, 'wav', 'a.wav'), lang: 'en', text: 'hello there', speaker: 'm3.p50.s170', duration: 0.5 },
      { id: 'b', audioPath: path.join(dir, 'wav', 'b.wav'), lang: 'es', text: 'hola' },
    ]);
    const b = await loadItemAudio(items[1]);
    expect(b.sampleRate).toBe(16000);
    expect(Math.abs(b.samples.length - 4000)).toBeLessThanOrEqual(2);
    expect(frequency(b.samples, 16000)).toBeCloseTo(500, 0);
  });

  it('names the line of a broken row and the missing field', async () => {
    const file = path.join(root, 'bad.jsonl');
    await writeFile(file, '{"audio":"x.wav","lang":"en","text":"a"}\n{oops\n');
    await expect(collect(readManifest(file).items())).rejects.toThrow(/bad\.jsonl:2: not a JSON object/);
    await writeFile(file, '{"audio":"x.wav","text":"a"}\n');
    await expect(collect(readManifest(file).items())).rejects.toThrow(/bad\.jsonl:1: missing "lang"/);
    await expect(collect(readManifest(path.join(root, 'nope.jsonl')).items())).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});

describe('readLJSpeech', () => {
  it('reads metadata.csv, prefers the normalised text and resamples 22.05 kHz wavs', async () => {
    const dir = path.join(root, 'LJSpeech-mini');
    await mkdir(path.join(dir, 'wavs'), { recursive: true });
    await writeWav(path.join(dir, 'wavs', 'LJ001-0001.wav'), tone(220, 0.4, 22050), 22050);
    await writeWav(path.join(dir, 'wavs', 'LJ001-0002.wav'), tone(330, 0.3, 22050), 22050);
    await writeFile(
      path.join(dir, 'metadata.csv'),
      'LJ001-0001|Printing, in 1 sense|Printing, in one sense\r\nLJ001-0002|The only sense with which we are at present concerned\r\n',
    );
    const ds = readLJSpeech(dir);
    const items = await collect(ds.items());
    expect(items.map((i) => [i.id, i.text, i.lang, i.speaker])).toEqual([
      ['LJ001-0001', 'Printing, in one sense', 'en', 'LJSpeech-mini'],
      ['LJ001-0002', 'The only sense with which we are at present concerned', 'en', 'LJSpeech-mini'],
    ]);
    const audio = await loadItemAudio(items[0]);
    expect(audio.sampleRate).toBe(16000);
    expect(Math.abs(audio.samples.length - 6400)).toBeLessThanOrEqual(2);
    expect(frequency(audio.samples, 16000)).toBeCloseTo(220, 0);
  });

  it('reports a missing wav, a malformed line and a missing metadata.csv', async () => {
    const dir = path.join(root, 'lj-bad');
    await mkdir(path.join(dir, 'wavs'), { recursive: true });
    await writeFile(path.join(dir, 'metadata.csv'), 'LJ9|Some text|Some text\n');
    await expect(collect(readLJSpeech(dir).items())).rejects.toThrow(/metadata\.csv:1: audio of LJ9 not found/);
    await writeFile(path.join(dir, 'metadata.csv'), 'just one field\n');
    await expect(collect(readLJSpeech(dir).items())).rejects.toThrow(/metadata\.csv:1: expected id\|text\|normalized text/);
    await expect(collect(readLJSpeech(path.join(root, 'nowhere')).items())).rejects.toThrow(/no such file: .*metadata\.csv/);
  });
});

describe('readCommonVoice', () => {
  it('reads the TSV by column name and decodes mp3 clips through ffmpeg', async () => {
    const dir = path.join(root, 'cv');
    await mkdir(path.join(dir, 'clips'), { recursive: true });
    const src = path.join(root, 'cv-src.wav');
    await writeWav(src, tone(440, 1, 48000), 48000);
    await run(FFMPEG_PATH, ['-y', '-loglevel', 'error', '-i', src, '-codec:a', 'libmp3lame', '-b:a', '64k', path.join(dir, 'clips', 'common_voice_es_1.mp3')]);
    await writeFile(
      path.join(dir, 'validated.tsv'),
      [
        'client_id\tpath\tsentence\tup_votes\tdown_votes\tage\tgender\taccents\tlocale\tsegment',
        'abc123\tcommon_voice_es_1.mp3\tHola, ¿qué tal?\t2\t0\t\t\t\tes\t',
      ].join('\n') + '\n',
    );
    const items = await collect(readCommonVoice(path.join(dir, 'validated.tsv')).items());
    expect(items).toEqual([
      { id: 'common_voice_es_1', audioPath: path.join(dir, 'clips', 'common_voice_es_1.mp3'), lang: 'es', text: 'Hola, ¿qué tal?', speaker: 'abc123' },
    ]);
    const audio = await loadItemAudio(items[0]);
    expect(audio.sampleRate).toBe(16000);
    // mp3 adds encoder delay and padding: about a frame (1152 samples at 48 kHz) each side at most.
    expect(audio.samples.length / 16000).toBeGreaterThan(0.97);
    expect(audio.samples.length / 16000).toBeLessThan(1.1);
    expect(frequency(audio.samples, 16000)).toBeCloseTo(440, 0);
  });

  it('takes the language from the caller when there is no locale column, and names missing columns and clips', async () => {
    const dir = path.join(root, 'cv2');
    await mkdir(path.join(dir, 'clips'), { recursive: true });
    await writeWav(path.join(dir, 'clips', 'x.wav'), tone(200, 0.2, 16000), 16000);
    await writeFile(path.join(dir, 'test.tsv'), 'path\tsentence\nx.wav\tBonjour\n');
    await expect(collect(readCommonVoice(path.join(dir, 'test.tsv')).items())).rejects.toThrow(/no locale column/);
    const items = await collect(readCommonVoice(path.join(dir, 'test.tsv'), { lang: 'fr-FR' }).items());
    expect(items.map((i) => [i.id, i.lang, i.text])).toEqual([['x', 'fr', 'Bonjour']]);
    await writeFile(path.join(dir, 'test.tsv'), 'client_id\tfilename\ttext\nabc\tx.wav\tBonjour\n');
    await expect(collect(readCommonVoice(path.join(dir, 'test.tsv'), { lang: 'fr' }).items())).rejects.toThrow(/missing columns path, sentence/);
    await writeFile(path.join(dir, 'test.tsv'), 'path\tsentence\tlocale\ny.mp3\tSalut\tfr\n');
    await expect(collect(readCommonVoice(path.join(dir, 'test.tsv')).items())).rejects.toThrow(/test\.tsv:2: clip not found/);
  });
});

describe('readParallelText', () => {
  const lines = ['Hello.\tHola.', 'Good night.\tBuenas noches.\textra column', ''];

  it('reads plain and gzip files alike, with languages from the file name', async () => {
    await writeFile(path.join(root, 'en-es.dev.tsv'), lines.join('\n'));
    // gzip content under a plain name: detected by its magic bytes.
    await writeFile(path.join(root, 'en-es.test.tsv.gz'), gzipSync(lines.join('\r\n')));
    await writeFile(path.join(root, 'en-es.odd.tsv'), gzipSync(lines.join('\n')));
    for (const f of ['en-es.dev.tsv', 'en-es.test.tsv.gz', 'en-es.odd.tsv']) {
      const ds = readParallelText(path.join(root, f));
      expect([ds.src, ds.tgt]).toEqual(['en', 'es']);
      expect(await collect(ds.pairs())).toEqual([
        { source: 'Hello.', target: 'Hola.' },
        { source: 'Good night.', target: 'Buenas noches.' },
      ]);
    }
    const rev = readParallelText(path.join(root, 'en-es.dev.tsv'), { reverse: true });
    expect([rev.src, rev.tgt]).toEqual(['es', 'en']);
    expect((await collect(rev.pairs()))[0]).toEqual({ source: 'Hola.', target: 'Hello.' });
  });

  it('needs languages and two columns, and names the bad line', async () => {
    await writeFile(path.join(root, 'pairs.txt'), 'a\tb\n');
    expect(() => readParallelText(path.join(root, 'pairs.txt'))).toThrow(/languages unknown/);
    expect(readParallelText(path.join(root, 'pairs.txt'), { src: 'fr', tgt: 'de' }).src).toBe('fr');
    await writeFile(path.join(root, 'fr-de.train.tsv'), 'Bonjour.\tGuten Tag.\nno tab here\n');
    await expect(collect(readParallelText(path.join(root, 'fr-de.train.tsv')).pairs())).rejects.toThrow(/fr-de\.train\.tsv:2: expected two tab-separated sentences/);
    await expect(collect(readParallelText(path.join(root, 'de-fr.none.tsv')).pairs())).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
