/**
 * Asterisk's prompt recordings and `corpus speech-import`, on fixtures made here: a gzip
 * transcript list, a G.722 prompt encoded by the ffmpeg binary npm installs, 8 kHz wavs.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FFMPEG_PATH } from '../../src/audio/decode.ts';
import { tone } from '../audio/helpers.ts';
import { decodeWav, writeWav } from '../../src/audio/wav.ts';
import { asteriskSkipReason, parseAsteriskLine, readAsteriskSounds } from '../../training/readers/asterisk-sounds.ts';
import { collect } from '../../training/readers/index.ts';
import { importSpeech, importSplit, installedAsteriskSets } from '../../training/corpus/speech/import.ts';
import { buildAccentLexicon } from '../../training/corpus/speech/restore-accents.ts';
import { readSpeechManifest } from '../../training/common/speech-manifest.ts';

const run = promisify(execFile);
let root: string;

/** A prompt set: `agent-pass` as 16 kHz G.722, `goodbye` and `digits/2` as 8 kHz wavs, `lost` without audio. */
async function promptSet(): Promise<{ sounds: string; transcripts: string }> {
  const sounds = path.join(root, 'en_US_f_Test');
  await mkdir(path.join(sounds, 'digits'), { recursive: true });
  const src = path.join(root, 'src.wav');
  await writeWav(src, tone(440, 16000, 1), 16000);
  await run(FFMPEG_PATH, ['-y', '-loglevel', 'error', '-i', src, '-acodec', 'g722', '-f', 'g722', path.join(sounds, 'agent-pass.g722')]);
  await writeWav(path.join(sounds, 'goodbye.wav'), tone(300, 8000, 0.5), 8000);
  await writeWav(path.join(sounds, 'digits', '2.wav'), tone(300, 8000, 0.25), 8000);
  const transcripts = path.join(root, 'core-sounds-en.txt.gz');
  const lines = [
    '; Core Asterisk Sounds in English',
    '',
    'agent-pass: Please enter your password followed by the pound key.',
    'beep: [this is a simple beep tone]',
    'conf-menu: Press 1 to mute.',
    'dictate/help: press * to pause',
    'goodbye: Goodbye. [pause]',
    'digits/2: two',
    'lost: There is no file for this one.',
    'twice: first',
    'twice: second',
  ];
  await writeFile(transcripts, gzipSync(lines.join('\n') + '\n'));
  return { sounds, transcripts };
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'babelfish-import-'));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('Asterisk transcript lines', () => {
  it('parses name: text, and skips what a line cannot give the words of', () => {
    expect(parseAsteriskLine('digits/0: cero')).toEqual({ name: 'digits/0', text: 'cero' });
    expect(parseAsteriskLine('at-tone: At the sound of the tone: now.')).toEqual({ name: 'at-tone', text: 'At the sound of the tone: now.' });
    expect(parseAsteriskLine('; a comment')).toBeNull();
    expect(parseAsteriskLine('   ')).toBeNull();
    expect(asteriskSkipReason('[ascending tones]')).toBe('no speech');
    expect(asteriskSkipReason('Press 1 to mute.')).toBe('digits or symbols');
    expect(asteriskSkipReason('press # to exit')).toBe('digits or symbols');
    expect(asteriskSkipReason('Goodbye. [pause]')).toBeNull();
    expect(asteriskSkipReason('Contraseña incorrecta.')).toBeNull();
  });
});

describe('readAsteriskSounds', () => {
  it('yields each scorable prompt with the best audio format there is, and counts the rest by reason', async () => {
    const { sounds, transcripts } = await promptSet();
    const ds = readAsteriskSounds(sounds, transcripts, { lang: 'en' });
    const items = await collect(ds.items());
    expect(items).toEqual([
      { id: 'en_US_f_Test-agent-pass', audioPath: path.join(sounds, 'agent-pass.g722'), lang: 'en', text: 'Please enter your password followed by the pound key.', speaker: 'en_US_f_Test' },
      { id: 'en_US_f_Test-goodbye', audioPath: path.join(sounds, 'goodbye.wav'), lang: 'en', text: 'Goodbye.', speaker: 'en_US_f_Test' },
      { id: 'en_US_f_Test-digits_2', audioPath: path.join(sounds, 'digits', '2.wav'), lang: 'en', text: 'two', speaker: 'en_US_f_Test' },
    ]);
    expect(ds.skipped).toEqual({ 'no speech': 1, 'digits or symbols': 2, 'no audio': 1, 'listed twice': 2 });
  });

  it('says when the transcript list has no prompt lines or is missing', async () => {
    const empty = path.join(root, 'empty.txt');
    await writeFile(empty, '; nothing here\n');
    await expect(collect(readAsteriskSounds(root, empty, { lang: 'en' }).items())).rejects.toThrow(/no "name: text" lines/);
    await expect(collect(readAsteriskSounds(root, path.join(root, 'nope.txt'), { lang: 'en' }).items())).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});

describe('importSpeech', () => {
  it('writes 16 kHz wavs and a manifest, keeps going past an undecodable file, and a rerun decodes nothing', async () => {
    const { sounds, transcripts } = await promptSet();
    const ds = readAsteriskSounds(sounds, transcripts, { lang: 'en' });
    const broken = { name: 'broken', items: async function* () { yield { id: 'broken-1', audioPath: path.join(root, 'broken.wav'), lang: 'en', text: 'not audio' }; } };
    await writeFile(path.join(root, 'broken.wav'), 'RIFF but not really');
    const out = path.join(root, 'out');
    const logs: string[] = [];
    const config = { out, split: 'test', sampleRate: 16000, limit: 0, trainFraction: 0, trainLanguages: [] };
    const r = await importSpeech([ds, broken], config, (s) => logs.push(s));
    expect(r.rows).toBe(3);
    expect(r.failed).toHaveLength(1);
    expect(r.failed[0]).toMatch(/^broken-1: /);
    expect(logs.join('\n')).toMatch(/skipped 1 no speech, 2 digits or symbols, 1 no audio, 2 listed twice/);
    const rows = await readSpeechManifest(path.join(out, 'manifest.test.jsonl'));
    expect(rows.map((x) => [x.id, x.split, x.speaker])).toEqual([
      ['en_US_f_Test-agent-pass', 'test', 'en_US_f_Test'],
      ['en_US_f_Test-goodbye', 'test', 'en_US_f_Test'],
      ['en_US_f_Test-digits_2', 'test', 'en_US_f_Test'],
    ]);
    const g722 = decodeWav(new Uint8Array(await readFile(rows[0].audio)));
    expect(g722.sampleRate).toBe(16000);
    expect(Math.abs(g722.channels[0].length - 16000)).toBeLessThan(200);
    const wav8k = decodeWav(new Uint8Array(await readFile(rows[1].audio)));
    expect(wav8k.sampleRate).toBe(16000);
    expect(Math.abs(wav8k.channels[0].length - 8000)).toBeLessThanOrEqual(2);
    expect(rows[1].duration).toBeCloseTo(0.5, 2);
    const before = (await stat(rows[0].audio)).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    await importSpeech([readAsteriskSounds(sounds, transcripts, { lang: 'en' })], config, () => {});
    expect((await stat(rows[0].audio)).mtimeMs).toBe(before);
  });

  it('puts back accents from the language\'s lexicon when asked', async () => {
    const { sounds, transcripts } = await promptSet();
    const out = path.join(root, 'out-accents');
    const accentLexicons = { en: buildAccentLexicon(['the pásswörd', 'a pásswörd', 'my pásswörd']) };
    await importSpeech([readAsteriskSounds(sounds, transcripts, { lang: 'en' })], { out, split: 'test', sampleRate: 16000, limit: 1, trainFraction: 0, trainLanguages: [], accentLexicons }, () => {});
    const rows = await readSpeechManifest(path.join(out, 'manifest.test.jsonl'));
    expect(rows.map((r) => r.text)).toEqual(['Please enter your pásswörd followed by the pound key.']);
  });

  it('sends a stable hashed fraction of the train languages\' items to train, and no other language\'s', () => {
    const items = Array.from({ length: 2000 }, (_, i) => ({ id: `p${i}`, audioPath: '', lang: i % 2 ? 'en' : 'fr', text: 'x' }));
    const config = { split: 'test', trainFraction: 0.8, trainLanguages: ['en'] };
    const splits = items.map((it) => importSplit(it, config));
    const en = splits.filter((_, i) => items[i].lang === 'en');
    const share = en.filter((s) => s === 'train').length / en.length;
    expect(share).toBeGreaterThan(0.76);
    expect(share).toBeLessThan(0.84);
    expect(splits.filter((s, i) => items[i].lang === 'fr' && s !== 'test')).toEqual([]);
    expect(items.map((it) => importSplit(it, config))).toEqual(splits);
    expect(importSplit(items[1], { ...config, trainFraction: 0 })).toBe('test');
    // All languages may train when none is named.
    expect(items.filter((it) => it.lang === 'fr').some((it) => importSplit(it, { ...config, trainLanguages: [] }) === 'train')).toBe(true);
  });
});

describe('installedAsteriskSets', () => {
  it('finds one set per language from the real folders, not the language symlinks, and only with a transcript list', async () => {
    const sounds = path.join(root, 'sounds');
    const docs = path.join(root, 'doc');
    for (const d of ['en_US_f_Allison', 'fr_CA_f_June', 'es_MX_f_Allison', 'en', 'silence']) await mkdir(path.join(sounds, d), { recursive: true });
    for (const l of ['en', 'fr']) {
      await mkdir(path.join(docs, `asterisk-core-sounds-${l}`), { recursive: true });
      await writeFile(path.join(docs, `asterisk-core-sounds-${l}`, `core-sounds-${l}.txt.gz`), gzipSync('a: b\n'));
    }
    expect(installedAsteriskSets(sounds, docs)).toEqual([
      { lang: 'en', sounds: path.join(sounds, 'en_US_f_Allison'), transcripts: path.join(docs, 'asterisk-core-sounds-en', 'core-sounds-en.txt.gz') },
      { lang: 'fr', sounds: path.join(sounds, 'fr_CA_f_June'), transcripts: path.join(docs, 'asterisk-core-sounds-fr', 'core-sounds-fr.txt.gz') },
    ]);
    expect(installedAsteriskSets(path.join(root, 'none'), docs)).toEqual([]);
  });
});
