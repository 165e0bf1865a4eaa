import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { DEBIAN_VOICES, debianSynthesize, fixPhonemes, installedDebianVoices, MBROLA_VOICES, mbrolaDatabase, PARAMETRIC_VOICES, type DebianVoice } from '../../training/corpus/speech/debian-voices.ts';
import { buildDebianCorpus, DEFAULT_DEBIAN_CORPUS, planDebianJobs } from '../../training/corpus/speech/debian-build.ts';
import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSpeechManifest } from '../../training/common/speech-manifest.ts';

const english = {
  train: Array.from({ length: 40 }, (_, i) => `train sentence ${String.fromCharCode(97 + (i % 26))}${i}`),
  test: Array.from({ length: 10 }, (_, i) => `test sentence ${i}`),
};
const sentences = { train: { en: english.train }, test: { en: english.test } };

/** 100 train and 10 test sentences in each of the four languages, named for their language and split. */
function fourLanguagePools(): { train: Record<string, string[]>; test: Record<string, string[]> } {
  const pools = { train: {} as Record<string, string[]>, test: {} as Record<string, string[]> };
  for (const lang of ['en', 'es', 'fr', 'de']) {
    pools.train[lang] = Array.from({ length: 100 }, (_, i) => `${lang} train ${i}`);
    pools.test[lang] = Array.from({ length: 10 }, (_, i) => `${lang} test ${i}`);
  }
  return pools;
}

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
    expect(train.every((j) => english.train.includes(j.text))).toBe(true);
    expect(test.every((j) => english.test.includes(j.text))).toBe(true);
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

  it('gives MBROLA voices their own language\'s sentences, one unheard speaker per language, and an espeak-ng pitch', () => {
    const pools = fourLanguagePools();
    const config = { ...DEFAULT_DEBIAN_CORPUS, trainPerVoice: 5, testPerVoice: 4 };
    const jobs = planDebianJobs(config, pools, MBROLA_VOICES);
    for (const j of jobs) {
      expect(j.text.startsWith(`${j.voice.lang} ${j.split} `)).toBe(true);
      expect(j.id.startsWith(`${j.voice.lang}-${j.split}-mbrola-`)).toBe(true);
    }
    const testSpeakers = (lang: string) => new Set(jobs.filter((j) => j.split === 'test' && j.voice.lang === lang).map((j) => j.voice.id));
    for (const lang of ['en', 'es', 'fr', 'de']) {
      expect(testSpeakers(lang).size).toBe(1);
      const trainSpeakers = new Set(jobs.filter((j) => j.split === 'train' && j.voice.lang === lang).map((j) => j.voice.id));
      expect(trainSpeakers.size).toBeGreaterThanOrEqual(3);
      for (const id of testSpeakers(lang)) expect(trainSpeakers.has(id)).toBe(false);
    }
    for (const j of jobs.filter((j) => j.split === 'train')) {
      expect(j.delivery.f0).toBeUndefined();
      expect(j.delivery.pitch).toBeGreaterThanOrEqual(config.pitch[0]);
      expect(j.delivery.pitch).toBeLessThanOrEqual(config.pitch[1]);
    }
    expect(new Set(jobs.filter((j) => j.split === 'train').map((j) => j.delivery.pitch)).size).toBeGreaterThan(10);
    // A voice's sentences are its own within the language: French has 8 train voices x 5.
    const frTrain = jobs.filter((j) => j.split === 'train' && j.voice.lang === 'fr');
    expect(new Set(frTrain.map((j) => j.text)).size).toBe(frTrain.length);
  });

  it('never lets a held-out speaker\'s database speak in training, not even with an accent', () => {
    const db = mbrolaDatabase;
    const heldOut = new Set(MBROLA_VOICES.filter((v) => v.split === 'test').map(db));
    expect([...heldOut].sort()).toEqual(['de7', 'es2', 'fr4', 'us2']);
    for (const v of MBROLA_VOICES.filter((v) => v.split === 'train')) expect(heldOut.has(db(v))).toBe(false);
    // The accented English voices: espeak-ng's mb-de1-en speaks with the de1 database.
    const accented = MBROLA_VOICES.filter((v) => v.lang === 'en' && !/^mbrola-(en1|us\d)$/.test(v.id));
    expect(accented.map((v) => v.name)).toEqual(['mb-af1-en', 'mb-de1-en', 'mb-de6-en', 'mb-fr1-en']);
    expect(accented.map((v) => v.package)).toEqual(['mbrola-af1', 'mbrola-de1', 'mbrola-de6', 'mbrola-fr1']);
  });

  it('gives Pico and RHVoice voices a pitch in percent, all four languages, and never trains on a held-out speaker', () => {
    const pools = fourLanguagePools();
    const config = { ...DEFAULT_DEBIAN_CORPUS, trainPerVoice: 5, testPerVoice: 2 };
    const jobs = planDebianJobs(config, pools, PARAMETRIC_VOICES);
    const train = jobs.filter((j) => j.split === 'train');
    expect(new Set(train.map((j) => j.voice.lang))).toEqual(new Set(['en', 'es', 'fr', 'de']));
    for (const j of train) {
      expect(j.delivery.pitch).toBeUndefined();
      expect(j.delivery.pitchPercent).toBeGreaterThanOrEqual(config.pitchPercent[0]);
      expect(j.delivery.pitchPercent).toBeLessThanOrEqual(config.pitchPercent[1]);
    }
    expect(jobs.filter((j) => j.split === 'test').every((j) => j.delivery.pitchPercent === undefined)).toBe(true);
    // slt is the unheard speaker of every set (flite, festival, RHVoice); Pico's en-GB speaker is held out too.
    const testIds = new Set(jobs.filter((j) => j.split === 'test').map((j) => j.voice.id));
    expect(testIds).toEqual(new Set(['pico-en-GB', 'rhvoice-slt']));
    const trained = [...DEBIAN_VOICES, ...MBROLA_VOICES, ...PARAMETRIC_VOICES].filter((v) => v.split === 'train');
    expect(trained.some((v) => /slt/.test(v.id) || v.name === 'en-GB')).toBe(false);
  });

  it('keeps the sentences of the voices built before when voices are added at the end of a language', () => {
    const pools = { train: { es: Array.from({ length: 100 }, (_, i) => `es ${i}`) }, test: {} };
    const config = { ...DEFAULT_DEBIAN_CORPUS, trainPerVoice: 5, testPerVoice: 0 };
    const es = MBROLA_VOICES.filter((v) => v.lang === 'es');
    const before = planDebianJobs(config, pools, es.slice(0, 4));
    const after = planDebianJobs(config, pools, es);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.length).toBeGreaterThan(before.length);
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

// MBROLA's voices come from Debian's contrib and non-free components, which CI does not
// enable; the refusal test runs everywhere, the speaking test where mbrola-de1 is installed.
describe('debianSynthesize (MBROLA through espeak-ng)', () => {
  const de1 = MBROLA_VOICES.find((v) => v.id === 'mbrola-de1')!;
  const installed = existsSync('/usr/share/mbrola/de1') && (() => {
    try {
      execFileSync('espeak-ng', ['--version']);
      return true;
    } catch {
      return false;
    }
  })();

  it('says which package to install for a voice it does not have', async () => {
    const ghost: DebianVoice = { ...de1, id: 'mbrola-zz9', name: 'mb-zz9', package: 'mbrola-zz9' };
    await expect(debianSynthesize(ghost, 'hallo', { stretch: 1 })).rejects.toThrow(/apt-get install .*mbrola-zz9/);
  });

  it('renames only whole phoneme names at the start of .pho lines', () => {
    const pho = 'e/\t24\t 0 94 20 95\nl\t65\ne\t39\t 0 117\no/\t22\n_\t301\n';
    expect(fixPhonemes(pho, { 'e/': 'e', 'o/': 'o' })).toBe('e\t24\t 0 94 20 95\nl\t65\ne\t39\t 0 117\no\t22\n_\t301\n');
  });

  // Measured: the fraction of 10 ms frames inside the utterance that are digital silence,
  // unfixed -> fixed: es1 about 40% -> 3%, es3 18% -> 0, mx1 42% -> 0, de8 31% -> 7%.
  it.each([
    ['es1', 'Los doctores operaron en el paciente pero no pudieron salvar su vida.'],
    ['es3', 'La mujer joven dice que la calle del perro tiene flores amarillas.'],
    ['mx1', 'Los doctores operaron en el paciente pero no pudieron salvar su vida.'],
    ['de8', 'Die Kinder spielen im Garten, wir sind hier.'],
  ])('fills the gaps mbrola leaves for phonemes %s lacks', async (db, text) => {
    if (!installed || !existsSync(`/usr/share/mbrola/${db}/${db}`)) return;
    const voice = MBROLA_VOICES.find((v) => v.id === `mbrola-${db}`)!;
    const { phonemeFixes, ...unfixed } = voice;
    expect(phonemeFixes).toBeDefined();
    const before = silentFraction((await debianSynthesize(unfixed, text, { stretch: 1 })).samples);
    const after = silentFraction((await debianSynthesize(voice, text, { stretch: 1 })).samples);
    expect(before).toBeGreaterThan(0.15);
    expect(after).toBeLessThan(before / 3);
    expect(after).toBeLessThan(0.1);
  });

  it.runIf(installed)('speaks German, slower when stretched, higher with a higher pitch', async () => {
    const text = 'Das Haus ist rot; "zitiert" $(touch /tmp/never)';
    const a = await debianSynthesize(de1, text, { stretch: 1, pitch: 30 });
    const b = await debianSynthesize(de1, text, { stretch: 1.5, pitch: 30 });
    const c = await debianSynthesize(de1, text, { stretch: 1, pitch: 80 });
    expect(a.sampleRate).toBe(16000);
    expect(a.samples.length / a.sampleRate).toBeGreaterThan(1);
    expect(b.samples.length / a.samples.length).toBeGreaterThan(1.3);
    expect(b.samples.length / a.samples.length).toBeLessThan(1.7);
    // espeak-ng's pitch 30 -> 80 raises this voice's median f0 by about 1.5x.
    expect(medianF0(c.samples, c.sampleRate) / medianF0(a.samples, a.sampleRate)).toBeGreaterThan(1.25);
  });
});

// Pico and RHVoice are in Debian's non-free component, which CI does not enable: the
// refusals run everywhere, the speaking tests where the voices are installed.
describe('debianSynthesize (Pico and RHVoice)', () => {
  const picoFr = PARAMETRIC_VOICES.find((v) => v.id === 'pico-fr-FR')!;
  const bdl = PARAMETRIC_VOICES.find((v) => v.id === 'rhvoice-bdl')!;
  const has = (cmd: string, path: string) => existsSync(path) && (() => {
    try {
      execFileSync('sh', ['-c', `command -v ${cmd}`]);
      return true;
    } catch {
      return false;
    }
  })();
  const picoInstalled = has('pico2wave', '/usr/share/pico/lang/fr-FR_ta.bin');
  const rhvoiceInstalled = has('RHVoice-test', '/usr/share/RHVoice/voices/bdl');

  it('refuses a voice RHVoice does not have instead of speaking with its default one', async () => {
    const ghost: DebianVoice = { ...bdl, id: 'rhvoice-ghost', name: 'ghost' };
    await expect(debianSynthesize(ghost, 'hello', { stretch: 1 })).rejects.toThrow(/RHVoice has no voice ghost .*apt-get install/);
  });

  it.runIf(picoInstalled)('refuses a language Pico does not have', async () => {
    const ghost: DebianVoice = { ...picoFr, id: 'pico-xx-XX', name: 'xx-XX' };
    await expect(debianSynthesize(ghost, 'bonjour', { stretch: 1 })).rejects.toThrow(/pico2wave has no language xx-XX/);
  });

  it.each([
    ['Pico fr-FR', picoFr, picoInstalled, 'La maison est rouge; "cité" $(touch /tmp/never) <b> et le chat dort.'],
    ['RHVoice bdl', bdl, rhvoiceInstalled, 'The house is red; "quoted" $(touch /tmp/never) <b> and the cat sleeps.'],
  ])('%s speaks, slower when stretched, higher with a higher pitch', async (_, voice, installed, text) => {
    if (!installed) return;
    const a = await debianSynthesize(voice, text, { stretch: 1, pitchPercent: 80 });
    const b = await debianSynthesize(voice, text, { stretch: 1.5, pitchPercent: 80 });
    const c = await debianSynthesize(voice, text, { stretch: 1, pitchPercent: 125 });
    expect(a.samples.length / a.sampleRate).toBeGreaterThan(1);
    expect(b.samples.length / a.samples.length).toBeGreaterThan(1.25);
    expect(b.samples.length / a.samples.length).toBeLessThan(1.7);
    // 80% -> 125% of the voice's pitch: about 1.5x its median f0.
    expect(medianF0(c.samples, c.sampleRate) / medianF0(a.samples, a.sampleRate)).toBeGreaterThan(1.3);
  });
});

/** The fraction of 10 ms frames (at 16 kHz) between the first and last loud one that are digitally silent. */
function silentFraction(x: Float32Array): number {
  const rms: number[] = [];
  for (let i = 0; i + 160 <= x.length; i += 160) {
    let e = 0;
    for (let j = 0; j < 160; j++) e += x[i + j] ** 2;
    rms.push(Math.sqrt(e / 160));
  }
  const first = rms.findIndex((r) => r > 0.01);
  const last = rms.length - 1 - [...rms].reverse().findIndex((r) => r > 0.01);
  let silent = 0;
  for (let i = first; i <= last; i++) if (rms[i] < 1e-4) silent++;
  return silent / (last - first + 1);
}

/** Median f0 (Hz) over voiced 40 ms frames: the normalised autocorrelation's peak lag in 60-400 Hz. */
function medianF0(x: Float32Array, sampleRate: number): number {
  const win = Math.round(0.04 * sampleRate);
  const maxLag = Math.ceil(sampleRate / 60);
  const f0s: number[] = [];
  for (let s = 0; s + win + maxLag < x.length; s += win / 2) {
    let best = 0;
    let bestLag = 0;
    for (let lag = Math.floor(sampleRate / 400); lag < maxLag; lag++) {
      let c = 0;
      let e1 = 0;
      let e2 = 0;
      for (let i = 0; i < win; i++) {
        c += x[s + i] * x[s + i + lag];
        e1 += x[s + i] ** 2;
        e2 += x[s + i + lag] ** 2;
      }
      if (e1 / win < 1e-3) break;
      const r = c / (Math.sqrt(e1 * e2) + 1e-12);
      if (r > best) [best, bestLag] = [r, lag];
    }
    if (best > 0.7) f0s.push(sampleRate / bestLag);
  }
  f0s.sort((a, b) => a - b);
  return f0s[f0s.length >> 1];
}

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
