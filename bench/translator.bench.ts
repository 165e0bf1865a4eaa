/**
 * Translator speed on the active backend (one thread), the shipped model's architecture
 * (its layers and sizes, read from models/translator/default; the config defaults without it)
 * with random weights: a random model never says </s>, so every sentence runs to its length bound
 * (1.0 x 15 source pieces + 4), which makes the work per sentence fixed and the figures a
 * worst case for that length. Compared in the same run:
 * - greedy, 64 sentences batched, vs one sentence at a time (tfjs ops);
 * - one sentence at a time with a hand-written Float32Array decoder step (no tfjs per step);
 * - beam 4 batched;
 * - a training step (48 pairs x 25 pieces), and the model size.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend.ts';
import { Translator } from '../models/translator/model.ts';
import { WordTokenizer } from '../models/translator/tokenizer.ts';
import { batchLoss, encode, sourceBatch, type Weights } from '../models/translator/network.ts';
import { parameterCount } from '../models/translator/network.ts';
import type { BenchResult } from './types.ts';
import type { TranslatorConfig } from '../models/translator/config.ts';
import { modelsDir } from '../src/paths.ts';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const SRC_LEN = 15;

function randomIds(n: number, rand: () => number, V: number): number[] {
  return Array.from({ length: n }, () => 10 + Math.floor(rand() * (V - 10)));
}

interface JsWeights {
  /** First decoder layer: embedding x W + b per piece, [V, 4H]. */
  table: Float32Array;
  /** Per decoder layer: recurrent U; above the first, input W and bias b. */
  U: Float32Array[];
  W: Float32Array[];
  b: Float32Array[];
  combW: Float32Array;
  combB: Float32Array;
  emb: Float32Array;
  outB: Float32Array;
}

/** The decoder's weights as Float32Arrays, once per model (first-layer input projection folded into a table). */
function jsWeights(m: Translator): JsWeights {
  const w = m.weights as Weights;
  return {
    table: tf.tidy(() => tf.add(tf.matMul(w['embed'] as tf.Tensor2D, w['dec0/W'] as tf.Tensor2D), w['dec0/b']).dataSync() as Float32Array),
    U: Array.from({ length: m.config.decoderLayers }, (_, l) => w[`dec${l}/U`].dataSync() as Float32Array),
    W: Array.from({ length: m.config.decoderLayers }, (_, l) => (l ? (w[`dec${l}/W`].dataSync() as Float32Array) : new Float32Array(0))),
    b: Array.from({ length: m.config.decoderLayers }, (_, l) => (l ? (w[`dec${l}/b`].dataSync() as Float32Array) : new Float32Array(0))),
    combW: w['comb/w'].dataSync() as Float32Array,
    combB: w['comb/b'].dataSync() as Float32Array,
    emb: w['embed'].dataSync() as Float32Array,
    outB: w['out/b'].dataSync() as Float32Array,
  };
}

/** Greedy decoding of one sentence with plain loops over Float32Arrays (encoder in tfjs, decoder state in JS). */
function jsGreedy(m: Translator, jw: JsWeights, src: number[], maxLen: number): number[] {
  const c = m.config;
  const w = m.weights as Weights;
  const H = c.decoderUnits;
  const E2 = 2 * c.encoderUnits;
  const D = c.embedDim;
  const V = c.vocabSize;
  const L = c.decoderLayers;
  const { memory, keys, h0 } = tf.tidy(() => {
    const enc = encode(w, c, sourceBatch([src], c.padId));
    return {
      memory: enc.memory.dataSync() as Float32Array,
      keys: enc.keys.dataSync() as Float32Array,
      h0: enc.h0.map((h) => h.dataSync() as Float32Array),
    };
  });
  const { table, U, W, b, combW, combB, emb, outB } = jw;
  const S = src.length;
  const hs = h0.map((h) => Float32Array.from(h));
  const cells = h0.map(() => new Float32Array(H));
  const g = new Float32Array(4 * H);
  const top = new Float32Array(H);
  const a = new Float32Array(S);
  const joined = new Float32Array(H + E2);
  const ht = new Float32Array(D);
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  /** g += x M for x [n] and M [n, 4H]. */
  const addTimes = (x: Float32Array, M: Float32Array) => {
    for (let i = 0; i < x.length; i++) {
      const xi = x[i];
      const row = i * 4 * H;
      for (let j = 0; j < 4 * H; j++) g[j] += xi * M[row + j];
    }
  };
  const out: number[] = [];
  let prev = c.bosId;
  for (let t = 0; t < maxLen; t++) {
    // layers above the first take the residual sum of the outputs below (network.ts)
    for (let l = 0; l < L; l++) {
      if (l === 0) g.set(table.subarray(prev * 4 * H, (prev + 1) * 4 * H));
      else {
        g.set(b[l]);
        addTimes(top, W[l]);
      }
      const h = hs[l];
      addTimes(h, U[l]);
      const cell = cells[l];
      for (let j = 0; j < H; j++) {
        cell[j] = sig(g[H + j]) * cell[j] + sig(g[j]) * Math.tanh(g[3 * H + j]);
        h[j] = sig(g[2 * H + j]) * Math.tanh(cell[j]);
      }
      if (l === 0) top.set(h);
      else for (let j = 0; j < H; j++) top[j] += h[j];
    }
    let mx = -Infinity;
    for (let s = 0; s < S; s++) {
      let sc = 0;
      for (let j = 0; j < H; j++) sc += top[j] * keys[s * H + j];
      a[s] = sc;
      if (sc > mx) mx = sc;
    }
    let z = 0;
    for (let s = 0; s < S; s++) z += a[s] = Math.exp(a[s] - mx);
    joined.set(top);
    joined.fill(0, H);
    for (let s = 0; s < S; s++) for (let j = 0; j < E2; j++) joined[H + j] += (a[s] / z) * memory[s * E2 + j];
    ht.set(combB);
    for (let i = 0; i < H + E2; i++) {
      const x = joined[i];
      for (let j = 0; j < D; j++) ht[j] += x * combW[i * D + j];
    }
    for (let j = 0; j < D; j++) ht[j] = Math.tanh(ht[j]);
    let best = 0;
    let bestV = -Infinity;
    for (let v = 0; v < V; v++) {
      if (v === c.padId || v === c.bosId) continue;
      let s = outB[v];
      for (let j = 0; j < D; j++) s += emb[v * D + j] * ht[j];
      if (s > bestV) {
        bestV = s;
        best = v;
      }
    }
    if (best === c.eosId) break;
    out.push(best);
    prev = best;
  }
  return out;
}

/** The shipped model's layer counts and sizes, so the figures are those of what is served. */
async function shippedArchitecture(): Promise<Partial<TranslatorConfig>> {
  try {
    const { config } = JSON.parse(await readFile(join(modelsDir, 'translator', 'default', 'model.json'), 'utf8')) as { config: TranslatorConfig };
    const { embedDim, encoderUnits, encoderLayers, decoderUnits, decoderLayers } = config;
    return { embedDim, encoderUnits, encoderLayers, decoderUnits, decoderLayers };
  } catch {
    return {};
  }
}

async function seconds(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return (performance.now() - t0) / 1000;
}

export default async function (): Promise<BenchResult[]> {
  await initBackend();
  const words = Array.from({ length: 4000 - 8 }, (_, i) => `w${i}`);
  const tok = WordTokenizer.train([words.join(' ')], ['en', 'es', 'fr', 'de']);
  const m = Translator.build(await shippedArchitecture(), tok);
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const sentences = Array.from({ length: 64 }, () => randomIds(SRC_LEN, rand, 4000).map((i) => tok.piece(i)).join(' '));
  const opts = { to: 'es', maxLenRatio: 1 };
  await m.translate(sentences.slice(0, 4), { ...opts, beam: 1 }); // warm-up

  const greedyBatch = sentences.length / (await seconds(() => m.translate(sentences, { ...opts, beam: 1, batchSize: 64 })));
  const single = sentences.slice(0, 8);
  const greedyOne = single.length / (await seconds(async () => {
    for (const s of single) await m.translate([s], { ...opts, beam: 1 });
  }));
  const jw = jsWeights(m);
  // the hand-written decoder must be the model: the same greedy tokens as tfjs (n-gram blocking off)
  const firstIds = m.sourceIds(tok.encode(single[0]), 'es');
  const [viaTfjs] = await m.translateIds([firstIds], { beam: 1, maxLenRatio: 1, noRepeatNgram: 0 });
  const viaJs = jsGreedy(m, jw, firstIds, Math.ceil(firstIds.length) + 4);
  if (viaJs.join() !== viaTfjs.tokens.join()) throw new Error(`bench: the Float32Array decoder disagrees with tfjs (${viaJs.length} vs ${viaTfjs.tokens.length} tokens)`);
  const jsOne = single.length / (await seconds(async () => {
    for (const s of single) jsGreedy(m, jw, m.sourceIds(tok.encode(s), 'es'), SRC_LEN + 2 + 4);
  }));
  const beamBatch = 32 / (await seconds(() => m.translate(sentences.slice(0, 32), { ...opts, beam: 4, batchSize: 16 })));

  const B = 48;
  const L = 25;
  const src = Array.from({ length: B }, () => randomIds(L, rand, 4000));
  const tgt = Array.from({ length: B }, () => randomIds(L, rand, 4000));
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => batchLoss(m.weights as Weights, m.config, src, tgt, true));
      value.dataSync();
      tf.dispose(Object.values(grads));
    });
  step();
  const stepS = await seconds(async () => step());
  const params = parameterCount(m.config);
  m.dispose();
  return [
    { name: 'translator.greedy_batched', value: greedyBatch, unit: 'sentences/s', higherIsBetter: true, note: `64 sentences, ${SRC_LEN} -> ${SRC_LEN + 6} pieces` },
    { name: 'translator.greedy_single', value: greedyOne, unit: 'sentences/s', higherIsBetter: true, note: 'one sentence per call, tfjs ops' },
    { name: 'translator.greedy_single_js', value: jsOne, unit: 'sentences/s', higherIsBetter: true, note: 'one sentence per call, Float32Array decoder step' },
    { name: 'translator.js_over_tfjs_single', value: jsOne / greedyOne, unit: 'ratio', higherIsBetter: true },
    { name: 'translator.batched_over_single', value: greedyBatch / greedyOne, unit: 'ratio', higherIsBetter: true },
    { name: 'translator.beam4_batched', value: beamBatch, unit: 'sentences/s', higherIsBetter: true, note: '32 sentences, batches of 16' },
    { name: 'translator.train_step', value: stepS * 1000, unit: 'ms', note: `fwd+bwd ${B}x${L} pairs` },
    { name: 'translator.train_tokens_per_s', value: (B * (2 * L + 1)) / stepS, unit: 'tokens/s', higherIsBetter: true },
    { name: 'translator.size_fp32', value: (params * 4) / 1e6, unit: 'MB' },
  ];
}
