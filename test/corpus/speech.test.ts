/**
 * `babelfish corpus speech --size tiny`: builds into a temporary folder from a
 * small text corpus written here, then checks the output the way a training
 * script would rely on it.
 */
import { mkdtemp, readFile, rm, stat, unlink, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav } from '../../src/audio/wav.ts';
import { buildSpeechCorpus, parseSpeechCorpusArgs, wavHeader, type SpeechManifestRow, type SpeechCorpusSummary } from '../../training/corpus/speech/build.ts';
import type { Voice } from '../../training/corpus/speech/voices.ts';
import { rms } from '../../training/corpus/speech/augment.ts';

const PAIRS: Record<string, Record<string, [string, string][]>> = {
  'en-es': {
    train: [
      ['The cat sleeps on the warm mat.', 'El gato duerme en la alfombra caliente.'],
      ['We will meet again tomorrow morning.', 'Nos veremos de nuevo mañana por la mañana.'],
      ['The train leaves at noon.', 'El tren sale al mediodía.'],
      ['I like green apples very much.', 'Me gustan mucho las manzanas verdes.'],
      ['Open the window, please.', 'Abre la ventana, por favor.'],
    ],
    dev: [['Where is the old library?', '¿Dónde está la biblioteca antigua?'], ['It is raining again today.', 'Hoy está lloviendo otra vez.']],
    test: [['My brother plays the guitar.', 'Mi hermano toca la guitarra.'], ['The sky is very blue.', 'El cielo es muy azul.']],
  },
  'en-fr': {
    train: [
      ['The children are playing outside.', 'Les enfants jouent dehors.'],
      ['She reads a book every night.', 'Elle lit un livre chaque soir.'],
      ['The bread is still warm.', 'Le pain est encore chaud.'],
      ['We walked along the river.', 'Nous avons marché le long de la rivière.'],
    ],
    dev: [['The shop closes early on Sundays.', 'Le magasin ferme tôt le dimanche.'], ['Call me when you arrive.', 'Appelle-moi quand tu arrives.']],
    test: [['The garden is full of flowers.', 'Le jardin est plein de fleurs.'], ['He forgot his umbrella.', 'Il a oublié son parapluie.']],
  },
  'en-de': {
    train: [
      ['The dog barks at the postman.', 'Der Hund bellt den Briefträger an.'],
      ['My sister lives in a small town.', 'Meine Schwester wohnt in einer kleinen Stadt.'],
      ['The coffee is too hot.', 'Der Kaffee ist zu heiß.'],
      ['We need more time.', 'Wir brauchen mehr Zeit.'],
    ],
    dev: [['The door is open.', 'Die Tür ist offen.'], ['I am learning to swim.', 'Ich lerne schwimmen.']],
    // One English test sentence repeats a training sentence: the builder must drop it from test.
    test: [['The bridge is very old.', 'Die Brücke ist sehr alt.'], ['The train leaves at noon.', 'Der Zug fährt um zwölf Uhr ab.']],
  },
};

let root: string;
let textDir: string;
let out: string;
let summary: SpeechCorpusSummary;
let rows: Record<string, SpeechManifestRow[]>;
let voices: Voice[];

async function readManifestRows(file: string): Promise<SpeechManifestRow[]> {
  return (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
}

function configFor(outDir: string, extra: string[] = []) {
  const config = parseSpeechCorpusArgs(['--size', 'tiny', '--out', outDir, '--text-dir', textDir, '--seed', '7', '--jobs', '2', ...extra]);
  if (!config) throw new Error('unexpected --help');
  return config;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'babelfish-speech-'));
  textDir = path.join(root, 'text');
  await mkdir(textDir);
  for (const [pair, splits] of Object.entries(PAIRS)) {
    for (const [split, lines] of Object.entries(splits)) {
      await writeFile(path.join(textDir, `${pair}.${split}.tsv`), lines.map((l) => l.join('\t')).join('\n') + '\n');
    }
  }
  out = path.join(root, 'tiny');
  summary = await buildSpeechCorpus(configFor(out), { quiet: true });
  rows = {};
  for (const m of ['train', 'dev', 'test', 'test-noisy']) rows[m] = await readManifestRows(path.join(out, `manifest.${m}.jsonl`));
  voices = JSON.parse(await readFile(path.join(out, 'voices.json'), 'utf8'));
}, 180_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('speech corpus, tiny', () => {
  it('has every language in every split, with the tiny counts', () => {
    for (const lang of ['en', 'es', 'fr', 'de']) {
      expect(rows.train.filter((r) => r.lang === lang)).toHaveLength(4);
      expect(rows.dev.filter((r) => r.lang === lang)).toHaveLength(2);
      expect(rows.test.filter((r) => r.lang === lang)).toHaveLength(2);
      expect(rows['test-noisy'].filter((r) => r.lang === lang)).toHaveLength(2);
    }
    expect(summary.utterances).toBe(40);
  });

  it('every row points at an existing 16 kHz mono PCM16 wav that is not silent, with the duration it states', async () => {
    for (const r of Object.values(rows).flat()) {
      const file = path.join(out, r.audio);
      const header = await wavHeader(file);
      expect(header, r.audio).not.toBeNull();
      expect(header!.channels).toBe(1);
      expect(header!.bitsPerSample).toBe(16);
      expect(header!.sampleRate).toBe(16000);
      const audio = await readWav(file);
      expect(audio.sampleRate).toBe(16000);
      expect(r.sampleRate).toBe(16000);
      expect(Math.abs(audio.samples.length / 16000 - r.duration)).toBeLessThan(0.002);
      expect(rms(audio.samples), r.id).toBeGreaterThan(0.02);
    }
  });

  it('durations fit the text and the voice speed', () => {
    const byId = new Map(voices.map((v) => [v.id, v]));
    for (const r of Object.values(rows).flat()) {
      const v = byId.get(r.speaker)!;
      const words = r.text.split(/\s+/).length;
      // espeak measured here: duration ~0.8 x words / (wpm / 60); speed perturbation scales it.
      const expected = (words * 60) / v.speed / (r.augment?.speed ?? 1);
      const ratio = r.duration / expected;
      expect(ratio, `${r.id} "${r.text}" ${r.duration}s at ${v.speed} wpm`).toBeGreaterThan(0.4);
      expect(ratio, `${r.id} "${r.text}" ${r.duration}s at ${v.speed} wpm`).toBeLessThan(2);
    }
  });

  it('train/dev voices and test voices are disjoint, down to the variant', () => {
    const seen = (ms: string[]) => new Set(ms.flatMap((m) => rows[m].map((r) => r.speaker)));
    const trainVoices = seen(['train', 'dev']);
    const testVoices = seen(['test', 'test-noisy']);
    for (const v of testVoices) expect(trainVoices.has(v)).toBe(false);
    const variantOf = new Map(voices.map((v) => [v.id, v.variant]));
    const trainVariants = new Set([...trainVoices].map((v) => variantOf.get(v)));
    for (const v of testVoices) expect(trainVariants.has(variantOf.get(v))).toBe(false);
    // Voices of the bank carry their split.
    for (const v of voices) expect(v.split === 'test').toBe(testVoices.has(v.id) || (!trainVoices.has(v.id) && v.split === 'test'));
  });

  it('train, dev and test sentences are disjoint within each language', () => {
    for (const lang of ['en', 'es', 'fr', 'de']) {
      const texts = (m: string) => new Set(rows[m].filter((r) => r.lang === lang).map((r) => r.text));
      const [train, dev, test] = [texts('train'), texts('dev'), texts('test')];
      for (const t of dev) expect(train.has(t)).toBe(false);
      for (const t of test) expect(train.has(t) || dev.has(t)).toBe(false);
    }
    expect(rows.test.some((r) => r.text === 'The train leaves at noon.')).toBe(false);
  });

  it('augments only training rows; the noisy test copy is degraded, the clean test set is not', () => {
    for (const m of ['dev', 'test']) for (const r of rows[m]) expect(r.augment).toBeNull();
    for (const r of rows['test-noisy']) expect(r.augment?.noise).toBeDefined();
    const clean = new Map(rows.test.map((r) => [`${r.lang}:${r.text}`, r]));
    for (const r of rows['test-noisy']) expect(clean.get(`${r.lang}:${r.text}`)?.speaker).toBe(r.speaker);
  });

  it('saves word timings that are ordered and inside the audio', async () => {
    for (const r of rows.train) {
      expect(r.align).toBeDefined();
      const a = JSON.parse(await readFile(path.join(out, r.align!), 'utf8'));
      expect(a.words.length).toBeGreaterThan(0);
      expect(a.phonemes.length).toBeGreaterThan(a.words.length);
      let last = 0;
      for (const w of a.words) {
        expect(r.text.includes(w.label)).toBe(true);
        expect(w.start).toBeGreaterThanOrEqual(last - 1e-9);
        expect(w.end).toBeGreaterThanOrEqual(w.start);
        expect(w.end).toBeLessThanOrEqual(r.duration + 0.002);
        last = w.start;
      }
    }
  });

  it('is deterministic: the same seed gives the same rows and the same bytes', async () => {
    const again = path.join(root, 'again');
    // Fewer utterances and one language: the plan of each utterance does not depend on the others.
    await buildSpeechCorpus(configFor(again, ['--languages', 'de', '--train', '2', '--dev', '0', '--test', '0']), { quiet: true });
    const de = await readManifestRows(path.join(again, 'manifest.train.jsonl'));
    expect(de).toEqual(rows.train.filter((r) => r.lang === 'de').slice(0, 2));
    for (const r of de) {
      expect(await readFile(path.join(again, r.audio))).toEqual(await readFile(path.join(out, r.audio)));
    }
  }, 120_000);

  it('resumes: only a deleted wav is synthesised again, identical to before', async () => {
    const victim = rows.train.find((r) => r.lang === 'fr')!;
    const file = path.join(out, victim.audio);
    const before = await readFile(file);
    const other = path.join(out, rows.train.find((r) => r.lang === 'en')!.audio);
    const otherMtime = (await stat(other)).mtimeMs;
    await unlink(file);
    // A half-written leftover must not count as done either.
    const second = rows.dev[0];
    await writeFile(path.join(out, second.audio), before.subarray(0, 100));
    // A file of an older plan is left alone, unless --prune.
    const stray = path.join(out, 'wav', 'en', 'en-train-000000000000.wav');
    await writeFile(stray, before);
    const s = await buildSpeechCorpus(configFor(out), { quiet: true });
    expect(s.synthesized).toBe(2);
    expect((await stat(stray)).size).toBe(before.length);
    await buildSpeechCorpus(configFor(out, ['--prune']), { quiet: true });
    await expect(stat(stray)).rejects.toThrow();
    expect((await stat(file)).size).toBe(before.length);
    expect(s.reused).toBe(38);
    expect(await readFile(file)).toEqual(before);
    expect((await stat(other)).mtimeMs).toBe(otherMtime);
    expect(await readManifestRows(path.join(out, 'manifest.train.jsonl'))).toEqual(rows.train);
  }, 120_000);

  it('rejects bad flags and a missing text corpus with readable errors', async () => {
    expect(() => parseSpeechCorpusArgs(['--size', 'huge'])).toThrow(/--size must be one of tiny, default, full/);
    expect(() => parseSpeechCorpusArgs(['--jobs', '0'])).toThrow(/--jobs must be an integer >= 1/);
    expect(() => parseSpeechCorpusArgs(['--snr', '20:5'])).toThrow(/--snr/);
    expect(() => parseSpeechCorpusArgs(['--bogus'])).toThrow();
    const config = configFor(path.join(root, 'none'));
    config.textDir = path.join(root, 'no-such-dir');
    await expect(buildSpeechCorpus(config, { quiet: true })).rejects.toThrow(/parallel text folder not found/);
  });
});
