import { describe, it, expect } from 'vitest';
import { DEBIAN_VOICES, debianSynthesize, installedDebianVoices, type DebianVoice } from '../../training/corpus/speech/debian-voices.ts';
import { buildDebianCorpus, DEFAULT_DEBIAN_CORPUS, planDebianJobs } from '../../training/corpus/speech/debian-build.ts';
import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSpeechManifest } from '../../training/common/speech-manifest.ts';

const sentences = {
  train: Array.from({ length: 40 }, (_, i) => `train sentence ${String.fromCharCode(97 + (i % 26))}${i}`),
  test: Array.from({ length: 10 }, (_, i) => `test sentence ${i}`),
};

describe('planDebianJobs', () => {
  it('keeps the sentence and voice splits, gives each voice its own sentences, and varies only train delivery', () => {
    const config = { ...DEFAULT_DEBIAN_CORPUS, trainPerVoice: 6, testPerVoice: 3 };
    const jobs = planDebianJobs(config, sentences, DEBIAN_VOICES);
    const train = jobs.filter((j) => j.split === 'train');
    const test = jobs.filter((j) => j.split === 'test');
    const trainVoices = DEBIAN_VOICES.filter((v) => v.split === 'train');
    expect(train.length).toBe(6 * trainVoices.length);
    expect(test.length).toBe(3 * (DEBIAN_VOICES.length - trainVoices.length));
    // The speaker slt is never heard in training.
    expect(train.some((j) => j.voice.id.includes('slt'))).toBe(false);
    expect(test.every((j) => j.voice.id.includes('slt'))).toBe(true);
    expect(train.every((j) => sentences.train.includes(j.text))).toBe(true);
    expect(test.every((j) => sentences.test.includes(j.text))).toBe(true);
    // 40 train sentences, 30 train jobs: no sentence twice.
    expect(new Set(train.map((j) => j.text)).size).toBe(train.length);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(jobs.length);
    for (const j of train) {
      expect(j.delivery.stretch).toBeGreaterThanOrEqual(config.stretch[0]);
      expect(j.delivery.stretch).toBeLessThanOrEqual(config.stretch[1]);
      expect(j.delivery.f0 !== undefined).toBe(j.voice.pitchControl);
    }
    expect(test.every((j) => j.delivery.stretch === 1 && j.delivery.f0 === undefined && j.augment === null)).toBe(true);
    // About 30% of train utterances augmented, as in the espeak corpus.
    const augmented = train.filter((j) => j.augment).length;
    expect(augmented).toBeGreaterThan(2);
    expect(augmented).toBeLessThan(20);
    expect(planDebianJobs(config, sentences, DEBIAN_VOICES)).toEqual(jobs);
    expect(planDebianJobs({ ...config, seed: 2 }, sentences, DEBIAN_VOICES).map((j) => j.text)).not.toEqual(jobs.map((j) => j.text));
  });
});

// flite comes from Debian (.ci/run installs it); festival and its voices are optional.
describe('debianSynthesize (flite)', () => {
  const awb = DEBIAN_VOICES.find((v) => v.id === 'flite-awb')!;

  it('speaks a sentence, slower when stretched, and takes any characters without a shell', async () => {
    const text = 'the house is red; "quoted" $(touch /tmp/never) & `echo`';
    const a = await debianSynthesize(awb, text, { stretch: 1 });
    const b = await debianSynthesize(awb, text, { stretch: 1.5 });
    expect(a.sampleRate).toBe(16000);
    expect(a.samples.length / a.sampleRate).toBeGreaterThan(1);
    expect(b.samples.length / a.samples.length).toBeGreaterThan(1.3);
    expect(b.samples.length / a.samples.length).toBeLessThan(1.7);
    let peak = 0;
    for (const v of a.samples) peak = Math.max(peak, Math.abs(v));
    expect(peak).toBeGreaterThan(0.05);
  });

  it('refuses a voice it does not have instead of speaking with its default one', async () => {
    const ghost: DebianVoice = { ...awb, id: 'flite-ghost', name: 'ghost' };
    await expect(debianSynthesize(ghost, 'hello', { stretch: 1 })).rejects.toThrow(/no voice ghost/);
    const festivalGhost: DebianVoice = { ...awb, id: 'festival-ghost', engine: 'festival', name: 'voice_ghost_diphone', package: 'festvox-ghost' };
    const { ok, missing } = await installedDebianVoices([awb, ghost, festivalGhost]);
    expect(ok.map((v) => v.id)).toEqual(['flite-awb']);
    expect(missing.join(' ')).toMatch(/flite-ghost .*festival-ghost/);
  });
});

describe('buildDebianCorpus', () => {
  it('speaks the source corpus\'s English sentences into train/test manifests, and a rerun resynthesises nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'debian-corpus-'));
    const source = join(dir, 'espeak');
    await mkdir(source);
    const row = (text: string, lang: string, split: string) => JSON.stringify({ audio: 'x.wav', lang, text, speaker: 'e', split });
    await writeFile(join(source, 'manifest.train.jsonl'), [row('the cat sat', 'en', 'train'), row('el gato', 'es', 'train'), row('room 101', 'en', 'train')].join('\n') + '\n');
    await writeFile(join(source, 'manifest.test.jsonl'), row('a red house', 'en', 'test') + '\n');
    const out = join(dir, 'out');
    const logs: string[] = [];
    const config = { ...DEFAULT_DEBIAN_CORPUS, source, out, trainPerVoice: 1, testPerVoice: 1 };
    const r = await buildDebianCorpus(config, (s) => logs.push(s));
    const train = await readSpeechManifest(join(out, 'manifest.train.jsonl'));
    const test = await readSpeechManifest(join(out, 'manifest.test.jsonl'));
    // Only the English sentence without digits; every installed voice of the split speaks it.
    expect(new Set(train.map((t) => t.text))).toEqual(new Set(['the cat sat']));
    expect(test.map((t) => t.text).every((t) => t === 'a red house')).toBe(true);
    expect(train.map((t) => t.speaker)).toEqual(expect.arrayContaining(['flite-awb', 'flite-rms', 'flite-kal16']));
    expect(test.map((t) => t.speaker)).toContain('flite-slt');
    expect(r.train + r.test).toBe(train.length + test.length);
    // Festival voices are either there or reported as skipped.
    for (const id of ['festival-kal', 'festival-ked']) expect(train.some((t) => t.speaker === id) || r.skippedVoices.some((m) => m.startsWith(id))).toBe(true);
    for (const t of [...train, ...test]) {
      expect(t.lang).toBe('en');
      expect(t.duration).toBeGreaterThan(0.3);
      expect((await stat(t.audio)).size).toBeGreaterThan(1000);
    }
    const before = await Promise.all(train.map(async (t) => (await stat(t.audio)).mtimeMs));
    await buildDebianCorpus(config, () => {});
    expect(await Promise.all(train.map(async (t) => (await stat(t.audio)).mtimeMs))).toEqual(before);
    expect(await readFile(join(out, 'manifest.train.jsonl'), 'utf8')).toContain('"speaker":"flite-awb"');
  }, 120_000);

  it('says what to build first when the espeak corpus is missing', async () => {
    await expect(buildDebianCorpus({ ...DEFAULT_DEBIAN_CORPUS, source: join(tmpdir(), 'no-such-corpus'), out: join(tmpdir(), 'unused') }, () => {})).rejects.toThrow(/babelfish corpus speech/);
  });
});
