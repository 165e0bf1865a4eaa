/**
 * `babelfish corpus speech-debian`: an English speech corpus from the synthesizers of
 * Debian's packages (flite, festival; see debian-voices.ts), to train next to the espeak-ng
 * corpus so the recogniser hears more than one synthesizer.
 *
 * Sentences come from an espeak corpus's manifests (English rows; train voices speak its
 * train sentences, test voices its test sentences), so the sentence split is the same as
 * there and no dev/test sentence reaches training. Train utterances get the corpus's usual
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
import { hasDigits } from '../../../models/speech-encoder/vocab.ts';
import { readSpeechManifest } from '../../common/speech-manifest.ts';
import { applyAugment, DEFAULT_AUGMENT, planAugment, preventClipping, type AugmentPlan } from './augment.ts';
import { wavHeader } from './build.ts';
import { DEBIAN_VOICES, debianSynthesize, installedDebianVoices, type DebianVoice, type Delivery } from './debian-voices.ts';
import { ProgressBar } from './progress.ts';
import { createRng, hashSeed, randRange, shuffled } from './random.ts';

export interface DebianCorpusConfig {
  /** The espeak corpus whose English sentences are spoken. */
  source: string;
  out: string;
  trainPerVoice: number;
  testPerVoice: number;
  sampleRate: number;
  seed: number;
  /** Duration stretch range of train utterances (test: 1). */
  stretch: [number, number];
  /** Mean f0 range (Hz) of train utterances, for voices with pitch control. */
  f0: [number, number];
}

export const DEFAULT_DEBIAN_CORPUS: DebianCorpusConfig = {
  source: join(projectRoot, 'data/corpus/speech/default'),
  out: join(projectRoot, 'data/corpus/speech/debian-en'),
  trainPerVoice: 600,
  testPerVoice: 50,
  sampleRate: 16000,
  seed: 1,
  stretch: [0.85, 1.25],
  f0: [80, 180],
};

export interface DebianJob {
  id: string;
  voice: DebianVoice;
  split: 'train' | 'test';
  text: string;
  delivery: Delivery;
  augment: AugmentPlan | null;
}

/** Every utterance to make: each voice speaks its own slice of its split's shuffled sentences. */
export function planDebianJobs(config: DebianCorpusConfig, sentences: Record<'train' | 'test', string[]>, voices: readonly DebianVoice[]): DebianJob[] {
  const jobs: DebianJob[] = [];
  for (const split of ['train', 'test'] as const) {
    const pool = shuffled(createRng(hashSeed(config.seed, 'debian-sentences', split)), sentences[split]);
    const perVoice = split === 'train' ? config.trainPerVoice : config.testPerVoice;
    voices
      .filter((v) => v.split === split)
      .forEach((voice, k) => {
        for (let i = 0; i < perVoice; i++) {
          const text = pool[(k * perVoice + i) % Math.max(1, pool.length)];
          if (text === undefined) return;
          const key = hashSeed(config.seed, voice.id, split, i);
          const rng = createRng(key);
          const delivery: Delivery =
            split === 'train'
              ? { stretch: Math.round(randRange(rng, ...config.stretch) * 100) / 100, ...(voice.pitchControl ? { f0: Math.round(randRange(rng, ...config.f0)) } : {}) }
              : { stretch: 1 };
          const augment = split === 'train' ? planAugment(DEFAULT_AUGMENT, hashSeed(key, 'augment')) : null;
          jobs.push({ id: `en-${split}-${voice.id}-${key.toString(16).padStart(8, '0')}`, voice, split, text, delivery, augment });
        }
      });
  }
  return jobs;
}

export async function buildDebianCorpus(config: DebianCorpusConfig, log: (s: string) => void = (s) => process.stderr.write(s + '\n')): Promise<{ train: number; test: number; skippedVoices: string[] }> {
  const sentences = { train: [] as string[], test: [] as string[] };
  for (const split of ['train', 'test'] as const) {
    const path = join(config.source, `manifest.${split}.jsonl`);
    if (!existsSync(path)) throw new BabelfishError('FILE_NOT_FOUND', `${path} is missing: build the espeak corpus first (babelfish corpus speech)`);
    const seen = new Set<string>();
    for (const r of await readSpeechManifest(path)) if (r.lang === 'en' && !hasDigits(r.text) && !seen.has(r.text)) seen.add(r.text);
    sentences[split] = [...seen].sort();
  }
  const { ok, missing } = await installedDebianVoices();
  if (missing.length) log(`[debian voices] not installed, skipped: ${missing.join(', ')}`);
  if (!ok.length) throw new BabelfishError('FILE_NOT_FOUND', 'no flite or festival voice is installed (apt-get install flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts)');
  const jobs = planDebianJobs(config, sentences, ok);
  await mkdir(join(config.out, 'wav'), { recursive: true });
  const rows: Record<'train' | 'test', object[]> = { train: [], test: [] };
  const bar = new ProgressBar('[debian voices]', jobs.length);
  for (const job of jobs) {
    const wav = `wav/${job.id}.wav`;
    const path = join(config.out, wav);
    const header = await wavHeader(path);
    let duration: number;
    if (header && header.sampleRate === config.sampleRate && header.frames > 0) {
      duration = header.frames / header.sampleRate;
    } else {
      const spoken = await debianSynthesize(job.voice, job.text, job.delivery);
      let audio = resample(spoken.samples, spoken.sampleRate, config.sampleRate);
      if (job.augment) audio = applyAugment(audio, config.sampleRate, job.augment);
      audio = preventClipping(audio);
      await writeWav(path, audio, config.sampleRate); // atomic
      duration = audio.length / config.sampleRate;
    }
    rows[job.split].push({
      id: job.id,
      audio: wav,
      lang: 'en',
      text: job.text,
      speaker: job.voice.id,
      split: job.split,
      duration: Math.round(duration * 1000) / 1000,
      sampleRate: config.sampleRate,
      augment: job.augment,
      delivery: job.delivery,
    });
    bar.tick();
  }
  for (const split of ['train', 'test'] as const) {
    await writeAtomic(join(config.out, `manifest.${split}.jsonl`), rows[split].map((r) => JSON.stringify(r)).join('\n') + '\n');
  }
  log(`[debian voices] ${rows.train.length} train / ${rows.test.length} test utterances in ${config.out}`);
  return { train: rows.train.length, test: rows.test.length, skippedVoices: missing };
}

export const DEBIAN_CORPUS_USAGE = `babelfish corpus speech-debian [flags]

English utterances from Debian's other synthesizers (flite: awb, rms, kal16, slt; festival:
kal, ked, slt HTS), to train the speech encoder on more than espeak-ng. The speaker slt is
test only. Needs: apt-get install flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts
(missing voices are skipped). Train with both corpora:
  babelfish train speech-encoder --train-manifest data/corpus/speech/default/manifest.train.jsonl,data/corpus/speech/debian-en/manifest.train.jsonl

  --source DIR          espeak corpus whose English sentences are spoken (${DEFAULT_DEBIAN_CORPUS.source})
  --out DIR             (${DEFAULT_DEBIAN_CORPUS.out})
  --train-per-voice N   (${DEFAULT_DEBIAN_CORPUS.trainPerVoice})
  --test-per-voice N    (${DEFAULT_DEBIAN_CORPUS.testPerVoice})
  --seed N              (${DEFAULT_DEBIAN_CORPUS.seed})`;

export async function runCorpusDebian(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
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
  await buildDebianCorpus({
    ...d,
    source: values.source ?? d.source,
    out: values.out ?? d.out,
    trainPerVoice: int('train-per-voice', values['train-per-voice'], d.trainPerVoice),
    testPerVoice: int('test-per-voice', values['test-per-voice'], d.testPerVoice),
    seed: int('seed', values.seed, d.seed),
  });
  return 0;
}

