/**
 * `babelfish train vocoder`: teacher-forced WaveNet training on random short windows.
 *
 * Reads top to bottom like nanoGPT's train.py: options, data, model + optimizer (or a
 * checkpoint to resume), the loop (progress line with loss, samples/s and ETA; the same figures
 * and each held-out loss as JSON lines in `<out>/log.jsonl`, for plotting), evaluation
 * on held-out windows, checkpoints (weights + Adam state + step + options, atomic) with a sample
 * WAV resynthesised by the fast generator so a person can listen, and a final export.
 *
 * Stage 1 trains on ground-truth mel (log-mel of the corpus wavs). Stage 2 fine-tunes on the
 * synthesizer's predicted mel: `--init <stage-1 model> --finetune-mel <dir>` (see data.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { appendFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { initBackend } from '../../src/backend.ts';
import { BabelfishError } from '../../src/errors.ts';
import { parseCommandArgs } from '../../src/cli/args.ts';
import { projectRoot } from '../../src/paths.ts';
import { writeWav } from '../../src/audio/wav.ts';
import { mulawDecode } from '../../src/audio/mulaw.ts';
import { deEmphasize } from '../../src/audio/lpc.ts';
import { Vocoder } from '../../models/vocoder/model.ts';
import { condOffset, vocoderConfig, receptiveField, type VocoderConfig } from '../../models/vocoder/config.ts';
import { conditionFrames, pitchLogits, stackForward, type VocoderWeights } from '../../models/vocoder/network.ts';
import { mulberry32 } from '../../src/random.ts';
import { checkWindow, corpusManifests, loadUtterance, melStats, readJsonl, resolveFrom, sampleBatch, syntheticUtterances, type VocoderUtterance, type WindowBatch } from './data.ts';
import { loadLatestCheckpoint, saveCheckpoint, type TrainState } from './checkpoint.ts';
import { readLatestTrainState } from '../common/checkpoint.ts';
import { learningRateAt, ScheduledAdam } from '../common/adam.ts';

// ---- options

export interface TrainVocoderOptions {
  corpus: string;
  out: string;
  steps: number;
  batch: number;
  /** Samples per training window. */
  window: number;
  /** Peak learning rate: linear warmup to it, then cosine decay to `lr * minLrRatio` at `steps`. */
  lr: number;
  warmup: number;
  /** Final learning rate as a fraction of the peak (1: constant, as every run before 2026-12-07). */
  minLrRatio: number;
  /** Global gradient-norm clip (0: off). */
  clip: number;
  checkpointEvery: number;
  logEvery: number;
  /** Held-out windows for the validation loss (0: skip). */
  valBatches: number;
  maxUtterances: number;
  includeAugmented: boolean;
  seed: number;
  /** Seconds of the sample utterance resynthesised at each checkpoint (0: none). */
  sampleSeconds: number;
  temperature: number;
  /** Predicted-mel folder for fine-tuning (null: ground-truth mel). */
  finetuneMel: string | null;
  /** 'lpc' excitation: the most mu-law steps of noise on the training inputs (see data.ts toUtterance). */
  inputNoise: number;
  /** Start from this model's weights and config (fine-tuning). */
  init: string | null;
  /** With `init`: pitch inputs to add to it if it lacks them (the explicit --pitch-bins / --pulses). */
  extend: Partial<Pick<VocoderConfig, 'pitchBins' | 'pulses'>>;
  /** Train on n synthetic sine utterances instead of a corpus (tests, smoke runs). */
  synthetic: number;
  /** Where to save the final model (default <out>/model). */
  export: string | null;
  model: Partial<VocoderConfig>;
}

export const DEFAULT_TRAIN_OPTIONS: TrainVocoderOptions = {
  corpus: join(projectRoot, 'data', 'corpus', 'speech', 'default'),
  out: join(projectRoot, 'runs', 'vocoder'),
  steps: 20000,
  batch: 6,
  window: 4000,
  lr: 1e-3,
  // Decay, not a constant rate: a WaveNet's loss keeps falling as the rate anneals (models/vocoder/README.md)
  warmup: 100,
  minLrRatio: 0.05,
  clip: 1,
  checkpointEvery: 500,
  logEvery: 10,
  valBatches: 2,
  maxUtterances: 1500,
  includeAugmented: false,
  seed: 1,
  sampleSeconds: 2,
  temperature: 1,
  finetuneMel: null,
  inputNoise: 3,
  init: null,
  extend: {},
  synthetic: 0,
  export: null,
  // LPC excitation: after 1,000-2,000 steps it beats the plain WaveNet's 7,000; the pitch head,
  // e(t-P) and pulses give it voicing (models/vocoder/README.md)
  model: { excitation: 'lpc', pitchBins: 48, pulses: true },
};

const USAGE = `usage: babelfish train vocoder [options]
  --corpus DIR            speech corpus with manifest.<split>.jsonl (default data/corpus/speech/default)
  --out DIR               run folder: checkpoints, log.jsonl, samples, final model (default runs/vocoder)
  --steps N --batch B --window SAMPLES --lr LR --clip NORM
  --warmup N --min-lr-ratio F   linear warmup over N steps (100) to --lr, then cosine decay to
                          F x --lr at --steps (0.05; 1: a constant rate)
  --checkpoint-every N --log-every N --val-batches N --max-utterances N --seed N
  --include-augmented     also train on noise-augmented audio (default: clean only)
  --resume                continue the latest checkpoint in --out with the run's saved options
                          (flags given with it override them)
  --init DIR              start from a trained vocoder (its config wins, but for pitch inputs
                          --pitch-bins / --pulses ask to add)
  --finetune-mel DIR      train on predicted mel: DIR/manifest.jsonl rows {audio, mel}
  --synthetic N           N synthetic sine utterances instead of a corpus
  --sample-seconds S --temperature T   the sample WAV written at each checkpoint
  --input-noise N         lpc excitation: noise on the residual entering the training history, up to N mu-law steps (default 3)
  --export DIR            where the final model goes (default <out>/model)
  --residual R --skip S --head H --cond-channels C --dilations 1,2,4,...   model size
  --excitation lpc|none   lpc (default): predict the residual of the mel's linear predictor (LPCNet);
                          none: predict the samples themselves (the plain WaveNet)
  --pitch-bins N          lpc: long-term prediction, the residual one pitch period back as an input,
                          the period from a pitch head over N log-spaced classes (default 48; 0: none,
                          and no pulses); with --init, adds it to a model that has none
  --pulses                with --pitch-bins: mark each pitch pulse's sample as an input (the default
                          for a new model; with --init, adds it to a model that has none)`;

/** Flags over `d` (the defaults, or a resumed run's saved options); null for --help. */
function parseOptions(argv: string[], d: TrainVocoderOptions = DEFAULT_TRAIN_OPTIONS): TrainVocoderOptions | null {
  const { values } = parseCommandArgs(argv, {
    corpus: { type: 'string' },
    out: { type: 'string' },
    steps: { type: 'string' },
    batch: { type: 'string' },
    window: { type: 'string' },
    lr: { type: 'string' },
    warmup: { type: 'string' },
    'min-lr-ratio': { type: 'string' },
    clip: { type: 'string' },
    'checkpoint-every': { type: 'string' },
    'log-every': { type: 'string' },
    'val-batches': { type: 'string' },
    'max-utterances': { type: 'string' },
    'include-augmented': { type: 'boolean' },
    seed: { type: 'string' },
    resume: { type: 'boolean' },
    init: { type: 'string' },
    'finetune-mel': { type: 'string' },
    'input-noise': { type: 'string' },
    synthetic: { type: 'string' },
    'sample-seconds': { type: 'string' },
    temperature: { type: 'string' },
    export: { type: 'string' },
    residual: { type: 'string' },
    skip: { type: 'string' },
    head: { type: 'string' },
    'cond-channels': { type: 'string' },
    dilations: { type: 'string' },
    excitation: { type: 'string' },
    'pitch-bins': { type: 'string' },
    pulses: { type: 'boolean' },
  });
  if (values.help) return null;
  const num = (name: string, v: string | undefined, fallback: number, min = 0) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new BabelfishError('BAD_ARGUMENT', `--${name} must be a number >= ${min} (got '${v}')`);
    return n;
  };
  const model: Partial<VocoderConfig> = { ...d.model };
  if (values.residual) model.residualChannels = num('residual', values.residual, 0, 4);
  if (values.skip) model.skipChannels = num('skip', values.skip, 0, 4);
  if (values.head) model.headChannels = num('head', values.head, 0, 4);
  if (values['cond-channels']) model.condChannels = num('cond-channels', values['cond-channels'], 0, 1);
  if (values.excitation) {
    if (values.excitation !== 'none' && values.excitation !== 'lpc') throw new BabelfishError('BAD_ARGUMENT', `--excitation must be none or lpc (got '${values.excitation}')`);
    model.excitation = values.excitation;
  }
  if (values['pitch-bins'] !== undefined) model.pitchBins = Math.floor(num('pitch-bins', values['pitch-bins'], 0, 0));
  if (values.pulses) model.pulses = true;
  if (model.pitchBins === 0 || model.excitation === 'none') {
    // the plain and lpc-only kinds: no pitch head, so no pulses either
    if (values.pulses) throw new BabelfishError('BAD_ARGUMENT', '--pulses needs the pitch head (--pitch-bins > 0, lpc excitation)');
    model.pulses = false;
    if (model.excitation === 'none' && values['pitch-bins'] === undefined) model.pitchBins = 0;
  }
  if (values.dilations) model.dilations = values.dilations.split(',').map((s) => num('dilations', s, 0, 1));
  return {
    corpus: values.corpus ? resolve(values.corpus) : d.corpus,
    out: values.out ? resolve(values.out) : d.out,
    steps: Math.floor(num('steps', values.steps, d.steps, 1)),
    batch: Math.floor(num('batch', values.batch, d.batch, 1)),
    window: Math.floor(num('window', values.window, d.window, 2)),
    lr: num('lr', values.lr, d.lr),
    warmup: Math.floor(num('warmup', values.warmup, d.warmup)),
    minLrRatio: num('min-lr-ratio', values['min-lr-ratio'], d.minLrRatio),
    clip: num('clip', values.clip, d.clip),
    checkpointEvery: Math.floor(num('checkpoint-every', values['checkpoint-every'], d.checkpointEvery, 1)),
    logEvery: Math.floor(num('log-every', values['log-every'], d.logEvery, 1)),
    valBatches: Math.floor(num('val-batches', values['val-batches'], d.valBatches)),
    maxUtterances: Math.floor(num('max-utterances', values['max-utterances'], d.maxUtterances, 1)),
    includeAugmented: values['include-augmented'] ?? d.includeAugmented,
    seed: Math.floor(num('seed', values.seed, d.seed)),
    sampleSeconds: num('sample-seconds', values['sample-seconds'], d.sampleSeconds),
    temperature: num('temperature', values.temperature, d.temperature),
    finetuneMel: values['finetune-mel'] ? resolve(values['finetune-mel']) : d.finetuneMel,
    inputNoise: num('input-noise', values['input-noise'], d.inputNoise),
    init: values.init ? resolve(values.init) : null,
    extend: {
      ...(values['pitch-bins'] !== undefined ? { pitchBins: model.pitchBins } : {}),
      ...(values.pulses ? { pulses: true } : {}),
    },
    synthetic: Math.floor(num('synthetic', values.synthetic, d.synthetic)),
    export: values.export ? resolve(values.export) : d.export,
    model,
    ...(values.resume ? { resume: true } : {}),
  } as TrainVocoderOptions;
}

// ---- data

interface DataSplits {
  train: VocoderUtterance[];
  heldOut: VocoderUtterance[];
  /** Which mel the model sees, for the log and the model card. */
  melSource: string;
}

async function loadData(o: TrainVocoderOptions, c: VocoderConfig, log: (s: string) => void): Promise<DataSplits> {
  if (o.synthetic > 0) {
    const rand = mulberry32(o.seed + 17);
    const seconds = (o.window + condOffset(c) + 8 * c.hop) / c.sampleRate;
    const all = syntheticUtterances(o.synthetic + 1, seconds, c, rand);
    return { train: all.slice(1), heldOut: all.slice(0, 1), melSource: 'synthetic sines, ground-truth log-mel' };
  }
  let items: { id: string; wav: string; mel?: string; heldOut: boolean }[];
  let melSource: string;
  if (o.finetuneMel) {
    const manifest = join(o.finetuneMel, 'manifest.jsonl');
    const rows = await readJsonl(manifest);
    items = rows.map((r, i) => {
      if (!r.mel) throw new BabelfishError('BAD_ARGUMENT', `${manifest}:${i + 1}: a fine-tuning row needs a mel path`);
      return { id: r.audio, wav: resolveFrom(manifest, r.audio), mel: resolveFrom(manifest, r.mel), heldOut: r.split !== undefined && r.split !== 'train' };
    });
    melSource = `predicted mel from ${o.finetuneMel}`;
  } else {
    items = [];
    for (const manifest of await corpusManifests(o.corpus)) {
      for (const r of await readJsonl(manifest)) {
        if (!o.includeAugmented && r.augment) continue;
        items.push({ id: r.audio, wav: resolveFrom(manifest, r.audio), heldOut: (r.split ?? 'train') !== 'train' });
      }
    }
    melSource = `ground-truth log-mel of ${o.corpus}${o.includeAugmented ? '' : ' (clean audio only)'}`;
  }
  // A reproducible subset, held-out rows capped to a few for the validation loss and samples.
  const rand = mulberry32(o.seed + 5);
  const shuffled = items.map((it) => ({ it, k: rand() })).sort((a, b) => a.k - b.k).map((x) => x.it);
  const trainItems = shuffled.filter((i) => !i.heldOut).slice(0, o.maxUtterances);
  const heldItems = shuffled.filter((i) => i.heldOut).slice(0, 8);
  if (!trainItems.length) throw new BabelfishError('BAD_ARGUMENT', 'no training utterances found');
  // training inputs get the lpc noise (from their own seeded stream); held-out ones stay clean
  const noiseRand = mulberry32(o.seed + 31);
  const load = async (list: typeof items, what: string, inputNoise: number) => {
    const out: VocoderUtterance[] = [];
    const t0 = performance.now();
    for (const it of list) {
      out.push(await loadUtterance(it.id, it.wav, c, it.mel, inputNoise, noiseRand));
      if (out.length % 100 === 0 || out.length === list.length) {
        const s = (performance.now() - t0) / 1000;
        log(`vocoder: loading ${what} ${out.length}/${list.length} (${s.toFixed(0)} s, ETA ${((s / out.length) * (list.length - out.length)).toFixed(0)} s)`);
      }
    }
    return out;
  };
  const train = await load(trainItems, 'train', o.inputNoise);
  const heldOut = heldItems.length ? await load(heldItems, 'held-out', 0) : train.slice(0, 1);
  return { train, heldOut, melSource };
}

// ---- loss

/**
 * The training objective over a batch of windows: the mean cross-entropy (nats per sample) of
 * the next code, plus, with long-term prediction, the pitch head's mean cross-entropy per frame
 * (its own weights, so the sum only adds the two gradients).
 */
export function windowLosses(w: VocoderWeights, c: VocoderConfig, b: WindowBatch): { sample: tf.Scalar; pitch: tf.Scalar | null } {
  const out = tf.tidy(() => {
    const context = tf.tensor3d(b.context, [b.batch, b.framesPerWindow, 3 * c.numMels]);
    const codes = (a: Int32Array) => tf.tensor2d(a, [b.batch, b.window], 'int32');
    const excitation = b.pred && b.prevExc ? { pred: codes(b.pred), prevExc: codes(b.prevExc), ...(b.ltp ? { ltp: codes(b.ltp) } : {}), ...(b.pulse ? { pulse: codes(b.pulse) } : {}) } : undefined;
    const logits = stackForward(w, c, codes(b.prev), conditionFrames(w, c, context), c.hop, excitation);
    const labels = tf.oneHot(tf.tensor1d(b.target, 'int32'), c.quantizationChannels);
    const sample = tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
    if (c.pitchBins <= 0 || !b.pitchClass) return { sample };
    const pitchLabels = tf.oneHot(tf.tensor1d(b.pitchClass, 'int32'), c.pitchBins + 1);
    return { sample, pitch: tf.losses.softmaxCrossEntropy(pitchLabels, pitchLogits(w, c, context)) as tf.Scalar };
  });
  return { sample: out.sample, pitch: out.pitch ?? null };
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`;
}

// ---- the run

export async function trainVocoder(o: TrainVocoderOptions & { resume?: boolean }, log: (s: string) => void = (s) => process.stderr.write(s + '\n')): Promise<{ step: number; losses: number[]; valLoss: number | null; vocoder: Vocoder }> {
  await initBackend({ log });
  await mkdir(o.out, { recursive: true });

  // model + optimizer, fresh, from --init, or from the run's latest checkpoint
  let vocoder: Vocoder;
  let step = 0;
  let secondsBefore = 0;
  const optimizer = new ScheduledAdam(o.lr);
  const resumed = o.resume ? await loadLatestCheckpoint<TrainVocoderOptions>(o.out) : null;
  if (o.resume && !resumed) log(`vocoder: no checkpoint in ${o.out}; starting fresh`);
  if (resumed) {
    vocoder = resumed.vocoder;
    step = resumed.state.step;
    secondsBefore = resumed.state.seconds;
    await optimizer.setWeights(resumed.optimizerWeights);
    log(`vocoder: resumed ${resumed.dir} at step ${step}`);
  } else if (o.init) {
    vocoder = await Vocoder.load(o.init);
    log(`vocoder: initialised from ${o.init}`);
    const add: Partial<VocoderConfig> = {};
    const extend = o.extend ?? {};
    if ((extend.pitchBins ?? 0) > 0 && vocoder.config.pitchBins === 0) add.pitchBins = extend.pitchBins;
    if (extend.pulses && !vocoder.config.pulses) add.pulses = true;
    if (Object.keys(add).length) {
      // the other weights are the old model's; e(t-P)'s embedding starts at zero (no change to it), the pulse vector random
      const old = vocoder;
      vocoder = old.withConfig(add);
      old.dispose();
      log(`vocoder: added ${Object.keys(add).map((k) => (k === 'pulses' ? 'the pulse input' : `long-term prediction (${add.pitchBins} period classes)`)).join(' and ')} to the initial model`);
    }
  } else {
    vocoder = Vocoder.build({ ...o.model, seed: o.seed });
  }
  let c = vocoder.config;
  checkWindow(o.window, c);

  const data = await loadData(o, c, log);
  if (!resumed && !o.init) {
    // The conditioning's normalisation comes from the training mels, once, and is saved with the model.
    const { mean, std } = melStats(data.train);
    const old = vocoder;
    vocoder = new Vocoder(vocoderConfig({ ...old.config, melMean: mean, melStd: std }), old.weights);
    c = vocoder.config;
  }
  const params = vocoder.sizeBytes / 4;
  log(`vocoder: ${data.train.length} train / ${data.heldOut.length} held-out utterances; mel: ${data.melSource}`);
  log(`vocoder: ${c.dilations.length} layers R=${c.residualChannels} S=${c.skipChannels} H=${c.headChannels}, receptive field ${receptiveField(c)} samples, ${(params / 1e3).toFixed(0)}k parameters`);

  const varList = Object.values(vocoder.weights);
  const valRand = mulberry32(o.seed + 99);
  const longest = Math.max(...data.heldOut.map((u) => u.codes.length));
  const valWindow = Math.min(o.window, Math.floor((longest - condOffset(c)) / c.hop) * c.hop);
  const valBatches = valWindow >= c.hop ? Array.from({ length: o.valBatches }, () => sampleBatch(data.heldOut, Math.min(o.batch, 4), valWindow, c, valRand)) : [];
  // The held-out figure is the sample loss alone, comparable with models without a pitch head.
  let valPitch: number | null = null;
  const evaluate = (): number | null => {
    if (!valBatches.length) return null;
    let s = 0;
    let p = 0;
    for (const b of valBatches) {
      const { sample, pitch } = windowLosses(vocoder.weights, c, b);
      s += sample.dataSync()[0];
      if (pitch) p += pitch.dataSync()[0];
      tf.dispose([sample, pitch ?? []]);
    }
    valPitch = c.pitchBins > 0 ? p / valBatches.length : null;
    return s / valBatches.length;
  };

  const samplesDir = join(o.out, 'samples');
  await mkdir(samplesDir, { recursive: true });
  const sampleUtt = data.heldOut[0];
  const writeSample = async (atStep: number) => {
    if (o.sampleSeconds <= 0 || !sampleUtt) return;
    const frames = Math.min(sampleUtt.mel.frames, Math.ceil((o.sampleSeconds * c.sampleRate) / c.hop));
    const mel = { data: sampleUtt.mel.data.subarray(0, frames * c.numMels), frames, bins: c.numMels };
    const audio = await vocoder.vocode(mel, { temperature: o.temperature, seed: o.seed });
    await writeWav(join(samplesDir, `step-${String(atStep).padStart(8, '0')}.wav`), audio, c.sampleRate);
    const reference = mulawDecode(sampleUtt.codes.subarray(0, audio.length), c.quantizationChannels);
    if (c.excitation === 'lpc') deEmphasize(reference, c.preEmphasis, 0, reference);
    await writeWav(join(samplesDir, 'reference.wav'), reference, c.sampleRate);
  };

  // One JSON object per logged step and per checkpoint, for plotting (as the other trainers write).
  const logPath = join(o.out, 'log.jsonl');
  const appendLog = (row: Record<string, number>) => appendFile(logPath, JSON.stringify({ ...row, time: new Date().toISOString() }) + '\n');

  const losses: number[] = [];
  let valLoss: number | null = null;
  const t0 = performance.now();
  const firstStep = step;
  let windowLossSum = 0;
  let pitchLossSum = 0;
  let windowCount = 0;
  const checkpoint = async () => {
    valLoss = evaluate();
    const seconds = secondsBefore + (performance.now() - t0) / 1000;
    const metrics: Record<string, number> = { trainLoss: losses.length ? losses[losses.length - 1] : NaN };
    if (valLoss !== null) metrics.valLoss = valLoss;
    const { resume: _r, ...options } = o as TrainVocoderOptions & { resume?: boolean };
    await saveCheckpoint(o.out, vocoder, optimizer, { step, options: { ...options, melSource: data.melSource } as TrainVocoderOptions, metrics, seconds });
    if (valLoss !== null) await appendLog({ step, valLoss, ...(valPitch !== null ? { valPitchLoss: valPitch } : {}) });
    await writeSample(step);
    log(`vocoder: checkpoint at step ${step}` + (valLoss !== null ? `, held-out loss ${valLoss.toFixed(3)} nats` : '') + (valPitch !== null ? ` (pitch head ${valPitch.toFixed(3)})` : '') + (o.sampleSeconds > 0 ? `, sample ${samplesDir}` : ''));
  };

  while (step < o.steps) {
    // Each step's windows depend only on the seed and the step, so a resumed run sees the batches it would have.
    const batch = sampleBatch(data.train, o.batch, o.window, c, mulberry32(o.seed * 1_000_003 + step));
    // the rate depends only on the step and the horizon, so a resumed run continues the same schedule
    optimizer.setLearningRate(learningRateAt(step, o.lr, o.warmup, o.steps, o.minLrRatio));
    // the logged loss is the sample loss (nats per sample), as for every vocoder; the pitch head's apart
    let pitchValue = 0;
    const lossValue = tf.tidy(() => {
      const objective = () => {
        const { sample, pitch } = windowLosses(vocoder.weights, c, batch);
        if (!pitch) return sample;
        pitchValue = pitch.dataSync()[0];
        return tf.add(sample, pitch) as tf.Scalar;
      };
      const { value, grads } = tf.variableGrads(objective, varList);
      let g = grads;
      if (o.clip > 0) {
        const norm = tf.sqrt(tf.addN(Object.values(grads).map((t) => tf.sum(tf.square(t)))));
        const scale = tf.minimum(1, tf.div(o.clip, tf.add(norm, 1e-6)));
        g = Object.fromEntries(Object.entries(grads).map(([k, t]) => [k, tf.mul(t, scale)]));
      }
      optimizer.applyGradients(Object.entries(g).map(([name, tensor]) => ({ name, tensor })));
      return value.dataSync()[0];
    });
    if (!Number.isFinite(lossValue)) throw new BabelfishError('INTERNAL', `vocoder training diverged at step ${step} (loss ${lossValue}); lower --lr`);
    step++;
    losses.push(lossValue - pitchValue);
    windowLossSum += lossValue - pitchValue;
    pitchLossSum += pitchValue;
    windowCount++;
    if (step % o.logEvery === 0 || step === o.steps) {
      const elapsed = (performance.now() - t0) / 1000;
      const done = step - firstStep;
      const rate = (done * o.batch * o.window) / elapsed;
      const pitchNote = c.pitchBins > 0 ? ` (pitch head ${(pitchLossSum / windowCount).toFixed(3)})` : '';
      log(`vocoder step ${step}/${o.steps} loss ${(windowLossSum / windowCount).toFixed(3)} nats${pitchNote} | lr ${optimizer.currentLearningRate.toExponential(2)} | ${(rate / 1000).toFixed(1)}k samples/s | ${(elapsed / done).toFixed(2)} s/step | ETA ${formatSeconds(((o.steps - step) * elapsed) / done)}`);
      await appendLog({ step, loss: windowLossSum / windowCount, ...(c.pitchBins > 0 ? { pitchLoss: pitchLossSum / windowCount } : {}), lr: optimizer.currentLearningRate, samplesPerSec: rate, secPerStep: elapsed / done });
      windowLossSum = 0;
      pitchLossSum = 0;
      windowCount = 0;
    }
    if (step % o.checkpointEvery === 0 || step === o.steps) await checkpoint();
  }
  const exportDir = o.export ?? join(o.out, 'model');
  await vocoder.save(exportDir);
  log(`vocoder: saved ${exportDir}`);
  return { step, losses, valLoss, vocoder };
}

/** CLI entry (`babelfish train vocoder ...`); returns the exit code. */
export async function runTrainVocoder(argv: string[]): Promise<number> {
  let o = parseOptions(argv) as (TrainVocoderOptions & { resume?: boolean }) | null;
  if (!o) {
    console.log(USAGE);
    return 0;
  }
  const saved = o.resume ? await readLatestTrainState<TrainState<TrainVocoderOptions>>(o.out) : null;
  if (saved) {
    // the run's own options, with only the flags given now on top (not the defaults)
    const { resume: _resume, melSource: _melSource, ...options } = saved.options as TrainVocoderOptions & { resume?: boolean; melSource?: unknown };
    // a run saved before the schedule existed trained at a constant rate, and goes on at it
    const constantRate = 'warmup' in options ? {} : { warmup: 0, minLrRatio: 1 };
    o = parseOptions(argv, { ...DEFAULT_TRAIN_OPTIONS, ...constantRate, ...options, init: null, extend: {} })!;
    console.error(`vocoder: --resume: the run's options from ${saved.dir}, flags given now on top`);
  }
  const { vocoder } = await trainVocoder(o);
  vocoder.dispose();
  return 0;
}

if (process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runTrainVocoder(process.argv.slice(2));
}
