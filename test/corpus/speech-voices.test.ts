/**
 * espeak-ng through the npm build, and the voice bank: what the build offers,
 * bit-exact repeatability, and that pitch, speed and variants do what they say.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.ts';
import { rms } from '../../training/corpus/speech/augment.ts';
import { espeakLanguageVoices, espeakSynthesize, espeakVariantNames } from '../../training/corpus/speech/espeak.ts';
import { hashSeed } from '../../training/corpus/speech/random.ts';
import { ACCENTS, buildVoiceBank, DEFAULT_VOICE_BANK, randomVariantFile, TEST_VARIANTS, TRAIN_VARIANTS } from '../../training/corpus/speech/voices.ts';
import { SIZES } from '../../training/corpus/speech/config.ts';

const TEXT = 'We will meet again tomorrow morning, said the old man.';

/** Median fundamental frequency of loud frames, by normalised autocorrelation. */
function medianF0(x: Float32Array, sr: number): number {
  const frame = Math.round(0.04 * sr);
  const found: number[] = [];
  for (let s = 0; s + frame < x.length; s += Math.round(0.01 * sr)) {
    const seg = x.subarray(s, s + frame);
    if (rms(seg) < 0.05) continue;
    let best = 0;
    let bestLag = 0;
    for (let lag = Math.round(sr / 400); lag <= Math.round(sr / 60); lag++) {
      let c = 0, e1 = 0, e2 = 0;
      for (let i = 0; i + lag < frame; i++) {
        c += seg[i] * seg[i + lag];
        e1 += seg[i] * seg[i];
        e2 += seg[i + lag] * seg[i + lag];
      }
      const r = c / (Math.sqrt(e1 * e2) + 1e-12);
      if (r > best) [best, bestLag] = [r, lag];
    }
    if (best > 0.7) found.push(sr / bestLag);
  }
  found.sort((a, b) => a - b);
  return found[Math.floor(found.length / 2)];
}

describe('espeak-ng (npm wasm build)', () => {
  it('has the variants and language voices the corpus uses', async () => {
    const variants = new Set(await espeakVariantNames());
    for (const v of [...TRAIN_VARIANTS, ...TEST_VARIANTS]) expect(variants.has(v), v).toBe(true);
    const ids = (await espeakLanguageVoices()).map((v) => v.identifier.split('/').pop()!.toLowerCase());
    for (const accents of Object.values(ACCENTS)) for (const a of accents) expect(ids, a).toContain(a);
  });

  it('gives bit-identical audio for the same request, whatever was spoken before', async () => {
    const req = { text: TEXT, language: 'en-us', variant: 'f2', pitch: 40, speed: 160 };
    const a = await espeakSynthesize(req);
    await espeakSynthesize({ text: 'Guten Tag, wie geht es Ihnen?', language: 'de', variant: 'klatt', pitch: 70, speed: 200 });
    await espeakSynthesize({ text: 'Otra frase distinta.', language: 'es', variant: 'rnd9', variantFile: randomVariantFile('rnd9', 9), pitch: 30, speed: 140 });
    const b = await espeakSynthesize(req);
    expect(a.sampleRate).toBe(22050);
    expect(b.samples).toEqual(a.samples);
    expect(b.words).toEqual(a.words);
  });

  it('pitch raises f0, speed shortens the audio, variants change the voice', async () => {
    const base = { text: TEXT, language: 'en-us', variant: 'm3' };
    const low = await espeakSynthesize({ ...base, pitch: 20, speed: 175 });
    const high = await espeakSynthesize({ ...base, pitch: 80, speed: 175 });
    expect(medianF0(high.samples, high.sampleRate) / medianF0(low.samples, low.sampleRate)).toBeGreaterThan(1.3);
    const slow = await espeakSynthesize({ ...base, pitch: 50, speed: 130 });
    const fast = await espeakSynthesize({ ...base, pitch: 50, speed: 220 });
    const ratio = slow.samples.length / fast.samples.length;
    expect(ratio).toBeGreaterThan(1.4);
    expect(ratio).toBeLessThan(2);
    const female = await espeakSynthesize({ ...base, variant: 'f2', pitch: 50, speed: 175 });
    expect(medianF0(female.samples, female.sampleRate)).toBeGreaterThan(1.5 * medianF0(low.samples, low.sampleRate));
    // A generated variant file is honoured: not the language's default voice.
    const plain = await espeakSynthesize({ text: TEXT, language: 'en-us', pitch: 50, speed: 175 });
    const generated = await espeakSynthesize({ text: TEXT, language: 'en-us', variant: 'rndx', variantFile: randomVariantFile('rndx', hashSeed(1, 'rnd', 0)), pitch: 50, speed: 175 });
    expect(generated.samples).not.toEqual(plain.samples);
  });

  it('reports word and phoneme timings inside the audio', async () => {
    const r = await espeakSynthesize({ text: '¿Cómo está usted? Muy bien.', language: 'es', pitch: 50, speed: 175 });
    expect(r.words.map((w) => w.label)).toEqual(['Cómo', 'está', 'usted', 'Muy', 'bien']);
    const dur = r.samples.length / r.sampleRate;
    for (const u of [...r.words, ...r.phonemes]) {
      expect(u.start).toBeGreaterThanOrEqual(0);
      expect(u.end).toBeGreaterThanOrEqual(u.start);
      expect(u.end).toBeLessThanOrEqual(dur + 1e-9);
    }
  });

  it('rejects a voice the build does not have', async () => {
    await expect(espeakSynthesize({ text: 'x', language: 'en-gb', pitch: 50, speed: 175 })).rejects.toThrow(/rejected voice en-gb/);
  });
});

describe('voice bank', () => {
  it('is deterministic, with unique ids and parameters in range', () => {
    const a = buildVoiceBank(3, DEFAULT_VOICE_BANK, ['en', 'es', 'fr', 'de']);
    expect(a).toEqual(buildVoiceBank(3, DEFAULT_VOICE_BANK, ['en', 'es', 'fr', 'de']));
    expect(new Set(a.map((v) => v.id)).size).toBe(a.length);
    for (const v of a) {
      expect(v.pitch).toBeGreaterThanOrEqual(20);
      expect(v.pitch).toBeLessThanOrEqual(80);
      expect(v.speed).toBeGreaterThanOrEqual(130);
      expect(v.speed).toBeLessThanOrEqual(220);
      for (const lang of ['en', 'es', 'fr', 'de']) expect(ACCENTS[lang]).toContain(v.accents[lang]);
    }
    // Adding a language leaves the other languages' accents alone.
    const enOnly = buildVoiceBank(3, DEFAULT_VOICE_BANK, ['en']);
    expect(enOnly.map((v) => v.accents.en)).toEqual(a.map((v) => v.accents.en));
  });

  it('keeps test variants and random seeds out of training, with at least 20 training voices by default', () => {
    for (const size of ['default', 'full'] as const) {
      const bank = buildVoiceBank(1, SIZES[size].voices, ['en']);
      const train = bank.filter((v) => v.split === 'train');
      const test = bank.filter((v) => v.split === 'test');
      expect(train.length).toBeGreaterThanOrEqual(20);
      expect(test.length).toBeGreaterThanOrEqual(4);
      const trainVariants = new Set(train.map((v) => v.variant));
      const trainSeeds = new Set(train.map((v) => v.randomSeed).filter((s) => s !== undefined));
      for (const v of test) {
        expect(trainVariants.has(v.variant)).toBe(false);
        if (v.randomSeed !== undefined) expect(trainSeeds.has(v.randomSeed)).toBe(false);
      }
      expect(test.some((v) => v.randomSeed !== undefined)).toBe(true);
      expect(train.some((v) => v.randomSeed !== undefined)).toBe(true);
    }
    expect(TRAIN_VARIANTS.filter((v) => TEST_VARIANTS.includes(v))).toEqual([]);
  });

  it('generates variant files from a seed, male and female', () => {
    expect(randomVariantFile('r', 42)).toBe(randomVariantFile('r', 42));
    expect(randomVariantFile('r', 42)).not.toBe(randomVariantFile('r', 43));
    const files = Array.from({ length: 40 }, (_, i) => randomVariantFile('r', hashSeed('g', i)));
    const female = files.filter((f) => f.includes('gender female')).length;
    expect(female).toBeGreaterThan(8);
    expect(female).toBeLessThan(32);
    for (const f of files) {
      expect(f.startsWith('language variant\nname r\n')).toBe(true);
      const [, base, top] = /pitch (\d+) (\d+)/.exec(f)!.map(Number);
      expect(top).toBeGreaterThan(base);
    }
  });
});

describe('licence boundary', () => {
  it('keeps the GPL espeak-ng build out of src/, server/, models/ and client/', async () => {
    const offenders: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (e.name !== 'node_modules') await walk(p);
        } else if (/\.(ts|js|mjs|html)$/.test(e.name)) {
          const text = await readFile(p, 'utf8');
          if (/espeak-ng-emscripten|corpus\/speech\/espeak/.test(text)) offenders.push(path.relative(projectRoot, p));
        }
      }
    };
    for (const d of ['src', 'server', 'models', 'client']) await walk(path.join(projectRoot, d));
    expect(offenders).toEqual([]);
  });
});
