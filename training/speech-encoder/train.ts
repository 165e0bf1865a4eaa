/**
 * `babelfish train speech-encoder`: trains the streaming CTC speech encoder.
 *
 * Reads top to bottom: config (defaults here, every one a flag), data (manifests ->
 * cached features -> length buckets), model and optimizer (or the last checkpoint with
 * --resume, or a trained model folder with --init), the loop (non-speech clips with empty
 * targets added to each batch, vocal tract length warping, a random equaliser and SpecAugment,
 * CTC + language-id loss, Adam with warmup/cosine decay, clipping), evaluation on dev (greedy CER), checkpoints, export.
 *
 * Progress goes to stderr; `<runDir>/log.jsonl` gets one JSON object per logged step
 * (step, loss, lr, gradNorm, stepsPerSec, devCer, ...) for plotting.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { initBackend } from '../../src/backend.ts';
import { projectRoot } from '../../src/paths.ts';
import { BabelfishError } from '../../src/errors.ts';
import { parseCommandArgs } from '../../src/cli/args.ts';
import { ctcLossPerExample } from '../../src/ctc/loss.ts';
import { greedyDecode } from '../../src/ctc/decode.ts';
import { SpeechEncoder, type GrowBlock } from '../../models/speech-encoder/model.ts';
import { DEFAULT_SPEECH_ENCODER_CONFIG, lookaheadFrames, type SpeechEncoderConfig } from '../../models/speech-encoder/config.ts';
import { buildVocab, type Vocab } from '../../models/speech-encoder/vocab.ts';
import type { FeatureSource, LogMelFrames } from '../../models/speech-encoder/features.ts';
import type { LevelConfig } from '../../src/audio/level.ts';
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig } from '../../src/audio/config.ts';
import { mulberry32 } from '../../src/random.ts';
import { melEdges } from '../../src/audio/mel.ts';
import { Adam, learningRateAt } from '../common/adam.ts';
import { loadLatestCheckpoint, saveCheckpoint, type CheckpointState } from './checkpoint.ts';
import { readLatestTrainState } from '../common/checkpoint.ts';
import {
  assembleBatch,
  featureStats,
  nonSpeechExtras,
  randomEqualizer,
  warpFrequency,
  bandLimit,
  drawBandLimit,
  loadUtterances,
  readFeatures,
  readManifest,
  specAugment,
  type Utterance,
} from './data.ts';
import { batchForStep, lengthBatches } from '../common/length-batches.ts';
import { editDistance } from '../../src/metrics/cer.ts';
import { spreadByLanguage } from '../common/spread-subset.ts';
import { nonSpeechClips } from './non-speech.ts';

// ---------------------------------------------------------------- config

export interface TrainConfig {
  /** Corpus folder with manifest.<split>.jsonl files. */
  corpus: string;
  /** Training manifest(s), comma-separated (e.g. the espeak corpus's and corpus speech-debian's). */
  trainManifest: string;
  devManifest: string;
  runDir: string;
  /** Where the final model folder goes. */
  out: string;
  cacheDir: string;
  /**
   * Feature hop in samples, for the default log-mel front end (the model config's default, 8 ms;
   * see models/speech-encoder/config.ts). --init from a model read at another hop: the model
   * takes this one (the weights do not depend on it).
   */
  hopLength: number;
  steps: number;
  /** Padded feature frames per batch (batch size x longest utterance). */
  batchFrames: number;
  maxBatch: number;
  lr: number;
  warmup: number;
  clipNorm: number;
  weightDecay: number;
  langIdWeight: number;
  specAugment: boolean;
  timeMasks: number;
  timeMaskMax: number;
  freqMasks: number;
  freqMaskMax: number;
  /** Random smooth equaliser per utterance (see data.ts randomEqualizer): cosine terms and their largest weight (ln units); 0 = off. */
  eqOrder: number;
  eqAmplitude: number;
  /** Vocal tract length perturbation (data.ts warpFrequency): warp factor uniform in 1 +- vtlp; 0 = off. */
  vtlp: number;
  /**
   * Share of utterances given a narrowband channel (data.ts bandLimit: everything above a
   * random 3.4-7 kHz cutoff emptied), as Bluetooth headsets and phone lines deliver; 0 = off.
   */
  bandLimit: number;
  maxSeconds: number;
  /**
   * Non-speech clips (noise, hum, bursts, near-silence; see non-speech.ts) in the pool, and
   * how many of them are added per batch relative to its size, with empty targets: the
   * model learns to write nothing on sound that is not speech.
   */
  nonSpeechClips: number;
  nonSpeechFraction: number;
  /** Use only the first N manifest rows (0 = all). */
  limit: number;
  evalEvery: number;
  /** Dev utterances decoded for the progress CER (0 = all). */
  devUtterances: number;
  checkpointEvery: number;
  logEvery: number;
  seed: number;
  /** Stop after this many steps in this process (0 = never): simulates a kill in tests. */
  stopAfter: number;
  // model shape
  hidden: number;
  frontEndChannels: number;
  kernel: number;
  dilations: number[];
  /** Per block, its conv's taps in the future (a fresh model's lookahead; see config.ts). */
  futureTaps: number[];
  /**
   * With --init: residual blocks to append to the model, `dilation:futureTaps` comma-separated
   * (e.g. "1:1,2:1" adds two centred blocks, 3 frames = 96 ms of lookahead). They start as the
   * identity, so training starts from the model as it was (SpeechEncoder.grow).
   */
  grow: string;
  /** Store the exported model's weights as float16: half the size, for a deeper model within the size budget. */
  float16: boolean;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  corpus: join(projectRoot, 'data/corpus/speech/default'),
  trainManifest: '',
  devManifest: '',
  runDir: join(projectRoot, 'runs/speech-encoder'),
  out: join(projectRoot, 'models/speech-encoder/default'),
  cacheDir: join(projectRoot, 'data/cache/features'),
  hopLength: DEFAULT_SPEECH_ENCODER_CONFIG.features.hopLength,
  steps: 6000,
  batchFrames: 12000,
  maxBatch: 32,
  lr: 2e-3,
  warmup: 300,
  clipNorm: 5,
  weightDecay: 0,
  langIdWeight: 0.1,
  specAugment: true,
  timeMasks: 2,
  timeMaskMax: 20,
  freqMasks: 2,
  freqMaskMax: 10,
  eqOrder: 3,
  eqAmplitude: 0.5,
  vtlp: 0.1,
  bandLimit: 0.2,
  maxSeconds: 12,
  nonSpeechClips: 300,
  nonSpeechFraction: 0.08,
  limit: 0,
  evalEvery: 250,
  devUtterances: 200,
  checkpointEvery: 250,
  logEvery: 10,
  seed: 1,
  stopAfter: 0,
  hidden: 256,
  frontEndChannels: 256,
  kernel: 3,
  dilations: [1, 2, 4, 8, 1, 2, 4, 8],
  futureTaps: [],
  grow: '',
  float16: false,
};

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

/** Flags whose default alone says too little. */
const FLAG_NOTES: Record<string, string> = {
  futureTaps: 'per block, conv taps in the future (default none: causal; 1 with kernel 3 centres a block)',
  grow: 'with --init, blocks to append as dilation:futureTaps, e.g. 1:1,2:1 (96 ms of lookahead); they start as the identity',
};

export const TRAIN_USAGE = `babelfish train speech-encoder [flags]

Trains the streaming CTC speech encoder on a speech corpus and exports it.

  --resume                 continue from <run-dir>/checkpoints/latest.json (wins over --init
                           when the run has a checkpoint) with the run's saved config; flags
                           given with it override that config
  --init DIR               start from a trained model folder (e.g. models/speech-encoder/default):
                           its weights, config and feature statistics win over the model-shape
                           flags; fresh Adam, step 0, the usual warmup and schedule; the corpus
                           must give the model's vocabulary
${Object.entries(DEFAULT_TRAIN_CONFIG)
  .map(([k, v]) => {
    const shown = FLAG_NOTES[k] ?? (Array.isArray(v) ? v.join(',') : typeof v === 'boolean' ? `${v} (--no-${kebab(k)} to disable)` : String(v) || '(derived from --corpus)');
    return `  --${kebab(k).padEnd(22)} ${shown}`;
  })
  .join('\n')}`;

export interface ParsedTrainArgs {
  /** Defaults with the flags on top. */
  config: TrainConfig;
  /** Only what the flags set: on --resume these go on top of the run's saved config. */
  given: Partial<TrainConfig>;
  resume: boolean;
  init?: string;
  help: boolean;
}

export function parseTrainArgs(argv: string[]): ParsedTrainArgs {
  const options: Record<string, { type: 'string' | 'boolean' }> = { resume: { type: 'boolean' }, init: { type: 'string' } };
  for (const [k, v] of Object.entries(DEFAULT_TRAIN_CONFIG)) {
    options[kebab(k)] = { type: typeof v === 'boolean' ? 'boolean' : 'string' };
    if (typeof v === 'boolean') options[`no-${kebab(k)}`] = { type: 'boolean' };
  }
  const { values } = parseCommandArgs(argv, options);
  const given: Partial<TrainConfig> = {};
  const rec = given as Record<string, unknown>;
  for (const [k, def] of Object.entries(DEFAULT_TRAIN_CONFIG)) {
    const raw = (values as Record<string, unknown>)[kebab(k)];
    if (typeof def === 'boolean') {
      if (raw === true) rec[k] = true;
      if ((values as Record<string, unknown>)[`no-${kebab(k)}`] === true) rec[k] = false;
      continue;
    }
    if (raw === undefined) continue;
    const s = String(raw);
    if (typeof def === 'number') {
      const n = Number(s);
      if (!Number.isFinite(n)) throw new BabelfishError('BAD_ARGUMENT', `--${kebab(k)} needs a number, got '${s}'`);
      rec[k] = n;
    } else if (Array.isArray(def)) {
      const list = s.split(',').map(Number);
      const min = k === 'futureTaps' ? 0 : 1;
      if (!list.length || list.some((n) => !Number.isInteger(n) || n < min)) {
        throw new BabelfishError('BAD_ARGUMENT', `--${kebab(k)} needs a comma-separated list of ${min ? 'positive' : 'non-negative'} integers`);
      }
      rec[k] = list;
    } else rec[k] = s;
  }
  parseGrow(given.grow ?? ''); // a malformed --grow fails before anything loads
  // a corpus given without its manifests brings its own
  if (given.corpus !== undefined) {
    given.trainManifest ??= join(given.corpus, 'manifest.train.jsonl');
    given.devManifest ??= join(given.corpus, 'manifest.dev.jsonl');
  }
  const config = withDerivedManifests({ ...DEFAULT_TRAIN_CONFIG, ...given });
  const init = typeof values.init === 'string' ? resolve(values.init) : undefined;
  return { config, given, resume: values.resume === true, ...(init ? { init } : {}), help: values.help === true };
}

function withDerivedManifests(config: TrainConfig): TrainConfig {
  return {
    ...config,
    trainManifest: config.trainManifest || join(config.corpus, 'manifest.train.jsonl'),
    devManifest: config.devManifest || join(config.corpus, 'manifest.dev.jsonl'),
  };
}

/**
 * Settings added after runs were already saved, at the value those runs trained with: a run
 * resumed from a checkpoint without one keeps training as it did, not with the new default.
 */
const SETTINGS_ADDED_LATER: Partial<TrainConfig> = { bandLimit: 0 };

/**
 * The config a run trains with. On --resume with a checkpoint it is the run's own (saved in
 * the checkpoint) with only the flags given now on top: a run started with --lr 7e-4 and
 * resumed with `--resume` alone keeps 7e-4, its seed and its data, not the defaults.
 */
export async function effectiveTrainConfig(args: Pick<ParsedTrainArgs, 'config' | 'given' | 'resume'>, log: (line: string) => void = () => {}): Promise<TrainConfig> {
  if (!args.resume) return args.config;
  const saved = await readLatestTrainState<CheckpointState<TrainConfig>>(args.config.runDir);
  if (!saved) return args.config;
  const flags = Object.keys(args.given).filter((k) => k !== 'runDir');
  log(`--resume: the run's config from ${saved.dir}${flags.length ? `, with ${flags.map(kebab).map((f) => `--${f}`).join(' ')} as given now` : ''}`);
  // --stop-after belongs to one invocation (a planned stop), not to the run
  return withDerivedManifests({ ...DEFAULT_TRAIN_CONFIG, ...SETTINGS_ADDED_LATER, ...saved.config, stopAfter: DEFAULT_TRAIN_CONFIG.stopAfter, ...args.given });
}

export function modelOverrides(cfg: TrainConfig): Partial<SpeechEncoderConfig> {
  return { hidden: cfg.hidden, frontEndChannels: cfg.frontEndChannels, kernel: cfg.kernel, dilations: cfg.dilations, futureTaps: cfg.futureTaps, seed: cfg.seed };
}

/** `--grow "1:1,2:1"` -> the blocks to append. */
export function parseGrow(spec: string): GrowBlock[] {
  if (!spec) return [];
  return spec.split(',').map((part) => {
    const m = /^(\d+):(\d+)$/.exec(part.trim());
    if (!m || Number(m[1]) < 1) throw new BabelfishError('BAD_ARGUMENT', `--grow needs dilation:futureTaps pairs like 1:1,2:1, got '${part}'`);
    return { dilation: Number(m[1]), futureTaps: Number(m[2]) };
  });
}

// ---------------------------------------------------------------- data

export interface TrainData {
  train: Utterance[];
  dev: Utterance[];
  vocab: Vocab;
  bins: number;
  /** Clips without speech (empty targets, no language) mixed into batches; absent: none. */
  nonSpeech?: Utterance[];
  /** The input level normalisation in the features (the trained model's config gets it); absent: none. */
  inputLevel?: LevelConfig | null;
  /** The log-mel configuration of the features (the trained model's config gets it); absent: a custom front end. */
  featureConfig?: FeatureConfig;
}

export interface AudioFrontEnd {
  features: FeatureSource;
  loadAudio: (path: string) => Promise<Float32Array>;
  /** Identifies the feature configuration (cache key). */
  featureKey: string;
  /** The level normalisation `features` applies (absent: none). */
  inputLevel?: LevelConfig | null;
  /** The log-mel configuration `features` computes (absent: a custom front end, e.g. a toy one in tests). */
  featureConfig?: FeatureConfig;
}

export async function loadTrainData(cfg: TrainConfig, front: AudioFrontEnd, log: (s: string) => void): Promise<TrainData> {
  // Several corpora train together: a comma-separated list of manifests.
  const trainRows = (await Promise.all(cfg.trainManifest.split(',').map((m) => readManifest(m.trim())))).flat();
  const devRows = await readManifest(cfg.devManifest);
  const vocab = buildVocab(trainRows.map((r) => r.text));
  const common = { ...front, cacheDir: cfg.cacheDir, vocab, maxSeconds: cfg.maxSeconds, log };
  const train = await loadUtterances(trainRows, { ...common, limit: cfg.limit || undefined });
  // The dev manifest is sorted by language: take a language-balanced spread, not its first rows.
  const dev = await loadUtterances(devSubset(devRows, cfg.devUtterances), common);
  if (!train.length) throw new BabelfishError('BAD_ARGUMENT', `no usable training utterances in ${cfg.trainManifest}`);
  const nonSpeech = cfg.nonSpeechFraction > 0 ? nonSpeechUtterances(front.features, cfg.nonSpeechClips, cfg.seed, cfg.maxSeconds) : [];
  if (nonSpeech.length) log(`${nonSpeech.length} non-speech clips, ${cfg.nonSpeechFraction} per utterance in a batch`);
  return { train, dev, vocab, bins: front.features.bins, nonSpeech, inputLevel: front.inputLevel ?? null, ...(front.featureConfig ? { featureConfig: front.featureConfig } : {}) };
}

/** `count` non-speech clips through the training front end (in memory: they are generated, not read). */
export function nonSpeechUtterances(features: FeatureSource, count: number, seed: number, maxSeconds: number): Utterance[] {
  return nonSpeechClips(seed, count, { sampleRate: features.sampleRate, maxSeconds: Math.min(6, maxSeconds) }).map((c, i) => {
    const f = features.compute(c.samples);
    return { id: `non-speech-${c.kind}-${i}`, lang: '', text: '', labels: [], frames: f.frames, features: f };
  });
}

/** The dev items evaluated during training: `n` of them (0 = all), balanced across languages. */
export function devSubset<T extends { lang: string }>(dev: readonly T[], n: number): T[] {
  return spreadByLanguage(dev, n, (u) => u.lang).map((i) => dev[i]!);
}

// ---------------------------------------------------------------- loss

/**
 * CTC per character (each example's -log p divided by its label length, as PyTorch's
 * 'mean' reduction) averaged over the batch, plus the weighted language-id cross-entropy.
 */
export function batchLoss(encoder: SpeechEncoder, batch: ReturnType<typeof assembleBatch>, langIdWeight: number): tf.Scalar {
  return tf.tidy(() => {
    const x = tf.tensor3d(batch.data, [batch.B, batch.T, batch.bins]);
    const out = encoder.apply(x, batch.lengths);
    const per = ctcLossPerExample(out.logits, batch.labels, out.outputLengths, { zeroInfinity: true });
    let loss = tf.mean(tf.div(per, tf.tensor1d(batch.labels.map((l) => Math.max(1, l.length))))) as tf.Scalar;
    const langs = encoder.config.languages;
    if (langIdWeight > 0 && out.langLogits) {
      const known = batch.langs.map((l) => langs.indexOf(l));
      if (known.some((i) => i >= 0)) {
        const onehot = tf.oneHot(known.map((i) => Math.max(0, i)), langs.length);
        const weights = tf.tensor1d(known.map((i) => (i >= 0 ? 1 : 0)));
        const ce = tf.losses.softmaxCrossEntropy(onehot, out.langLogits, weights);
        loss = tf.add(loss, tf.mul(ce, langIdWeight)) as tf.Scalar;
      }
    }
    return loss;
  });
}

// ---------------------------------------------------------------- evaluation

export interface DevMetrics {
  cer: number;
  langAccuracy: number;
}

export function evaluateDev(encoder: SpeechEncoder, dev: Utterance[]): DevMetrics {
  let edits = 0;
  let chars = 0;
  let langRight = 0;
  for (const u of dev) {
    const { rows, langProbs } = encoder.logProbs(readFeatures(u));
    const hyp = encoder.vocab.decode(greedyDecode(rows, 0));
    const ref = encoder.vocab.decode(u.labels);
    edits += editDistance([...ref], [...hyp]);
    chars += [...ref].length;
    if (langProbs && encoder.resolveLanguage(langProbs).lang === u.lang) langRight++;
  }
  return { cer: chars ? edits / chars : 0, langAccuracy: dev.length ? langRight / dev.length : 0 };
}

// ---------------------------------------------------------------- loop

export interface TrainResult {
  step: number;
  losses: number[];
  dev?: DevMetrics;
  encoder: SpeechEncoder;
}

const fmtTime = (s: number) => (s >= 3600 ? `${(s / 3600).toFixed(1)}h` : s >= 60 ? `${Math.round(s / 60)}m` : `${Math.round(s)}s`);

export async function trainSpeechEncoder(
  cfg: TrainConfig,
  data: TrainData,
  opts: { resume?: boolean; init?: string; log?: (line: string) => void } = {},
): Promise<TrainResult> {
  const log = opts.log ?? ((s: string) => process.stderr.write(s + '\n'));
  await mkdir(cfg.runDir, { recursive: true });
  const logPath = join(cfg.runDir, 'log.jsonl');

  // Model and optimizer: where the last checkpoint left them (--resume), a trained model with a
  // fresh optimizer at step 0 (--init), or fresh.
  let encoder: SpeechEncoder;
  const adam = new Adam({ clipNorm: cfg.clipNorm, weightDecay: cfg.weightDecay });
  let step = 0;
  const ckpt = opts.resume ? await loadLatestCheckpoint<TrainConfig>(cfg.runDir) : null;
  if (ckpt) {
    if (ckpt.model.vocab.symbols.join('\u0000') !== data.vocab.symbols.join('\u0000')) {
      throw new BabelfishError('BAD_ARGUMENT', `the checkpoint in ${cfg.runDir} was trained with another vocabulary (different corpus?)`);
    }
    encoder = ckpt.model;
    adam.loadState(ckpt.adamStep, ckpt.adamTensors);
    step = ckpt.state.step;
    log(`resuming from ${ckpt.dir} at step ${step}`);
    if (opts.init) log(`--init ${opts.init} ignored: --resume found a checkpoint, which wins`);
  } else if (opts.init) {
    if (opts.resume) log(`no checkpoint in ${cfg.runDir}; starting from --init`);
    encoder = await SpeechEncoder.load(opts.init);
    if (encoder.vocab.symbols.join('\u0000') !== data.vocab.symbols.join('\u0000')) {
      const theirs = new Set(encoder.vocab.symbols);
      const ours = new Set(data.vocab.symbols);
      const extra = data.vocab.symbols.filter((s) => !theirs.has(s));
      const missing = encoder.vocab.symbols.filter((s) => !ours.has(s));
      encoder.dispose();
      throw new BabelfishError(
        'BAD_ARGUMENT',
        `--init ${opts.init}: the model's vocabulary (${theirs.size} symbols) is not the corpus's (${ours.size})` +
          (extra.length ? `; only the corpus has ${JSON.stringify(extra.join(''))}` : '') +
          (missing.length ? `; only the model has ${JSON.stringify(missing.join(''))}` : '') +
          (!extra.length && !missing.length ? '; same symbols in another order' : '') +
          ' (train on the corpus the model was trained on)',
      );
    }
    if (encoder.config.numMels !== data.bins) {
      const n = encoder.config.numMels;
      encoder.dispose();
      throw new BabelfishError('BAD_ARGUMENT', `--init ${opts.init}: the model takes ${n} feature bins, the corpus gives ${data.bins}`);
    }
    log(`initialised from ${opts.init} (its config wins over the model-shape flags; fresh optimizer, step 0)`);
    const grow = parseGrow(cfg.grow);
    if (grow.length) {
      const grown = encoder.grow(grow);
      encoder.dispose();
      encoder = grown;
      log(`grew ${grow.length} residual block(s) (dilation:future taps ${cfg.grow}), starting as the identity: ${encoder.config.dilations.length} blocks, lookahead ${lookaheadFrames(encoder.config)} frames (${Math.round(1000 * lookaheadFrames(encoder.config) * encoder.frameSeconds)} ms)`);
    }
  } else {
    if (cfg.grow) throw new BabelfishError('BAD_ARGUMENT', '--grow adds blocks to a trained model: give it --init (a fresh model takes --dilations and --future-taps)');
    if (opts.resume) log(`no checkpoint in ${cfg.runDir}; starting fresh`);
    // A spread-out sample of 2000 utterances pins the per-bin statistics well enough.
    const every = Math.max(1, Math.floor(data.train.length / 2000));
    const stats = featureStats(data.train.filter((_, i) => i % every === 0), data.bins);
    encoder = SpeechEncoder.build(
      { ...modelOverrides(cfg), numMels: data.bins, featureMean: stats.mean, featureStd: stats.std, inputLevel: data.inputLevel ?? null, ...(data.featureConfig ? { features: { ...data.featureConfig } } : {}) },
      data.vocab,
    );
  }
  if (data.featureConfig && JSON.stringify(encoder.config.features) !== JSON.stringify(data.featureConfig)) {
    // E.g. --init from a model read at 10 ms hops, training on 8 ms ones: the saved config must say what the weights now expect.
    log(`features: ${JSON.stringify(encoder.config.features)} -> ${JSON.stringify(data.featureConfig)} (those of the training data)`);
    encoder.setFeatureConfig(data.featureConfig);
  }
  const inputLevel = data.inputLevel ?? null;
  if (JSON.stringify(encoder.config.inputLevel) !== JSON.stringify(inputLevel)) {
    // E.g. --init from a model trained before level normalisation: from now on it learns normalised input.
    log(`input level normalisation: ${JSON.stringify(encoder.config.inputLevel)} -> ${JSON.stringify(inputLevel)} (that of the training features)`);
    encoder.setInputLevel(inputLevel);
  }
  if (!ckpt) await writeFile(join(cfg.runDir, 'config.json'), JSON.stringify({ train: cfg, ...(opts.init ? { init: opts.init } : {}), model: encoder.config }, null, 1) + '\n');
  const params = Object.values(encoder.weights).reduce((s, v) => s + v.size, 0);
  log(`speech encoder: ${(params / 1e6).toFixed(2)}M parameters, ${data.train.length} train / ${data.dev.length} dev utterances`);

  const batches = lengthBatches(data.train, cfg.batchFrames, cfg.maxBatch);
  const devSet = devSubset(data.dev, cfg.devUtterances);
  const mean = encoder.config.featureMean;
  // Bin centres for the frequency warp; from the feature config with the network's bin count, so toy front ends work too.
  const centersHz = melEdges({ ...encoder.config.features, nMels: data.bins }).subarray(1, data.bins + 1);
  const spec = { timeMasks: cfg.timeMasks, timeMaskMax: cfg.timeMaskMax, timeMaskFraction: 0.2, freqMasks: cfg.freqMasks, freqMaskMax: cfg.freqMaskMax };
  const losses: number[] = [];
  let dev: DevMetrics | undefined;
  const startStep = step;
  const started = performance.now();
  let windowLoss = 0;
  let windowN = 0;

  const checkpoint = async () => {
    await saveCheckpoint(cfg.runDir, encoder, adam, { step, config: cfg, seed: cfg.seed, metrics: dev ? { ...dev } : undefined });
  };

  while (step < cfg.steps) {
    const idx = batches[batchForStep(step, batches.length, cfg.seed)];
    // Augmentation and non-speech draws are functions of (seed, step), so a resumed run repeats them exactly.
    const rand = mulberry32((cfg.seed * 0x9e3779b1) ^ (step + 1));
    const longest = Math.max(...idx.map((i) => data.train[i].frames));
    const extras = nonSpeechExtras(data.nonSpeech ?? [], idx.length, longest, cfg.nonSpeechFraction, mulberry32((cfg.seed * 0x85ebca6b) ^ (step + 1)));
    const members = [...idx.map((i) => data.train[i]), ...extras];
    const augment = (f: LogMelFrames) => {
      if (cfg.vtlp > 0) warpFrequency(f, 1 + (2 * rand() - 1) * cfg.vtlp, centersHz);
      randomEqualizer(f, cfg.eqOrder, cfg.eqAmplitude, rand);
      // The channel comes last: a band limit empties what the voice and the room put there.
      const band = drawBandLimit(f, cfg.bandLimit, rand);
      if (band) bandLimit(f, band.cutoffHz, band.level, centersHz, rand);
      if (cfg.specAugment) specAugment(f, spec, mean, rand);
    };
    const augmenting = cfg.specAugment || cfg.eqOrder > 0 || cfg.vtlp > 0 || cfg.bandLimit > 0;
    const batch = assembleBatch(members, members.map((_, i) => i), data.bins, augmenting ? augment : undefined);
    const lr = learningRateAt(step, cfg.lr, cfg.warmup, cfg.steps);
    const { value, grads } = tf.variableGrads(() => batchLoss(encoder, batch, cfg.langIdWeight), Object.values(encoder.weights));
    const loss = value.dataSync()[0];
    // variableGrads keys by variable name; map back to our weight names.
    const byName: Record<string, tf.Tensor> = {};
    for (const [name, v] of Object.entries(encoder.weights)) byName[name] = grads[v.name];
    const gradNorm = adam.apply(encoder.weights, byName, lr);
    tf.dispose([value, ...Object.values(grads)]);
    step++;
    losses.push(loss);
    windowLoss += loss;
    windowN++;

    const evalNow = cfg.evalEvery > 0 && (step % cfg.evalEvery === 0 || step === cfg.steps) && data.dev.length > 0;
    if (evalNow) dev = evaluateDev(encoder, devSet);
    if (step % cfg.logEvery === 0 || evalNow || step === cfg.steps) {
      const elapsed = (performance.now() - started) / 1000;
      const sps = (step - startStep) / elapsed;
      const eta = (cfg.steps - step) / Math.max(sps, 1e-9);
      const avg = windowLoss / windowN;
      log(
        `step ${step}/${cfg.steps}  loss ${avg.toFixed(3)}  lr ${lr.toExponential(2)}  |g| ${gradNorm.toFixed(2)}` +
          (dev ? `  dev CER ${(100 * dev.cer).toFixed(1)}% lang ${(100 * dev.langAccuracy).toFixed(0)}%` : '') +
          `  ${sps.toFixed(2)} steps/s  ETA ${fmtTime(eta)}`,
      );
      const entry = { step, loss: avg, lr, gradNorm, stepsPerSec: sps, elapsedSec: elapsed, ...(evalNow && dev ? { devCer: dev.cer, devLangAccuracy: dev.langAccuracy } : {}), time: new Date().toISOString() };
      await appendFile(logPath, JSON.stringify(entry) + '\n');
      windowLoss = 0;
      windowN = 0;
    }
    if (step % cfg.checkpointEvery === 0 || step === cfg.steps) await checkpoint();
    if (cfg.stopAfter > 0 && step - startStep >= cfg.stopAfter) {
      log(`stopping after ${cfg.stopAfter} steps (--stop-after)`);
      break;
    }
  }
  adam.dispose();
  return { step, losses, dev, encoder };
}

// ---------------------------------------------------------------- entry point

/** `babelfish train speech-encoder <flags>`; the exit code. */
export async function runTrainSpeechEncoder(argv: string[], front?: AudioFrontEnd): Promise<number> {
  const args = parseTrainArgs(argv);
  const { resume, init, help } = args;
  if (help) {
    process.stdout.write(TRAIN_USAGE + '\n');
    return 0;
  }
  await initBackend();
  const log = (s: string) => process.stderr.write(s + '\n');
  const config = await effectiveTrainConfig(args, log);
  // A mistyped --init fails now, not after the features are loaded.
  if (init && !existsSync(join(init, 'model.json'))) throw new BabelfishError('MODEL_NOT_FOUND', `--init ${init}: no speech encoder there (model.json + weights.bin + vocab.json)`);
  const audio = front ?? (await import('./audio-front-end.ts')).defaultAudioFrontEnd({ ...DEFAULT_FEATURE_CONFIG, hopLength: config.hopLength });
  const data = await loadTrainData(config, audio, log);
  const result = await trainSpeechEncoder(config, data, { resume, init, log });
  if (result.step >= config.steps) {
    await result.encoder.save(config.out, { float16: config.float16 });
    log(`exported the model to ${config.out}`);
  }
  result.encoder.dispose();
  return 0;
}
