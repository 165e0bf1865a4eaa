/**
 * `babelfish train synthesizer`: trains the duration-based text-to-mel synthesizer.
 *
 * Reads top to bottom: config (defaults here, every one a flag), data (manifests -> cached
 * log-mels -> normalised, length-bucketed batches), model and optimizer (or the last
 * checkpoint with --resume, or a trained model folder with --init), the loop (MAS durations, L1 mel + prior + duration loss, Adam
 * with warmup/cosine decay and clipping), dev loss, checkpoints with a listening sample
 * (mel PNG: reference above, prediction below; Griffin-Lim WAV), export to --out.
 *
 * Durations: the first `uniformSteps` steps spread each utterance's frames evenly over its
 * characters; only then does Monotonic Alignment Search take over. On the synthetic check
 * (test/synthesizer) MAS from random weights locks into bad alignments (mean boundary error
 * 4.3 frames after 400 steps), while 100 uniform steps first bring it to 0.9 frames.
 *
 * `--predict-mels <dir>` instead writes, for every training and dev utterance, the mel the
 * trained model predicts with durations aligned to the real audio (so frames line up with
 * the recording), as .npy [frames, 80] natural-log mel plus `manifest.jsonl`, for fine-tuning
 * the vocoder on the synthesizer's output (as Tacotron 2 did for WaveNet).
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { initBackend } from '../../src/backend.ts';
import { BabelfishError } from '../../src/errors.ts';
import { parseCommandArgs } from '../../src/cli/args.ts';
import { projectRoot } from '../../src/paths.ts';
import { heatmapPng } from '../../src/plot/heatmap.ts';
import { melToAudio } from '../../src/audio/griffin-lim.ts';
import { encodeWav } from '../../src/audio/wav.ts';
import { encodeNpy } from '../../src/audio/npy.ts';
import { writeAtomic } from '../../src/write-atomic.ts';
import { Synthesizer } from '../../models/synthesizer/model.ts';
import type { SynthesizerConfig } from '../../models/synthesizer/config.ts';
import { mulberry32 } from '../../src/random.ts';
import { spreadDurations } from '../../models/synthesizer/alignment.ts';
import { Adam, learningRateAt } from '../common/adam.ts';
import { loadLatestCheckpoint, saveCheckpoint, type CheckpointState } from './checkpoint.ts';
import { readLatestTrainState } from '../common/checkpoint.ts';
import { isDegraded, loadItems, melStats, normalizeItems, readManifest, type RawItem } from './data.ts';
import { batchForStep, lengthBatches } from '../common/length-batches.ts';
import { alignBatch, evalLoss, trainStep, type TrainItem } from './step.ts';
import { wordTimingError } from './word-timing.ts';
import { spreadByLanguage } from '../common/spread-subset.ts';

// ---------------------------------------------------------------- config

export interface TrainConfig {
  /** Corpus folder with manifest.<split>.jsonl files. */
  corpus: string;
  trainManifest: string;
  devManifest: string;
  runDir: string;
  out: string;
  cacheDir: string;
  steps: number;
  /** Padded mel frames per batch (items x longest). */
  batchFrames: number;
  maxBatch: number;
  /** Longest utterance used, in seconds. */
  maxSeconds: number;
  lr: number;
  warmup: number;
  clipNorm: number;
  uniformSteps: number;
  evalEvery: number;
  checkpointEvery: number;
  logEvery: number;
  /** Dev batches in the dev loss. */
  devBatches: number;
  /** Use only the first N manifest rows (0 = all). */
  limit: number;
  seed: number;
  model: Partial<SynthesizerConfig>;
}

function defaultCorpus(): string {
  for (const size of ['default', 'small', 'tiny']) {
    const dir = join(projectRoot, 'data', 'corpus', 'speech', size);
    if (existsSync(join(dir, 'manifest.train.jsonl'))) return dir;
  }
  return join(projectRoot, 'data', 'corpus', 'speech', 'default');
}

export function defaultTrainConfig(): TrainConfig {
  const corpus = defaultCorpus();
  return {
    corpus,
    trainManifest: join(corpus, 'manifest.train.jsonl'),
    devManifest: join(corpus, 'manifest.dev.jsonl'),
    runDir: join(projectRoot, 'runs', 'synthesizer'),
    out: join(projectRoot, 'models', 'synthesizer'),
    cacheDir: join(projectRoot, 'data', 'cache', 'synthesizer-mels'),
    steps: 20000,
    batchFrames: 4000,
    maxBatch: 16,
    maxSeconds: 12,
    lr: 1e-3,
    warmup: 200,
    clipNorm: 1,
    uniformSteps: 300,
    evalEvery: 250,
    checkpointEvery: 250,
    logEvery: 10,
    devBatches: 4,
    limit: 0,
    seed: 1,
    model: {},
  };
}

const USAGE = `usage: babelfish train synthesizer [options]
  --corpus DIR          speech corpus folder (manifest.train.jsonl, manifest.dev.jsonl)
  --train FILE --dev FILE   manifests (override --corpus)
  --run DIR             run folder: checkpoints, log.jsonl, samples (default runs/synthesizer)
  --out DIR             final model folder (default models/synthesizer)
  --resume              continue from the run folder's last checkpoint (wins over --init
                        when the run has one) with the run's saved config; flags given
                        with it override that config
  --init DIR            start from a trained model (e.g. models/synthesizer/default): its weights,
                        config, voices and mel statistics; fresh Adam, step 0, the usual warmup
                        and schedule, and no uniform-duration steps unless --uniform-steps is given
  --steps N --lr X --warmup N --batch-frames N --max-batch N --max-seconds S --clip X
  --uniform-steps N     steps with uniform durations before alignment search
  --eval-every N --checkpoint-every N --log-every N --dev-batches N --limit N --seed N
                        (the dev loss covers --dev-batches batches' worth of dev frames, spread
                        over the languages; --limit takes the first N train rows and N dev rows
                        spread over the languages)
  --hidden N --encoder-layers N --decoder-layers N --kernel N   model size
  --predict-mels DIR    write teacher-forced-duration predicted mels of the train/dev sets
                        (model from --out, or the run's last checkpoint) and exit; with --limit N,
                        N clean rows of each split spread over the languages (the vocoder's stage 2
                        reads 1,500 by default: \`train vocoder --finetune-mel DIR\`)`;

// ---------------------------------------------------------------- small helpers

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}

/** Mel [frames x bins] as a PNG, low bins at the bottom; `reference` (the recording) drawn above the prediction. */
function melPng(pred: Float32Array, frames: number, bins: number, reference?: { data: Float32Array; frames: number }): Buffer {
  const cols = Math.max(frames, reference?.frames ?? 0, 1);
  const rows = reference ? 2 * bins + 2 : bins;
  const m = new Float32Array(rows * cols).fill(NaN);
  const put = (src: Float32Array, nf: number, rowOffset: number) => {
    for (let t = 0; t < nf; t++) for (let b = 0; b < bins; b++) m[(rowOffset + b) * cols + t] = src[t * bins + b]!;
  };
  put(pred, frames, 0);
  if (reference) put(reference.data, reference.frames, bins + 2);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of m) if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  for (let i = 0; i < m.length; i++) if (!Number.isFinite(m[i]!)) m[i] = lo;
  return heatmapPng(m, rows, cols, { origin: 'lower', cellWidth: 2, cellHeight: 2, min: Math.max(lo, hi - 12), max: hi });
}

// ---------------------------------------------------------------- the loop

/**
 * The dev batches of the in-training dev loss: `devBatches` batches' worth of frames (0: none)
 * of dev utterances spread evenly over the languages (dev manifests are sorted by language, and
 * the first length batches would hold only the shortest utterances), deterministically.
 */
export function devEvalBatches(dev: readonly { frames: number; lang: number }[], batchFrames: number, maxBatch: number, devBatches: number): number[][] {
  if (devBatches <= 0 || !dev.length) return [];
  const all = lengthBatches(dev, batchFrames, maxBatch);
  if (all.length <= devBatches) return all;
  const pick = (n: number) => spreadByLanguage(dev, n, (d) => d.lang);
  const frames = (idx: number[]) => idx.reduce((s, i) => s + dev[i]!.frames, 0);
  const budget = devBatches * batchFrames;
  let lo = 1;
  let hi = dev.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (frames(pick(mid)) <= budget) lo = mid;
    else hi = mid - 1;
  }
  const chosen = pick(lo);
  return lengthBatches(chosen.map((i) => dev[i]!), batchFrames, maxBatch).map((b) => b.map((j) => chosen[j]!));
}

export interface LoopHooks {
  log?: (line: string) => void;
  /** Dev utterances' text and espeak word starts (index-aligned with `dev`), for the word-timing check. */
  devTiming?: { text: string; wordStarts: number[] | null }[];
  /** Called after each checkpoint-worthy step with the step number. */
  checkpoint?: (step: number, metrics: Record<string, number>) => Promise<void>;
}

export async function trainLoop(
  model: Synthesizer,
  adam: Adam,
  train: TrainItem[],
  dev: TrainItem[],
  cfg: TrainConfig,
  startStep: number,
  hooks: LoopHooks = {},
): Promise<{ step: number; lastLoss: number; firstLoss: number }> {
  const log = hooks.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const batches = lengthBatches(train, cfg.batchFrames, cfg.maxBatch);
  const devBatches = devEvalBatches(dev, cfg.batchFrames, cfg.maxBatch, cfg.devBatches);
  const logPath = join(cfg.runDir, 'log.jsonl');
  await mkdir(cfg.runDir, { recursive: true });
  let firstLoss = NaN;
  let lastLoss = NaN;
  let smooth = NaN;
  const t0 = Date.now();
  let step = startStep;
  while (step < cfg.steps) {
    const items = batches[batchForStep(step, batches.length, cfg.seed)]!.map((i) => train[i]!);
    const lr = learningRateAt(step, cfg.lr, cfg.warmup, cfg.steps);
    const durations = step < cfg.uniformSteps ? items.map((x) => spreadDurations(x.ids.length, x.frames)) : undefined;
    const r = trainStep(model, adam, items, lr, durations);
    step++;
    if (Number.isNaN(firstLoss)) firstLoss = r.loss;
    lastLoss = r.loss;
    smooth = Number.isNaN(smooth) ? r.loss : 0.9 * smooth + 0.1 * r.loss;
    const secPerStep = (Date.now() - t0) / 1000 / (step - startStep);
    const metrics: Record<string, number> = { step, loss: r.loss, melLoss: r.melLoss, priorLoss: r.priorLoss, durLoss: r.durLoss, gradNorm: r.gradNorm, lr, secPerStep };
    const evalNow = devBatches.length > 0 && (step % cfg.evalEvery === 0 || step === cfg.steps);
    if (evalNow) {
      let sum = 0;
      let mel = 0;
      for (const b of devBatches) {
        const e = evalLoss(model, b.map((i) => dev[i]!));
        sum += e.loss;
        mel += e.melLoss;
      }
      metrics.devLoss = sum / devBatches.length;
      metrics.devMelLoss = mel / devBatches.length;
      if (hooks.devTiming?.some((d) => d.wordStarts)) {
        const timed = dev.map((_, i) => i).filter((i) => hooks.devTiming![i]?.wordStarts);
        const idx = spreadByLanguage(timed, 32, (i) => dev[i]!.lang).map((k) => timed[k]!);
        const durs = alignBatch(model, idx.map((i) => dev[i]!));
        const wt = wordTimingError(idx.map((i, k) => ({ text: hooks.devTiming![i]!.text, durations: durs[k]!, wordStarts: hooks.devTiming![i]!.wordStarts })));
        if (wt.compared) metrics.devWordTimingMs = wt.meanMs;
      }
    }
    if (step % cfg.logEvery === 0 || evalNow || step === cfg.steps) {
      await appendFile(logPath, JSON.stringify({ ...metrics, time: new Date().toISOString() }) + '\n');
      log(
        `step ${step}/${cfg.steps}  loss ${smooth.toFixed(3)} (mel ${r.melLoss.toFixed(3)} prior ${r.priorLoss.toFixed(3)} dur ${r.durLoss.toFixed(3)})` +
          (metrics.devLoss !== undefined ? `  dev ${metrics.devLoss.toFixed(3)} (mel ${metrics.devMelLoss!.toFixed(3)})` : '') +
          (metrics.devWordTimingMs !== undefined ? `  words ±${metrics.devWordTimingMs.toFixed(0)} ms` : '') +
          `  lr ${lr.toExponential(1)}  ${secPerStep.toFixed(2)} s/step  ETA ${fmtTime((cfg.steps - step) * secPerStep)}`,
      );
    }
    if (hooks.checkpoint && (step % cfg.checkpointEvery === 0 || step === cfg.steps)) await hooks.checkpoint(step, metrics);
  }
  return { step, lastLoss, firstLoss };
}

// ---------------------------------------------------------------- the command

/** Flags over `base` (the defaults, or a resumed run's saved config). */
function parse(argv: string[], base: TrainConfig = defaultTrainConfig()): { cfg: TrainConfig; resume: boolean; init?: string; uniformStepsGiven: boolean; predictMels?: string; help: boolean } {
  const { values } = parseCommandArgs(argv, {
    corpus: { type: 'string' },
    train: { type: 'string' },
    dev: { type: 'string' },
    run: { type: 'string' },
    out: { type: 'string' },
    cache: { type: 'string' },
    resume: { type: 'boolean' },
    init: { type: 'string' },
    steps: { type: 'string' },
    lr: { type: 'string' },
    warmup: { type: 'string' },
    clip: { type: 'string' },
    'batch-frames': { type: 'string' },
    'max-batch': { type: 'string' },
    'max-seconds': { type: 'string' },
    'uniform-steps': { type: 'string' },
    'eval-every': { type: 'string' },
    'checkpoint-every': { type: 'string' },
    'log-every': { type: 'string' },
    'dev-batches': { type: 'string' },
    limit: { type: 'string' },
    seed: { type: 'string' },
    hidden: { type: 'string' },
    'encoder-layers': { type: 'string' },
    'decoder-layers': { type: 'string' },
    kernel: { type: 'string' },
    'predict-mels': { type: 'string' },
  });
  const cfg: TrainConfig = structuredClone(base);
  const num = (name: string, v: string | undefined, fallback: number, integer = true): number => {
    if (v === undefined) return fallback;
    const x = Number(v);
    if (!Number.isFinite(x) || x < 0 || (integer && !Number.isInteger(x))) throw new BabelfishError('BAD_ARGUMENT', `--${name} must be a non-negative ${integer ? 'integer' : 'number'}, got '${v}'`);
    return x;
  };
  if (values.corpus) {
    cfg.corpus = resolve(values.corpus);
    cfg.trainManifest = join(cfg.corpus, 'manifest.train.jsonl');
    cfg.devManifest = join(cfg.corpus, 'manifest.dev.jsonl');
  }
  if (values.train) cfg.trainManifest = resolve(values.train);
  if (values.dev) cfg.devManifest = resolve(values.dev);
  if (values.run) cfg.runDir = resolve(values.run);
  if (values.out) cfg.out = resolve(values.out);
  if (values.cache) cfg.cacheDir = resolve(values.cache);
  cfg.steps = num('steps', values.steps, cfg.steps);
  cfg.lr = num('lr', values.lr, cfg.lr, false);
  cfg.warmup = num('warmup', values.warmup, cfg.warmup);
  cfg.clipNorm = num('clip', values.clip, cfg.clipNorm, false);
  cfg.batchFrames = num('batch-frames', values['batch-frames'], cfg.batchFrames);
  cfg.maxBatch = Math.max(1, num('max-batch', values['max-batch'], cfg.maxBatch));
  cfg.maxSeconds = num('max-seconds', values['max-seconds'], cfg.maxSeconds, false);
  cfg.uniformSteps = num('uniform-steps', values['uniform-steps'], cfg.uniformSteps);
  cfg.evalEvery = Math.max(1, num('eval-every', values['eval-every'], cfg.evalEvery));
  cfg.checkpointEvery = Math.max(1, num('checkpoint-every', values['checkpoint-every'], cfg.checkpointEvery));
  cfg.logEvery = Math.max(1, num('log-every', values['log-every'], cfg.logEvery));
  cfg.devBatches = num('dev-batches', values['dev-batches'], cfg.devBatches);
  cfg.limit = num('limit', values.limit, cfg.limit);
  cfg.seed = num('seed', values.seed, cfg.seed);
  if (values.hidden) cfg.model.hidden = num('hidden', values.hidden, 0);
  if (values['encoder-layers']) cfg.model.encoderLayers = num('encoder-layers', values['encoder-layers'], 0);
  if (values['decoder-layers']) cfg.model.decoderLayers = num('decoder-layers', values['decoder-layers'], 0);
  if (values.kernel) cfg.model.kernel = num('kernel', values.kernel, 0);
  const init = values.init ? resolve(values.init) : undefined;
  return { cfg, resume: !!values.resume, ...(init ? { init } : {}), uniformStepsGiven: values['uniform-steps'] !== undefined, predictMels: values['predict-mels'], help: !!values.help };
}

async function loadData(cfg: TrainConfig, symbolsFrom: Synthesizer | null, voices: Map<string, number>, log: (l: string) => void) {
  const probe = symbolsFrom ?? Synthesizer.build({ hidden: 8, encoderLayers: 0, decoderLayers: 0, durationLayers: 0 });
  const common = {
    cacheDir: cfg.cacheDir,
    symbols: probe.symbols,
    languages: probe.config.languages,
    voices,
    maxFrames: Math.round(cfg.maxSeconds * 100),
    limit: cfg.limit || undefined,
    log,
  };
  const train = await loadItems(await readManifest(cfg.trainManifest), { ...common, growVoices: true, manifestPath: cfg.trainManifest });
  // --limit on dev: rows spread over the languages (the manifest is sorted by language), not the first ones.
  const devRows = existsSync(cfg.devManifest) ? await readManifest(cfg.devManifest) : [];
  const devPick = cfg.limit ? spreadByLanguage(devRows, cfg.limit, (r) => r.lang).map((i) => devRows[i]!) : devRows;
  const dev = devPick.length ? await loadItems(devPick, { ...common, limit: undefined, growVoices: false, manifestPath: cfg.devManifest }) : [];
  if (!symbolsFrom) probe.dispose();
  if (!train.length) throw new BabelfishError('BAD_ARGUMENT', `no usable training utterances in ${cfg.trainManifest}`);
  return { train, dev };
}

/** Writes a PNG (and WAV if Griffin-Lim is available) of the model's reading of one utterance. */
async function writeSample(model: Synthesizer, item: RawItem, dir: string, name: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const lang = model.config.languages[item.lang]!;
  const mel = await model.synthesize(item.text, { lang, voice: Math.min(item.voice, model.voices - 1) });
  if (mel.frames === 0) return;
  await writeAtomic(join(dir, `${name}.png`), melPng(mel.data, mel.frames, mel.bins, { data: item.logMel, frames: item.frames }));
  await writeAtomic(join(dir, `${name}.wav`), encodeWav(melToAudio(mel), model.config.sampleRate));
}

export async function runTrainSynthesizer(argv: string[]): Promise<number> {
  const parsed = parse(argv);
  const { resume, init, uniformStepsGiven, predictMels, help } = parsed;
  let cfg = parsed.cfg;
  if (help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const log = (l: string) => process.stderr.write(l + '\n');
  const saved = resume && !predictMels ? await readLatestTrainState<CheckpointState<TrainConfig>>(cfg.runDir) : null;
  if (saved) {
    // the run's own config, with only the flags given now on top (not the defaults)
    ({ cfg } = parse(argv, { ...saved.config, model: { ...saved.config.model } }));
    log(`--resume: the run's config from ${saved.dir}, flags given now on top`);
  }
  await initBackend();
  if (predictMels) return runPredictMels(cfg, resolve(predictMels), log);

  // ---- model and optimizer: the last checkpoint (--resume), a trained model with a fresh
  // optimizer at step 0 (--init), or fresh
  const ckpt = resume ? await loadLatestCheckpoint<TrainConfig>(cfg.runDir) : null;
  if (resume && !ckpt) log(`no checkpoint in ${cfg.runDir}; starting from ${init ? '--init' : 'scratch'}`);
  if (ckpt && init) log(`--init ${init} ignored: --resume found a checkpoint, which wins`);
  let initModel: Synthesizer | null = null;
  if (init && !ckpt) {
    if (!existsSync(join(init, 'model.json'))) throw new BabelfishError('MODEL_NOT_FOUND', `--init ${init}: no synthesizer there (model.json + weights.bin)`);
    initModel = await Synthesizer.load(init);
    if (!uniformStepsGiven) cfg.uniformSteps = 0; // the model is aligned already; uniform durations would undo it
  }
  const voices = new Map<string, number>((ckpt?.state.voices ?? initModel?.config.voiceNames ?? []).map((v, i) => [v, i]));
  const { train: rawTrain, dev: rawDev } = await loadData(cfg, ckpt?.model ?? initModel, voices, log);
  let model: Synthesizer;
  const adam = new Adam({ clipNorm: cfg.clipNorm });
  let startStep = 0;
  if (ckpt) {
    model = ckpt.model;
    adam.loadState(ckpt.adamStep, ckpt.adamTensors);
    startStep = ckpt.state.step;
    if (voices.size > model.voices) throw new BabelfishError('BAD_ARGUMENT', `the training set now has ${voices.size} speakers, the checkpoint ${model.voices}`);
    log(`resumed from ${ckpt.dir} at step ${startStep}`);
  } else if (initModel) {
    model = initModel;
    if (voices.size > model.voices) {
      model.dispose();
      throw new BabelfishError('BAD_ARGUMENT', `--init ${init}: the training set has ${voices.size} speakers, the model ${model.voices} (${model.config.voiceNames.join(', ')})`);
    }
    log(`initialised from ${init} (its config, voices and mel statistics win over the model flags; fresh optimizer, step 0, ${cfg.uniformSteps} uniform-duration steps)`);
  } else {
    const stats = melStats(rawTrain, 80);
    model = Synthesizer.build({
      ...cfg.model,
      voices: Math.max(1, voices.size),
      voiceNames: [...voices.keys()],
      melMean: stats.mean,
      melStd: stats.std,
      silenceLogMel: stats.silence,
      seed: cfg.seed,
    });
  }
  const train = normalizeItems(rawTrain, model.config.melMean!, model.config.melStd!);
  const dev = normalizeItems(rawDev, model.config.melMean!, model.config.melStd!);
  const nParams = Object.values(model.weights).reduce((a, w) => a + w.size, 0);
  log(`synthesizer: ${(nParams / 1e6).toFixed(2)}M parameters, ${train.length} train / ${dev.length} dev utterances, ${model.voices} voices`);
  await mkdir(cfg.runDir, { recursive: true });
  await writeAtomic(join(cfg.runDir, 'train-config.json'), JSON.stringify(cfg, null, 1) + '\n');

  const sample = rawDev[0] ?? rawTrain[0]!;
  const voiceNames = [...voices.keys()];
  const result = await trainLoop(model, adam, train, dev, cfg, startStep, {
    log,
    devTiming: rawDev.map((d) => ({ text: d.text, wordStarts: d.wordStarts })),
    checkpoint: async (step, metrics) => {
      await saveCheckpoint(cfg.runDir, model, adam, { step, config: cfg, seed: cfg.seed, voices: voiceNames, metrics });
      await writeSample(model, sample, join(cfg.runDir, 'samples'), `step-${String(step).padStart(8, '0')}`).catch((e) =>
        log(`sample not written: ${(e as Error).message}`),
      );
    },
  });
  if (result.step >= cfg.steps) {
    await model.save(cfg.out);
    log(`exported ${cfg.out}`);
  }
  model.dispose();
  adam.dispose();
  return 0;
}

/** `--predict-mels DIR`: predicted mels with durations aligned to the real recordings. */
async function runPredictMels(cfg: TrainConfig, outDir: string, log: (l: string) => void): Promise<number> {
  let model: Synthesizer;
  if (existsSync(join(cfg.out, 'model.json'))) model = await Synthesizer.load(cfg.out);
  else {
    const ckpt = await loadLatestCheckpoint<TrainConfig>(cfg.runDir);
    if (!ckpt) throw new BabelfishError('MODEL_NOT_FOUND', `no synthesizer in ${cfg.out} and no checkpoint in ${cfg.runDir}`);
    model = ckpt.model;
    tf.dispose(Object.values(ckpt.adamTensors));
  }
  const voices = new Map(model.config.voiceNames.map((v, i) => [v, i]));
  const common = { cacheDir: cfg.cacheDir, symbols: model.symbols, languages: model.config.languages, voices, growVoices: false, maxFrames: Infinity, log };
  await mkdir(outDir, { recursive: true });
  const manifest: string[] = [];
  const bins = model.config.numMels;
  for (const [split, path] of [['train', cfg.trainManifest], ['dev', cfg.devManifest]] as const) {
    if (!existsSync(path)) continue;
    // --limit: that many clean rows of each split, spread over the languages (manifests are sorted by language)
    const clean = (await readManifest(path)).filter((r) => !isDegraded(r));
    const rows = cfg.limit ? spreadByLanguage(clean, cfg.limit, (r) => r.lang).map((i) => clean[i]!) : clean;
    const raw = await loadItems(rows, common);
    const items = normalizeItems(raw, model.config.melMean!, model.config.melStd!);
    const started = Date.now();
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      const [durations] = alignBatch(model, [it]);
      const mel = model.denormalize(model.melForDurations(it.ids, it.lang, it.voice, durations!));
      const file = `${String(it.id).replace(/[^\w.-]+/g, '_')}.npy`;
      await writeAtomic(join(outDir, file), encodeNpy({ data: mel, frames: it.frames, bins }));
      manifest.push(JSON.stringify({ id: it.id, split, audio: rows.find((r) => (r.id ?? r.audio) === it.id)?.audio, mel: file, frames: it.frames, bins }));
      if ((i + 1) % 100 === 0) {
        const rate = (i + 1) / ((Date.now() - started) / 1000);
        log(`predict-mels ${split} ${i + 1}/${items.length}  ETA ${fmtTime((items.length - i - 1) / rate)}`);
      }
    }
  }
  await writeAtomic(join(outDir, 'manifest.jsonl'), manifest.join('\n') + '\n');
  log(`wrote ${manifest.length} predicted mels to ${outDir}`);
  model.dispose();
  return 0;
}

