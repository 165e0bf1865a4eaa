/**
 * Trains the multilingual translator (`babelfish train translator`), nanoGPT style:
 * config and flags, data, loop, eval, checkpoint, top to bottom.
 *
 * - Data: every `<a>-<b>.train` file of the parallel corpus, both directions. Each batch
 *   draws every example's direction uniformly (balanced across pairs and directions, so the
 *   56k-pair en-es does not drown the 15k-pair es-fr), all examples from one quantile of
 *   their direction's length order (bucketing: little padding).
 * - `--back-translations DIR` adds one-way directions of synthetic-source pairs (made by
 *   `babelfish corpus back-translations` for the zero-shot directions); a share of each
 *   batch's examples (`--back-translation-share`, 0.25) comes from them, uniformly by direction.
 * - Vocabulary: trained with SubwordTokenizer.train on the training text unless `--vocab` is
 *   given; saved into the run folder and with the model.
 * - `--init DIR` starts from an exported model folder instead (weights, config and its
 *   vocab.json; fresh Adam, step 0, the usual warmup and schedule): how a new session continues
 *   the shipped model. With more `--encoder-layers` / `--decoder-layers` than it has, it is
 *   grown first (Translator.grow: residual layers that start as the identity). `--resume` wins when the run folder has a checkpoint.
 * - Adam (our own, so its moments are plain tensors we checkpoint) with linear warmup and
 *   cosine decay, gradient clipping by global norm.
 * - Checkpoints hold weights, Adam moments, step, config, flags and the sampler's RNG state,
 *   written to a temporary folder then renamed: `--resume` continues exactly where it stopped.
 */
import * as tf from '@tensorflow/tfjs';
import { appendFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initBackend } from '../../src/backend.ts';
import { BabelfishError } from '../../src/errors.ts';
import { parseCommandArgs } from '../../src/cli/args.ts';
import { pathExists, projectRoot } from '../../src/paths.ts';
import { corpusBleu } from '../../src/metrics/bleu.ts';
import { SubwordTokenizer } from '../../src/text/tokenizer.ts';
import { listParallelFiles, readParallel } from '../corpus/text/parallel.ts';
import { Translator } from '../../models/translator/model.ts';
import { TINY_TRANSLATOR_CONFIG, type TranslatorConfig } from '../../models/translator/config.ts';
import type { Weights } from '../../models/translator/network.ts';
import { autoBatchTokens, batchGradients } from './micro-batches.ts';
import { mulberry32 } from '../../src/random.ts';
import { loadTokenizer, WordTokenizer, type TranslatorTokenizer } from '../../models/translator/tokenizer.ts';
import { learningRateAt } from '../common/adam.ts';

// ---------------------------------------------------------------- config

export interface TrainOptions {
  size: 'tiny' | 'default';
  /** Run folder: checkpoint, log.jsonl, vocab.json. */
  runDir: string;
  /** Final model folder. */
  out: string;
  dataDir: string;
  /** Existing vocabulary file (else one is trained). */
  vocab?: string;
  /** Start from this exported model folder (weights, config, vocabulary), fresh optimizer at step 0. */
  init?: string;
  tokenizer: 'subword' | 'word';
  vocabSize: number;
  steps: number;
  /** Sentence pairs per batch. */
  batch: number;
  /**
   * Padded tokens (sentences x (longest source + longest target)) computed at once; larger
   * batches are split and their gradients accumulated (micro-batches.ts). 'auto' is
   * `autoBatchTokens` of the model's depth; 0 = never split.
   */
  maxBatchTokens: number | 'auto';
  lr: number;
  warmup: number;
  /** Final learning rate as a fraction of the peak (cosine decay). */
  minLrRatio: number;
  clip: number;
  evalEvery: number;
  /** Dev sentences per direction for the running BLEU. */
  devSentences: number;
  checkpointEvery: number;
  logEvery: number;
  resume: boolean;
  /** Stop (with a checkpoint) after this many steps in this process; 0 = run to `steps`. */
  stopAfter: number;
  seed: number;
  float16: boolean;
  /**
   * Folders of more two-way `<a>-<b>.train.tsv[.gz]` pairs for the corpus's trained pairs
   * (e.g. `babelfish corpus help-pages`), comma-separated; their rows join the pair's train rows.
   */
  extraTrain?: string;
  /** Folder of one-way `<from>-<to>.train.tsv[.gz]` synthetic-source pairs (back-translate.ts); none when absent. */
  backTranslations?: string;
  /** Share of each batch's examples drawn from the back-translated directions (when there are any). */
  backTranslationShare: number;
  /** Model config overrides on top of the size preset. */
  model: Partial<TranslatorConfig>;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  size: 'default',
  runDir: join(projectRoot, 'runs', 'translator'),
  out: join(projectRoot, 'models', 'translator', 'default'),
  dataDir: join(projectRoot, 'training', 'data', 'text'),
  tokenizer: 'subword',
  vocabSize: 4000,
  steps: 20000,
  batch: 48,
  maxBatchTokens: 'auto',
  lr: 1e-3,
  warmup: 400,
  minLrRatio: 0.05,
  clip: 1,
  evalEvery: 500,
  devSentences: 32,
  checkpointEvery: 100,
  logEvery: 10,
  resume: false,
  stopAfter: 0,
  seed: 1,
  float16: false,
  backTranslationShare: 0.25,
  model: {},
};

const SIZE_PRESETS: Record<TrainOptions['size'], { model: Partial<TranslatorConfig>; vocabSize: number }> = {
  tiny: { model: TINY_TRANSLATOR_CONFIG, vocabSize: 1000 },
  default: { model: {}, vocabSize: 4000 },
};

// ---------------------------------------------------------------- data

/** Sentence pairs by pair name `a-b` (column order of the file); both directions are trained. */
export interface ParallelCorpus {
  train: Record<string, [string, string][]>;
  dev: Record<string, [string, string][]>;
}

export async function loadCorpus(dataDir: string, extraTrainDirs: string[] = []): Promise<ParallelCorpus> {
  const files = await listParallelFiles(dataDir);
  const corpus: ParallelCorpus = { train: {}, dev: {} };
  for (const f of files) {
    if (f.split !== 'train' && f.split !== 'dev') continue;
    corpus[f.split][`${f.src}-${f.tgt}`] = await readParallel(f.src, f.tgt, f.split, dataDir);
  }
  if (!Object.keys(corpus.train).length) throw new BabelfishError('FILE_NOT_FOUND', `no <a>-<b>.train.tsv[.gz] files in ${dataDir}`);
  for (const dir of extraTrainDirs) {
    const extra = (await listParallelFiles(dir)).filter((f) => f.split === 'train');
    if (!extra.length) throw new BabelfishError('FILE_NOT_FOUND', `--extra-train ${dir}: no <a>-<b>.train.tsv[.gz] files there`);
    for (const f of extra) {
      // Only pairs the corpus trains: extra text for a zero-shot pair would quietly make it a trained one.
      const name = Object.keys(corpus.train).find((p) => p === `${f.src}-${f.tgt}` || p === `${f.tgt}-${f.src}`);
      if (!name) throw new BabelfishError('BAD_ARGUMENT', `--extra-train ${dir}: ${f.src}-${f.tgt} is not a trained pair of ${dataDir} (${Object.keys(corpus.train).join(', ')})`);
      const [a, b] = name.split('-') as [string, string];
      corpus.train[name]!.push(...(await readParallel(a, b, 'train', dir)));
    }
  }
  return corpus;
}

export interface Direction {
  from: string;
  to: string;
  /** Source ids with <2to> and </s>; target ids without specials. */
  src: number[][];
  tgt: number[][];
  /** Example indices sorted by length (bucketing). */
  byLength: number[];
}

export function directionsOf(pairs: Record<string, [string, string][]>, tok: TranslatorTokenizer, c: TranslatorConfig, limit = Infinity): Direction[] {
  const out: Direction[] = [];
  for (const [name, rows] of Object.entries(pairs)) {
    const [a, b] = name.split('-');
    out.push(directionOf(a, b, rows.slice(0, limit), 0, tok, c), directionOf(b, a, rows.slice(0, limit), 1, tok, c));
  }
  return out;
}

/** One direction of `rows`: column `si` is the source, the other the target. */
function directionOf(from: string, to: string, rows: [string, string][], si: 0 | 1, tok: TranslatorTokenizer, c: TranslatorConfig): Direction {
  const src: number[][] = [];
  const tgt: number[][] = [];
  for (const r of rows) {
    const s = tok.encode(r[si]).slice(0, c.maxSourceLen - 2);
    const t = tok.encode(r[1 - si]).slice(0, c.maxTargetLen - 1);
    if (!s.length || !t.length) continue;
    src.push([tok.langTag(to), ...s, c.eosId]);
    tgt.push(t);
  }
  const byLength = src.map((_, i) => i).sort((x, y) => src[x].length + tgt[x].length - (src[y].length + tgt[y].length));
  return { from, to, src, tgt, byLength };
}

/** Back-translated pairs by direction `from>to` (column 1 the synthetic source, column 2 the real target). */
export async function loadBackTranslations(dir: string): Promise<Record<string, [string, string][]>> {
  const out: Record<string, [string, string][]> = {};
  for (const f of await listParallelFiles(dir)) {
    if (f.split !== 'train') continue;
    out[`${f.src}>${f.tgt}`] = await readParallel(f.src, f.tgt, 'train', dir);
  }
  if (!Object.keys(out).length) throw new BabelfishError('FILE_NOT_FOUND', `no <from>-<to>.train.tsv[.gz] back-translations in ${dir} (make them with: babelfish corpus back-translations)`);
  return out;
}

/** One-way directions of back-translated pairs. */
export function oneWayDirectionsOf(pairs: Record<string, [string, string][]>, tok: TranslatorTokenizer, c: TranslatorConfig): Direction[] {
  return Object.entries(pairs).map(([name, rows]) => {
    const [from, to] = name.split('>');
    return directionOf(from, to, rows, 0, tok, c);
  });
}

/** Seeded sampler whose whole state is one integer, so a checkpoint can store the data position. */
export class BatchSampler {
  state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  private next(): number {
    const r = mulberry32(this.state);
    const x = r();
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    return x;
  }
  /**
   * `batch` examples from one length quantile; with `extra`, each example comes from
   * `extra.dirs` with probability `extra.share` (no extra draws without them, so runs
   * without back-translations sample exactly as before).
   */
  sample(dirs: Direction[], batch: number, extra?: { dirs: Direction[]; share: number }): { src: number[][]; tgt: number[][] } {
    const q = this.next();
    const src: number[][] = [];
    const tgt: number[][] = [];
    for (let k = 0; k < batch; k++) {
      const from = extra?.dirs.length && this.next() < extra.share ? extra.dirs : dirs;
      const d = from[Math.floor(this.next() * from.length)];
      const n = d.byLength.length;
      const window = Math.max(4, Math.round(n * 0.02));
      const pos = Math.min(n - 1, Math.max(0, Math.floor(q * n) + Math.round((this.next() - 0.5) * 2 * window)));
      const i = d.byLength[pos];
      src.push(d.src[i]);
      tgt.push(d.tgt[i]);
    }
    return { src, tgt };
  }
}

// ---------------------------------------------------------------- optimizer

export class Adam {
  readonly m: Record<string, tf.Variable>;
  readonly v: Record<string, tf.Variable>;
  t: number;
  constructor(
    readonly weights: Record<string, tf.Variable>,
    readonly beta1 = 0.9,
    readonly beta2 = 0.98,
    readonly eps = 1e-9,
  ) {
    this.m = {};
    this.v = {};
    for (const [k, w] of Object.entries(weights)) {
      this.m[k] = tf.variable(tf.zerosLike(w), false);
      this.v[k] = tf.variable(tf.zerosLike(w), false);
    }
    this.t = 0;
  }

  /** One update; returns the gradient's global norm before clipping. */
  apply(grads: Record<string, tf.Tensor>, lr: number, clip: number): number {
    const norm = tf.tidy(() => Math.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))).dataSync()[0]));
    const scale = clip > 0 && norm > clip ? clip / norm : 1;
    this.t++;
    const lrT = (lr * Math.sqrt(1 - this.beta2 ** this.t)) / (1 - this.beta1 ** this.t);
    tf.tidy(() => {
      for (const [k, w] of Object.entries(this.weights)) {
        const g = grads[k];
        if (!g) continue;
        const gs = scale === 1 ? g : tf.mul(g, scale);
        this.m[k].assign(tf.add(tf.mul(this.m[k], this.beta1), tf.mul(gs, 1 - this.beta1)));
        this.v[k].assign(tf.add(tf.mul(this.v[k], this.beta2), tf.mul(tf.square(gs), 1 - this.beta2)));
        w.assign(tf.sub(w, tf.mul(tf.div(this.m[k], tf.add(tf.sqrt(this.v[k]), this.eps)), lrT)));
      }
    });
    return norm;
  }

  dispose(): void {
    tf.dispose([...Object.values(this.m), ...Object.values(this.v)]);
  }
}

export function learningRate(step: number, o: Pick<TrainOptions, 'lr' | 'warmup' | 'steps' | 'minLrRatio'>): number {
  return learningRateAt(step, o.lr, o.warmup, o.steps, o.minLrRatio);
}

// ---------------------------------------------------------------- checkpoint

interface CheckpointState {
  step: number;
  sampler: number;
  adamT: number;
  options: TrainOptions;
  tokensSeen: number;
}

export async function saveCheckpoint(runDir: string, model: Translator, adam: Adam, state: CheckpointState): Promise<void> {
  const final = join(runDir, 'checkpoint');
  const tmp = join(runDir, `checkpoint.tmp-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await model.save(tmp);
  const named = Object.keys(adam.m).flatMap((k) => [
    { name: `m/${k}`, tensor: adam.m[k] as tf.Tensor },
    { name: `v/${k}`, tensor: adam.v[k] as tf.Tensor },
  ]);
  const { data, specs } = await tf.io.encodeWeights(named);
  await writeFile(join(tmp, 'optimizer.bin'), new Uint8Array(data));
  await writeFile(join(tmp, 'state.json'), JSON.stringify({ ...state, optimizerSpecs: specs }, null, 1));
  const old = join(runDir, 'checkpoint.old');
  await rm(old, { recursive: true, force: true });
  if (await pathExists(final)) await rename(final, old);
  await rename(tmp, final);
  await rm(old, { recursive: true, force: true });
}

/** The run's checkpoint folder, or null when it has none. */
async function checkpointDir(runDir: string): Promise<string | null> {
  let dir = join(runDir, 'checkpoint');
  if (!(await pathExists(join(dir, 'state.json')))) dir = join(runDir, 'checkpoint.old'); // killed between the two renames
  return (await pathExists(join(dir, 'state.json'))) ? dir : null;
}

/** The options a run's checkpoint was trained with (null without a checkpoint). */
export async function savedRunOptions(runDir: string): Promise<Partial<TrainOptions> | null> {
  const dir = await checkpointDir(runDir);
  return dir ? ((JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as CheckpointState).options as Partial<TrainOptions>) : null;
}

export async function loadCheckpoint(runDir: string): Promise<{ model: Translator; adam: Adam; state: CheckpointState } | null> {
  const dir = await checkpointDir(runDir);
  if (!dir) return null;
  const raw = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as CheckpointState & { optimizerSpecs: tf.io.WeightsManifestEntry[] };
  const model = await Translator.load(dir);
  const adam = new Adam(model.weights);
  const buf = await readFile(join(dir, 'optimizer.bin'));
  const tensors = tf.io.decodeWeights(new Uint8Array(buf).buffer, raw.optimizerSpecs);
  for (const k of Object.keys(adam.m)) {
    adam.m[k].assign(tensors[`m/${k}`]);
    adam.v[k].assign(tensors[`v/${k}`]);
  }
  tf.dispose(Object.values(tensors));
  adam.t = raw.adamT;
  return { model, adam, state: { step: raw.step, sampler: raw.sampler, adamT: raw.adamT, options: raw.options, tokensSeen: raw.tokensSeen } };
}

// ---------------------------------------------------------------- eval

export interface DevResult {
  bleu: number;
  /** Per direction `a>b`. */
  perDirection: Record<string, number>;
  exact: number;
}

export async function devScore(model: Translator, dev: Record<string, [string, string][]>, perDirection: number): Promise<DevResult> {
  const out: Record<string, number> = {};
  const allH: string[] = [];
  const allR: string[] = [];
  let exact = 0;
  for (const [name, rows] of Object.entries(dev)) {
    const [a, b] = name.split('-');
    for (const [from, to, si, ti] of [[a, b, 0, 1], [b, a, 1, 0]] as const) {
      const sample = rows.slice(0, perDirection);
      if (!sample.length) continue;
      const hyps = (await model.translate(sample.map((r) => r[si]), { from, to, beam: 1 })).map((t) => t.text);
      const refs = sample.map((r) => r[ti]);
      out[`${from}>${to}`] = corpusBleu(hyps, refs).score;
      hyps.forEach((h, i) => (exact += +(h === model.tokenizer.decode(model.tokenizer.encode(refs[i])))));
      allH.push(...hyps);
      allR.push(...refs);
    }
  }
  return { bleu: allH.length ? corpusBleu(allH, allR).score : 0, perDirection: out, exact: allH.length ? exact / allH.length : 0 };
}

// ---------------------------------------------------------------- loop

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}

export interface TrainResult {
  step: number;
  losses: { step: number; loss: number }[];
  dev: { step: number; result: DevResult }[];
  model: Translator;
}

async function prepareVocabulary(o: TrainOptions, corpus: ParallelCorpus, languages: string[], log: (s: string) => void): Promise<TranslatorTokenizer> {
  if (o.vocab) return loadTokenizer(o.vocab);
  const cached = join(o.runDir, 'vocab.json');
  if (await pathExists(cached)) {
    log(`[translator] vocabulary from ${cached}`);
    return loadTokenizer(cached);
  }
  const sentences = Object.values(corpus.train).flatMap((rows) => rows.flatMap((r) => [r[0], r[1]]));
  const t0 = performance.now();
  log(`[translator] training a ${o.tokenizer} vocabulary (${o.vocabSize}) on ${sentences.length} sentences`);
  const tok = o.tokenizer === 'word' ? WordTokenizer.train(sentences, languages) : SubwordTokenizer.train(sentences, { languages, vocabSize: o.vocabSize });
  log(`[translator] vocabulary: ${tok.vocabSize} entries in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  await mkdir(o.runDir, { recursive: true });
  await tok.save(cached);
  return tok;
}

export async function trainTranslator(options: Partial<TrainOptions>, corpus: ParallelCorpus, log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<TrainResult> {
  await initBackend();
  let o: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  await mkdir(o.runDir, { recursive: true });
  const languages = [...new Set(Object.keys(corpus.train).flatMap((p) => p.split('-')))];

  let model: Translator;
  let adam: Adam;
  let step = 0;
  let tokensSeen = 0;
  const sampler = new BatchSampler(o.seed);
  const resumed = o.resume ? await loadCheckpoint(o.runDir) : null;
  if (resumed) {
    // flags given now win for schedule/limits; the architecture comes from the checkpoint
    o = { ...DEFAULT_TRAIN_OPTIONS, ...resumed.state.options, ...options, resume: true };
    ({ model, adam } = resumed);
    step = resumed.state.step;
    tokensSeen = resumed.state.tokensSeen;
    sampler.state = resumed.state.sampler;
    log(`[translator] resumed from ${o.runDir}/checkpoint at step ${step}`);
    if (options.init) log(`[translator] --init ${options.init} ignored: --resume found a checkpoint, which wins`);
  } else if (o.init) {
    if (o.resume) log(`[translator] no checkpoint in ${o.runDir}; starting from --init`);
    if (o.vocab) throw new BabelfishError('BAD_ARGUMENT', `--init ${o.init} brings its own vocabulary (vocab.json); drop --vocab`);
    model = await Translator.load(o.init);
    const missing = languages.filter((l) => !model.config.languages.includes(l));
    if (missing.length) {
      model.dispose();
      throw new BabelfishError('BAD_ARGUMENT', `--init ${o.init}: the model knows ${model.config.languages.join(', ')}, the corpus also has ${missing.join(', ')}`);
    }
    const deeper = { encoderLayers: Math.max(model.config.encoderLayers, o.model.encoderLayers ?? 0), decoderLayers: Math.max(model.config.decoderLayers, o.model.decoderLayers ?? 0) };
    if (deeper.encoderLayers > model.config.encoderLayers || deeper.decoderLayers > model.config.decoderLayers) {
      const grown = model.grow(deeper);
      model.dispose();
      model = grown;
      log(`[translator] grew to ${deeper.encoderLayers} encoder / ${deeper.decoderLayers} decoder layers; the new residual layers start as the identity`);
    }
    adam = new Adam(model.weights);
    log(`[translator] initialised from ${o.init} (its config and vocabulary win over --size and the other model flags; fresh optimizer, step 0)`);
  } else {
    const tok = await prepareVocabulary(o, corpus, languages, log);
    model = Translator.build({ ...SIZE_PRESETS[o.size].model, ...o.model, languages, seed: o.seed }, tok);
    adam = new Adam(model.weights);
  }
  const c = model.config;
  const t0 = performance.now();
  const dirs = directionsOf(corpus.train, model.tokenizer, c);
  // loaded here, not by the CLI, so that `--resume` alone brings them back from the saved options
  const backPairs = o.backTranslations ? await loadBackTranslations(o.backTranslations) : {};
  const unknown = Object.keys(backPairs).flatMap((d) => d.split('>')).filter((l) => !c.languages.includes(l));
  if (unknown.length) throw new BabelfishError('BAD_ARGUMENT', `--back-translations ${o.backTranslations}: the model does not know ${[...new Set(unknown)].join(', ')}`);
  const backDirs = oneWayDirectionsOf(backPairs, model.tokenizer, c);
  const extra = backDirs.length ? { dirs: backDirs, share: o.backTranslationShare } : undefined;
  log(
    `[translator] ${dirs.map((d) => `${d.from}>${d.to} ${d.src.length}`).join(', ')}` +
      (backDirs.length ? ` | back-translated (${(o.backTranslationShare * 100).toFixed(0)}% of each batch): ${backDirs.map((d) => `${d.from}>${d.to} ${d.src.length}`).join(', ')}` : '') +
      ` | vocab ${c.vocabSize} | ` +
      `${(Object.values(model.weights).reduce((n, w) => n + w.size, 0) / 1e6).toFixed(2)}M parameters | tokenized in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const logFile = join(o.runDir, 'log.jsonl');
  const result: TrainResult = { step, losses: [], dev: [], model };
  const startStep = step;
  let windowStart = performance.now();
  let windowTokens = 0;
  let windowLoss = 0;
  let windowSteps = 0;
  let rate = 0;
  const varList = Object.values(model.weights);
  const names = Object.keys(model.weights);

  const checkpoint = async () => {
    await saveCheckpoint(o.runDir, model, adam, { step, sampler: sampler.state, adamT: adam.t, options: o, tokensSeen });
  };

  while (step < o.steps) {
    const { src, tgt } = sampler.sample(dirs, o.batch, extra);
    const lr = learningRate(step, o);
    const { loss, grads } = batchGradients(model.weights as Weights, c, varList, src, tgt, o.maxBatchTokens === 'auto' ? autoBatchTokens(c) : o.maxBatchTokens);
    const byName: Record<string, tf.Tensor> = {};
    names.forEach((n) => (byName[n] = grads[model.weights[n].name]));
    const gradNorm = adam.apply(byName, lr, o.clip);
    tf.dispose(Object.values(grads));
    model.invalidate();
    step++;
    const tokens = src.reduce((a, s) => a + s.length, 0) + tgt.reduce((a, t) => a + t.length + 1, 0);
    tokensSeen += tokens;
    windowTokens += tokens;
    windowLoss += loss;
    windowSteps++;
    result.losses.push({ step, loss });
    if (!Number.isFinite(loss)) throw new BabelfishError('INTERNAL', `loss became ${loss} at step ${step}`);

    if (step % o.logEvery === 0 || step === o.steps) {
      const secs = (performance.now() - windowStart) / 1000;
      rate = windowTokens / secs;
      const stepSecs = secs / windowSteps;
      const line = { step, loss: windowLoss / windowSteps, lr, gradNorm, tokensPerSecond: rate, secondsPerStep: stepSecs, tokensSeen, time: new Date().toISOString() };
      await appendFile(logFile, JSON.stringify(line) + '\n');
      log(
        `[translator] step ${step}/${o.steps} loss ${line.loss.toFixed(3)} lr ${lr.toExponential(1)} |g| ${gradNorm.toFixed(2)} | ` +
          `${rate.toFixed(0)} tok/s ${stepSecs.toFixed(2)} s/step | ETA ${fmtTime((o.steps - step) * stepSecs)}`,
      );
      windowStart = performance.now();
      windowTokens = windowLoss = windowSteps = 0;
    }
    if (o.evalEvery > 0 && (step % o.evalEvery === 0 || step === o.steps) && Object.keys(corpus.dev).length) {
      const te = performance.now();
      const dev = await devScore(model, corpus.dev, o.devSentences);
      result.dev.push({ step, result: dev });
      await appendFile(logFile, JSON.stringify({ step, dev }) + '\n');
      log(
        `[translator] step ${step} dev BLEU ${dev.bleu.toFixed(2)} exact ${(dev.exact * 100).toFixed(1)}% (` +
          Object.entries(dev.perDirection).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ') + `) in ${((performance.now() - te) / 1000).toFixed(0)} s`,
      );
      windowStart += performance.now() - te;
    }
    const stopping = o.stopAfter > 0 && step - startStep >= o.stopAfter;
    if (step % o.checkpointEvery === 0 || step === o.steps || stopping) await checkpoint();
    if (stopping) {
      log(`[translator] stopping after ${o.stopAfter} steps at step ${step} (resume with --resume)`);
      break;
    }
  }
  result.step = step;
  if (step >= o.steps) {
    await model.save(o.out, { float16: o.float16 });
    log(`[translator] exported to ${o.out}`);
  }
  adam.dispose();
  return result;
}

// ---------------------------------------------------------------- CLI

export const TRAIN_USAGE = `usage: babelfish train translator [flags]

Trains the multilingual LSTM translator on every <a>-<b>.train file (both directions).
  --size tiny|default   model preset (default: default)
  --data DIR            parallel corpus folder (training/data/text)
  --run DIR             checkpoints, log.jsonl, vocab.json (runs/translator)
  --out DIR             final model folder (models/translator/default)
  --vocab FILE          use this vocabulary instead of training one
  --init DIR            start from an exported model (e.g. models/translator/default): its
                        weights, config and vocab.json; fresh Adam, step 0, usual warmup and
                        schedule (--resume wins when the run folder has a checkpoint); with
                        --encoder-layers / --decoder-layers above the model's, residual layers
                        are added that start as the identity (the model translates as before)
  --tokenizer subword|word
  --vocab-size N        pieces including specials (1000 tiny, 4000 default)
  --steps N --batch N --lr X --warmup N --clip X
  --max-batch-tokens N  split batches larger than N padded tokens, accumulating gradients
                        (default: never for a 1+1-layer model, 4800 for deeper ones; 0 = never)
  --eval-every N --dev-sentences N --checkpoint-every N --log-every N
  --extra-train DIR[,DIR]  more two-way train pairs for the corpus's trained pairs (made by
                        e.g. babelfish corpus help-pages), added to each pair's train rows
  --back-translations DIR  also train on the one-way synthetic-source pairs in DIR (made by
                        babelfish corpus back-translations for the zero-shot directions)
  --back-translation-share X  share of each batch drawn from them (0.25)
  --resume              continue from the run folder's checkpoint
  --stop-after N        stop (with a checkpoint) after N steps of this process
  --export              only export the run's checkpoint to --out
  --float16             store exported weights as float16
  --embed-dim N --encoder-units N --decoder-units N --encoder-layers N --decoder-layers N --dropout X
  --seed N`;

export async function runTrainTranslator(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    size: { type: 'string' },
    data: { type: 'string' },
    run: { type: 'string' },
    out: { type: 'string' },
    vocab: { type: 'string' },
    init: { type: 'string' },
    tokenizer: { type: 'string' },
    'vocab-size': { type: 'string' },
    steps: { type: 'string' },
    batch: { type: 'string' },
    'max-batch-tokens': { type: 'string' },
    lr: { type: 'string' },
    warmup: { type: 'string' },
    clip: { type: 'string' },
    'eval-every': { type: 'string' },
    'dev-sentences': { type: 'string' },
    'checkpoint-every': { type: 'string' },
    'log-every': { type: 'string' },
    resume: { type: 'boolean' },
    'extra-train': { type: 'string' },
    'back-translations': { type: 'string' },
    'back-translation-share': { type: 'string' },
    'stop-after': { type: 'string' },
    export: { type: 'boolean' },
    float16: { type: 'boolean' },
    'embed-dim': { type: 'string' },
    'encoder-units': { type: 'string' },
    'decoder-units': { type: 'string' },
    'encoder-layers': { type: 'string' },
    'decoder-layers': { type: 'string' },
    dropout: { type: 'string' },
    seed: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(TRAIN_USAGE + '\n');
    return 0;
  }
  const num = (k: keyof typeof values): number | undefined => {
    const v = values[k];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new BabelfishError('BAD_ARGUMENT', `--${k} must be a number, got ${v}`);
    return n;
  };
  const size = (values.size ?? 'default') as TrainOptions['size'];
  if (!(size in SIZE_PRESETS)) throw new BabelfishError('BAD_ARGUMENT', `--size must be tiny or default, got ${values.size}`);
  const tokenizer = (values.tokenizer ?? 'subword') as TrainOptions['tokenizer'];
  if (tokenizer !== 'subword' && tokenizer !== 'word') throw new BabelfishError('BAD_ARGUMENT', `--tokenizer must be subword or word`);
  const model: Partial<TranslatorConfig> = {};
  const setIf = (k: keyof TranslatorConfig, v: number | undefined) => v !== undefined && ((model as Record<string, number>)[k] = v);
  setIf('embedDim', num('embed-dim'));
  setIf('encoderUnits', num('encoder-units'));
  setIf('decoderUnits', num('decoder-units'));
  setIf('encoderLayers', num('encoder-layers'));
  setIf('decoderLayers', num('decoder-layers'));
  setIf('dropout', num('dropout'));
  const o: Partial<TrainOptions> = { size, tokenizer, vocabSize: num('vocab-size') ?? SIZE_PRESETS[size].vocabSize, model };
  const put = <K extends keyof TrainOptions>(k: K, v: TrainOptions[K] | undefined) => v !== undefined && (o[k] = v);
  put('dataDir', values.data);
  put('runDir', values.run);
  put('out', values.out);
  put('vocab', values.vocab);
  put('init', values.init);
  put('steps', num('steps'));
  put('batch', num('batch'));
  put('maxBatchTokens', num('max-batch-tokens'));
  put('lr', num('lr'));
  put('warmup', num('warmup'));
  put('clip', num('clip'));
  put('evalEvery', num('eval-every'));
  put('devSentences', num('dev-sentences'));
  put('checkpointEvery', num('checkpoint-every'));
  put('logEvery', num('log-every'));
  put('stopAfter', num('stop-after'));
  put('seed', num('seed'));
  put('extraTrain', values['extra-train']);
  put('backTranslations', values['back-translations']);
  const share = num('back-translation-share');
  if (share !== undefined && !(share >= 0 && share <= 1)) throw new BabelfishError('BAD_ARGUMENT', `--back-translation-share must be between 0 and 1, got ${share}`);
  put('backTranslationShare', share);
  if (values.resume) o.resume = true;
  if (values.float16) o.float16 = true;

  if (values.export) {
    await initBackend();
    const runDir = o.runDir ?? DEFAULT_TRAIN_OPTIONS.runDir;
    const ck = await loadCheckpoint(runDir);
    if (!ck) throw new BabelfishError('MODEL_NOT_FOUND', `no checkpoint in ${runDir}`);
    const out = o.out ?? DEFAULT_TRAIN_OPTIONS.out;
    await ck.model.save(out, { float16: o.float16 ?? false });
    process.stderr.write(`[translator] exported step ${ck.state.step} to ${out}\n`);
    return 0;
  }
  // A mistyped --init fails now, not after the corpus is read.
  if (o.init && !(await pathExists(join(o.init, 'model.json')))) {
    throw new BabelfishError('MODEL_NOT_FOUND', `--init ${o.init}: no translator there (model.json + weights.bin + vocab.json)`);
  }
  // A resumed run reads the text it was started on unless the flags say otherwise, as it does
  // its back-translations (trainTranslator merges the saved options the same way).
  const saved = o.resume ? await savedRunOptions(o.runDir ?? DEFAULT_TRAIN_OPTIONS.runDir) : null;
  const dataDir = o.dataDir ?? saved?.dataDir ?? DEFAULT_TRAIN_OPTIONS.dataDir;
  const extraTrain = o.extraTrain ?? saved?.extraTrain;
  const corpus = await loadCorpus(dataDir, extraTrain ? extraTrain.split(',').filter((d) => d) : []);
  const r = await trainTranslator(o, corpus);
  r.model.dispose();
  return 0;
}
