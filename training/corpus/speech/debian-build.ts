/**
 * `babelfish corpus speech-debian`: a speech corpus from the synthesizers of Debian's
 * packages (`--voices debian`: flite and festival, English; `--voices mbrola`: MBROLA's
 * recorded diphones through espeak-ng, en/es/fr/de; `--voices parametric`: SVOX Pico in all
 * four and RHVoice in English; see debian-voices.ts), to train next to
 * the espeak-ng corpus so the recogniser hears more than one synthesizer.
 *
 * Sentences come from an espeak corpus's manifests (rows of each voice's language; train
 * voices speak its train sentences, test voices its test sentences), so the sentence split
 * is the same as there and no dev/test sentence reaches training. Train utterances get the corpus's usual
 * augmentation (30% noise/reverb/speed/telephone); test utterances stay clean.
 *
 * Resumable: each wav is written atomically and skipped on a rerun; the manifests are
 * written last. Deterministic from the seed (up to the synthesizers themselves).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BabelfishError } from '../../../src/errors.ts';
import { parseCommandArgs } from '../../../src/cli/args.ts';
import { projectRoot } from '../../../src/paths.ts';
import { resample } from '../../../src/audio/resample.ts';
import { writeWav } from '../../../src/audio/wav.ts';
import { writeAtomic } from '../../../src/write-atomic.ts';
import { mapConcurrent } from '../../../src/map-concurrent.ts';
import { hasDigits } from '../../../models/speech-encoder/vocab.ts';
import { readSpeechManifest } from '../../common/speech-manifest.ts';
import { applyAugment, DEFAULT_AUGMENT, planAugment, preventClipping, type AugmentPlan } from './augment.ts';
import { finishedWavSeconds } from './build.ts';
import { DEBIAN_VOICES, debianSynthesize, installedDebianVoices, MBROLA_VOICES, VOICE_SETS, type DebianVoice, type Delivery } from './debian-voices.ts';
import { ProgressBar } from './progress.ts';
import { createRng, hashSeed, randRange, shuffled } from './random.ts';

export interface DebianCorpusConfig {
  /** The espeak corpus whose sentences are spoken. */
  source: string;
  out: string;
  voices: readonly DebianVoice[];
  trainPerVoice: number;
  testPerVoice: number;
  sampleRate: number;
  seed: number;
  /** Duration stretch range of train utterances (test: 1). */
  stretch: [number, number];
  /** Mean f0 range (Hz) of train utterances, for flite voices with pitch control. */
  f0: [number, number];
  /** espeak-ng pitch range (0-99) of train utterances, for MBROLA voices. */
  pitch: [number, number];
  /** Pitch range of train utterances in percent of the voice's own, for Pico and RHVoice voices. */
  pitchPercent: [number, number];
}

export const DEFAULT_DEBIAN_CORPUS: DebianCorpusConfig = {
  source: join(projectRoot, 'data/corpus/speech/default'),
  out: join(projectRoot, 'data/corpus/speech/debian-en'),
  voices: DEBIAN_VOICES,
  trainPerVoice: 600,
  testPerVoice: 50,
  sampleRate: 16000,
  seed: 1,
  stretch: [0.85, 1.25],
  f0: [80, 180],
  pitch: [30, 70],
  // Measured median f0: Pico en-US 115-216 Hz at 70-130%; RHVoice bdl 69-180 Hz at 50-150%.
  pitchPercent: [75, 130],
};

/** Where each `--voices` set writes unless `--out` says otherwise. */
export const CORPUS_OUT: Record<string, string> = {
  debian: DEFAULT_DEBIAN_CORPUS.out,
  mbrola: join(projectRoot, 'data/corpus/speech/mbrola'),
  parametric: join(projectRoot, 'data/corpus/speech/parametric'),
};

export interface DebianJob {
  id: string;
  voice: DebianVoice;
  split: 'train' | 'test';
  text: string;
  delivery: Delivery;
  augment: AugmentPlan | null;
}

/** Sentences to speak, per split and language. */
export type SentencePools = Record<'train' | 'test', Record<string, string[]>>;

/**
 * Every utterance to make: each voice speaks its own slice of its split's shuffled
 * sentences of its language.
 */
export function planDebianJobs(config: DebianCorpusConfig, sentences: SentencePools, voices: readonly DebianVoice[]): DebianJob[] {
  const jobs: DebianJob[] = [];
  const langs = [...new Set(voices.map((v) => v.lang))];
  for (const split of ['train', 'test'] as const) {
    for (const lang of langs) {
      // English keeps the shuffle it had when the corpus was English only, so the wavs of a
      // corpus built then still match their sentences on a resumed build.
      const poolSeed = lang === 'en' ? hashSeed(config.seed, 'debian-sentences', split) : hashSeed(config.seed, 'debian-sentences', split, lang);
      const pool = shuffled(createRng(poolSeed), sentences[split][lang] ?? []);
      const perVoice = split === 'train' ? config.trainPerVoice : config.testPerVoice;
      voices
        .filter((v) => v.split === split && v.lang === lang)
        .forEach((voice, k) => {
          for (let i = 0; i < perVoice; i++) {
            const text = pool[(k * perVoice + i) % Math.max(1, pool.length)];
            if (text === undefined) return;
            const key = hashSeed(config.seed, voice.id, split, i);
            const rng = createRng(key);
            const delivery: Delivery = split === 'train' ? trainDelivery(config, voice, rng) : { stretch: 1 };
            const augment = split === 'train' ? planAugment(DEFAULT_AUGMENT, hashSeed(key, 'augment')) : null;
            jobs.push({ id: `${lang}-${split}-${voice.id}-${key.toString(16).padStart(8, '0')}`, voice, split, text, delivery, augment });
          }
        });
    }
  }
  return jobs;
}

function trainDelivery(config: DebianCorpusConfig, voice: DebianVoice, rng: () => number): Delivery {
  const stretch = Math.round(randRange(rng, ...config.stretch) * 100) / 100;
  if (!voice.pitchControl) return { stretch };
  if (voice.engine === 'mbrola') return { stretch, pitch: Math.round(randRange(rng, ...config.pitch)) };
  if (voice.engine === 'pico' || voice.engine === 'rhvoice') return { stretch, pitchPercent: Math.round(randRange(rng, ...config.pitchPercent)) };
  return { stretch, f0: Math.round(randRange(rng, ...config.f0)) };
}

export async function buildDebianCorpus(config: DebianCorpusConfig, log: (s: string) => void = (s) => process.stderr.write(s + '\n')): Promise<{ train: number; test: number; skippedVoices: string[] }> {
  const langs = new Set(config.voices.map((v) => v.lang));
  const sentences: SentencePools = { train: {}, test: {} };
  for (const split of ['train', 'test'] as const) {
    const path = join(config.source, `manifest.${split}.jsonl`);
    if (!existsSync(path)) throw new BabelfishError('FILE_NOT_FOUND', `${path} is missing: build the espeak corpus first (babelfish corpus speech)`);
    const seen = new Map<string, Set<string>>();
    for (const r of await readSpeechManifest(path)) {
      if (!langs.has(r.lang) || hasDigits(r.text)) continue;
      if (!seen.has(r.lang)) seen.set(r.lang, new Set());
      seen.get(r.lang)!.add(r.text);
    }
    for (const [lang, texts] of seen) sentences[split][lang] = [...texts].sort();
  }
  const { ok, missing } = await installedDebianVoices(config.voices);
  if (missing.length) log(`[debian voices] not installed, skipped: ${missing.join(', ')}`);
  if (!ok.length) throw new BabelfishError('FILE_NOT_FOUND', `none of the voices is installed (apt-get install ${[...new Set(config.voices.map((v) => v.package))].join(' ')})`);
  const jobs = planDebianJobs(config, sentences, ok);
  await mkdir(join(config.out, 'wav'), { recursive: true });
  const bar = new ProgressBar('[debian voices]', jobs.length);
  // Two jobs at a time: each spends much of its time waiting on the synthesizer's process.
  const rows = await mapConcurrent(jobs, 2, async (job) => {
    const row = await makeUtterance(config, job);
    bar.tick();
    return row;
  });
  for (const split of ['train', 'test'] as const) {
    const lines = rows.filter((_, i) => jobs[i].split === split).map((r) => JSON.stringify(r));
    await writeAtomic(join(config.out, `manifest.${split}.jsonl`), lines.join('\n') + '\n');
  }
  const train = jobs.filter((j) => j.split === 'train').length;
  log(`[debian voices] ${train} train / ${jobs.length - train} test utterances in ${config.out}`);
  return { train, test: jobs.length - train, skippedVoices: missing };
}

/** Speaks one job into its wav (unless a previous run did) and returns its manifest row. */
async function makeUtterance(config: DebianCorpusConfig, job: DebianJob): Promise<object> {
  const wav = `wav/${job.id}.wav`;
  const path = join(config.out, wav);
  let duration = await finishedWavSeconds(path, config.sampleRate);
  if (duration === null) {
    const spoken = await debianSynthesize(job.voice, job.text, job.delivery);
    let audio = resample(spoken.samples, spoken.sampleRate, config.sampleRate);
    if (job.augment) audio = applyAugment(audio, config.sampleRate, job.augment);
    audio = preventClipping(audio);
    await writeWav(path, audio, config.sampleRate); // atomic
    duration = audio.length / config.sampleRate;
  }
  return {
    id: job.id,
    audio: wav,
    lang: job.voice.lang,
    text: job.text,
    speaker: job.voice.id,
    split: job.split,
    duration: Math.round(duration * 1000) / 1000,
    sampleRate: config.sampleRate,
    augment: job.augment,
    delivery: job.delivery,
  };
}

export const DEBIAN_CORPUS_USAGE = `babelfish corpus speech-debian [flags]

Utterances from Debian's other synthesizers, to train the speech encoder on more than
espeak-ng. Missing voices are skipped.

  --voices debian: English, flite (awb, rms, kal16, slt) and festival (kal, ked, slt HTS);
    the speaker slt is test only. Needs: apt-get install flite festival festvox-kallpc16k
    festvox-kdlpc16k festvox-us-slt-hts
  --voices mbrola: en/es/fr/de, 29 MBROLA speakers through espeak-ng (some also speak
    accented English); us2, es2, fr4, de7 are test only. Needs Debian's contrib and non-free
    components and: apt-get install espeak-ng mbrola ${[...new Set(MBROLA_VOICES.map((v) => v.package))].join(' ')}
  --voices parametric: SVOX Pico (en-US, en-GB, es, fr, de) and RHVoice's English voices
    (alan, bdl, clb, evgeniy-eng, slt); Pico's en-GB and RHVoice's slt are test only. Needs
    Debian's non-free component and: apt-get install libttspico-utils rhvoice rhvoice-english

Train with several corpora:
  babelfish train speech-encoder --train-manifest data/corpus/speech/default/manifest.train.jsonl,data/corpus/speech/debian-en/manifest.train.jsonl

  --voices SET          debian | mbrola | parametric (debian)
  --source DIR          espeak corpus whose sentences are spoken (${DEFAULT_DEBIAN_CORPUS.source})
  --out DIR             (data/corpus/speech/debian-en, .../mbrola or .../parametric)
  --train-per-voice N   (${DEFAULT_DEBIAN_CORPUS.trainPerVoice})
  --test-per-voice N    (${DEFAULT_DEBIAN_CORPUS.testPerVoice})
  --seed N              (${DEFAULT_DEBIAN_CORPUS.seed})`;

export async function runCorpusDebian(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    voices: { type: 'string' },
    source: { type: 'string' },
    out: { type: 'string' },
    'train-per-voice': { type: 'string' },
    'test-per-voice': { type: 'string' },
    seed: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(DEBIAN_CORPUS_USAGE + '\n');
    return 0;
  }
  const int = (name: string, v: string | undefined, d: number) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new BabelfishError('BAD_ARGUMENT', `--${name} needs a non-negative integer, got '${v}'`);
    return n;
  };
  const d = DEFAULT_DEBIAN_CORPUS;
  const set = values.voices ?? 'debian';
  const voices = VOICE_SETS[set];
  if (!voices) throw new BabelfishError('BAD_ARGUMENT', `--voices must be one of ${Object.keys(VOICE_SETS).join(', ')}, got '${set}'`);
  await buildDebianCorpus({
    ...d,
    voices,
    source: values.source ?? d.source,
    out: values.out ?? CORPUS_OUT[set],
    trainPerVoice: int('train-per-voice', values['train-per-voice'], d.trainPerVoice),
    testPerVoice: int('test-per-voice', values['test-per-voice'], d.testPerVoice),
    seed: int('seed', values.seed, d.seed),
  });
  return 0;
}

