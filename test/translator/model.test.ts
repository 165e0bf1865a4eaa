import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend.ts';
import { Translator } from '../../models/translator/model.ts';
import { WordTokenizer } from '../../models/translator/tokenizer.ts';
import { translatorConfig } from '../../models/translator/config.ts';
import {
  batchLoss,
  decodeTeacherForced,
  decoderStep,
  disposeDecoderState,
  encode,
  initialDecoderState,
  parameterCount,
  prepareInference,
  selectDecoderRows,
  sourceBatch,
  targetBatch,
  type Weights,
} from '../../models/translator/network.ts';
import { isBabelfishError } from '../../src/errors.ts';

const LANGS = ['en', 'xx'];
const tok = WordTokenizer.train(['a b c d e f g h i j k l m n o p'], LANGS);
const small = { languages: LANGS, embedDim: 6, encoderUnits: 5, decoderUnits: 7, dropout: 0, labelSmoothing: 0, seed: 3 };

function model(over: object = {}): Translator {
  return Translator.build({ ...small, ...over }, tok);
}

beforeAll(async () => {
  await initBackend();
});

describe('translator network', () => {
  it('encoder states of a sentence do not depend on the padding around it (both directions)', () => {
    for (const layers of [1, 2]) {
      const m = model({ encoderLayers: layers });
      const w = m.weights as Weights;
      const a = [4, 8, 9, 10, 2];
      const b = [5, 11, 2];
      const [alone, batched] = tf.tidy(() => {
        const e1 = encode(w, m.config, sourceBatch([b], 0));
        const e2 = encode(w, m.config, sourceBatch([a, b], 0));
        return [e1.memory, e2.memory.slice([1, 0, 0], [1, 3, -1])];
      });
      expect(Array.from(batched.dataSync())).toEqual(Array.from(alone.dataSync()).map((x) => expect.closeTo(x, 5)));
      tf.dispose([alone, batched]);
      m.dispose();
    }
  });

  it('the batched backward direction equals running the cell by hand on the reversed sentence', () => {
    const m = model();
    const w = m.weights as Weights;
    const src = [4, 9, 12, 2];
    const E = m.config.encoderUnits;
    const memory = tf.tidy(() => encode(w, m.config, sourceBatch([src, [5, 2]], 0)).memory.slice([0, 0, 0], [1, 4, 2 * E]));
    const got = memory.arraySync() as number[][][];
    // independent reference: plain loops over arrays
    const emb = w['embed'].arraySync() as number[][];
    const W = w['enc0/bw/W'].arraySync() as number[][];
    const U = w['enc0/bw/U'].arraySync() as number[][];
    const bias = w['enc0/bw/b'].arraySync() as number[];
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    let h = new Array(E).fill(0);
    let c = new Array(E).fill(0);
    for (let t = src.length - 1; t >= 0; t--) {
      const x = emb[src[t]];
      const g = bias.map((b0, j) => b0 + x.reduce((s, xi, i) => s + xi * W[i][j], 0) + h.reduce((s, hi, i) => s + hi * U[i][j], 0));
      const c2 = c.map((cj, j) => sig(g[E + j]) * cj + sig(g[j]) * Math.tanh(g[3 * E + j]));
      h = c2.map((cj, j) => sig(g[2 * E + j]) * Math.tanh(cj));
      c = c2;
      for (let j = 0; j < E; j++) expect(got[0][t][E + j]).toBeCloseTo(h[j], 5);
    }
    memory.dispose();
    m.dispose();
  });

  it('one decoder step at a time gives the teacher-forced log-probabilities', () => {
    for (const layers of [1, 2]) {
      const m = model({ decoderLayers: layers });
      const w = m.weights as Weights;
      const c = m.config;
      const src = [[4, 8, 9, 2], [5, 6, 2]];
      const tgt = [[10, 11, 12], [13]];
      const tb = targetBatch(tgt, c);
      const tf_ = tf.tidy(() => {
        const enc = encode(w, c, sourceBatch(src, 0));
        return tf.logSoftmax(decodeTeacherForced(w, c, enc, tb).logits);
      });
      const ref = tf_.arraySync() as number[][];
      const iw = prepareInference(w);
      let state = tf.tidy(() => initialDecoderState(c, encode(w, c, sourceBatch(src, 0))) as unknown as tf.TensorContainer) as unknown as ReturnType<typeof initialDecoderState>;
      for (let t = 0; t < tb.T; t++) {
        const prev = Int32Array.from([tb.inputs[t], tb.inputs[tb.T + t]]);
        const r = decoderStep(w, iw, c, prev, state);
        disposeDecoderState(state);
        state = r.state;
        const lp = r.logProbs.arraySync();
        for (let b = 0; b < 2; b++) {
          if (!tb.mask[b * tb.T + t]) continue;
          for (let v = 0; v < c.vocabSize; v++) expect(lp[b][v]).toBeCloseTo(ref[b * tb.T + t][v], 4);
        }
        tf.dispose([r.logProbs, r.attention]);
      }
      disposeDecoderState(state);
      tf.dispose([tf_, iw.embedProj0, iw.embedT, iw.outBias]);
      m.dispose();
    }
  });

  it('decoder states share the source side and free it with the last state that holds it', () => {
    const m = model({ decoderLayers: 2 });
    const w = m.weights as Weights;
    const c = m.config;
    const iw = prepareInference(w);
    const before = tf.memory().numTensors;
    const s0 = tf.tidy(() => initialDecoderState(c, encode(w, c, sourceBatch([[4, 8, 9, 2], [5, 6, 2]], 0))) as unknown as tf.TensorContainer) as unknown as ReturnType<typeof initialDecoderState>;
    const r1 = decoderStep(w, iw, c, Int32Array.from([1, 1]), s0);
    expect(r1.state.source).toBe(s0.source);
    disposeDecoderState(s0);
    // still readable through the later state
    expect(r1.state.source.memory.isDisposed).toBe(false);
    const picked = selectDecoderRows(r1.state, Int32Array.from([1, 1, 0]));
    expect(picked.source.memory.shape[0]).toBe(3);
    const r2 = decoderStep(w, iw, c, Int32Array.from([5, 6, 7]), picked);
    expect(r2.logProbs.shape).toEqual([3, c.vocabSize]);
    const oldSource = r1.state.source;
    disposeDecoderState(r1.state);
    expect(oldSource.memory.isDisposed).toBe(true);
    disposeDecoderState(picked);
    expect(r2.state.source.memory.isDisposed).toBe(false);
    disposeDecoderState(r2.state);
    tf.dispose([r1.logProbs, r1.attention, r2.logProbs, r2.attention]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([iw.embedProj0, iw.embedT, iw.outBias]);
    m.dispose();
  });

  it.each([1, 2])('the loss gradient matches finite differences (embedding scatter-add, both LSTMs, attention; %i layer(s))', (layers) => {
    const m = model({ labelSmoothing: 0.1, encoderLayers: layers, decoderLayers: layers });
    const w = m.weights as Weights;
    const c = { ...m.config, labelSmoothing: 0.1, dropout: 0 };
    const src = [[4, 8, 9, 8, 2], [5, 6, 2]];
    const tgt = [[10, 11, 10], [13]];
    const f = () => batchLoss(w, c, src, tgt, true);
    const names = ['embed', 'enc0/fw/U', 'enc0/bw/W', 'dec0/W', 'dec0/U', 'att/w', 'comb/w', 'bridge/w', 'out/b'];
    if (layers === 2) names.push('enc1/fw/W', 'enc1/bw/U', 'dec1/W', 'dec1/U');
    const { grads } = tf.variableGrads(f, names.map((n) => m.weights[n]));
    for (const name of names) {
      const v = m.weights[name];
      const g = grads[v.name].dataSync();
      const base = v.dataSync().slice();
      // the largest-gradient entries, where float32 differences are meaningful
      const idx = Array.from(g.keys()).sort((a, b) => Math.abs(g[b]) - Math.abs(g[a])).slice(0, 3);
      for (const i of idx) {
        const eps = 1e-2;
        const plus = base.slice();
        plus[i] += eps;
        v.assign(tf.tensor(plus, v.shape));
        const lp = tf.tidy(() => f().dataSync()[0]);
        const minus = base.slice();
        minus[i] -= eps;
        v.assign(tf.tensor(minus, v.shape));
        const lm = tf.tidy(() => f().dataSync()[0]);
        v.assign(tf.tensor(base, v.shape));
        const fd = (lp - lm) / (2 * eps);
        expect(Math.abs(fd - g[i])).toBeLessThan(2e-3 + 0.03 * Math.abs(g[i]));
      }
    }
    tf.dispose(Object.values(grads));
    m.dispose();
  });

  it('a grown model computes what the original does, and the gradient reaches its new layers', async () => {
    const m = model({ labelSmoothing: 0.1 });
    const g = m.grow({ encoderLayers: 2, decoderLayers: 2 });
    expect(g.config.encoderLayers).toBe(2);
    expect(g.config.decoderLayers).toBe(2);
    const src = [[4, 8, 9, 8, 2], [5, 6, 2]];
    const tgt = [[10, 11, 10], [13]];
    const before = tf.tidy(() => batchLoss(m.weights as Weights, m.config, src, tgt, false).dataSync()[0]);
    const after = tf.tidy(() => batchLoss(g.weights as Weights, g.config, src, tgt, false).dataSync()[0]);
    expect(after).toBeCloseTo(before, 6);
    const s = ['a b c d', 'e f'];
    expect(await g.translate(s, { to: 'xx', beam: 3 })).toEqual(await m.translate(s, { to: 'xx', beam: 3 }));
    const embA = await m.embedVectors(s);
    const embB = await g.embedVectors(s);
    embA.forEach((v, i) => v.forEach((x, j) => expect(embB[i][j]).toBeCloseTo(x, 6)));

    // the new layers' cell-input gate weights start at zero and are the ones the gradient reaches first
    const fresh = ['enc1/fw/W', 'enc1/bw/U', 'dec1/W', 'dec1/U'];
    const { grads } = tf.variableGrads(() => batchLoss(g.weights as Weights, g.config, src, tgt, true), fresh.map((n) => g.weights[n]));
    for (const name of fresh) {
      const units = name.startsWith('enc') ? g.config.encoderUnits : g.config.decoderUnits;
      const [rows, cols] = g.weights[name].shape;
      const w = g.weights[name].dataSync();
      const grad = grads[g.weights[name].name].dataSync();
      let gNorm = 0;
      for (let r = 0; r < rows; r++)
        for (let j = 3 * units; j < cols; j++) {
          expect(w[r * cols + j]).toBe(0);
          gNorm += grad[r * cols + j] ** 2;
        }
      if (!name.endsWith('/U')) expect(gNorm).toBeGreaterThan(0); // U's input is the initial state, nonzero only for dec1 below
    }
    const gU = grads[g.weights['dec1/U'].name].dataSync();
    expect(gU.some((x) => x !== 0)).toBe(true); // dec1's initial state comes from the bridge's fresh columns
    tf.dispose(Object.values(grads));
    // the bridge keeps the old decoder layer's columns in front
    const H = g.config.decoderUnits;
    const oldB = m.weights['bridge/w'].arraySync() as number[][];
    const newB = g.weights['bridge/w'].arraySync() as number[][];
    oldB.forEach((row, r) => expect(newB[r].slice(0, H)).toEqual(row));
    expect(() => g.grow({ encoderLayers: 1 })).toThrow(/adds layers/);
    g.dispose();
    m.dispose();
  });

  it('the default config stays under 20 MB of float32 weights', () => {
    const c = translatorConfig({ vocabSize: 8000 });
    expect(parameterCount(c) * 4).toBeLessThan(20e6);
  });
});

describe('Translator', () => {
  it('saves and loads (float32 exact, float16 close) and translates the same', async () => {
    const m = model();
    const dir = await mkdtemp(join(tmpdir(), 'translator-'));
    try {
      await m.save(join(dir, 'f32'));
      await m.save(join(dir, 'f16'), { float16: true });
      const a = await Translator.load(join(dir, 'f32'));
      const b = await Translator.load(join(dir, 'f16'));
      expect(Array.from(a.weights['dec0/U'].dataSync())).toEqual(Array.from(m.weights['dec0/U'].dataSync()));
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(b.weights['embed'], m.weights['embed']))).dataSync()[0]);
      expect(diff).toBeGreaterThan(0);
      expect(diff).toBeLessThan(1e-3);
      expect((await stat(join(dir, 'f16', 'weights.bin'))).size * 2).toBe((await stat(join(dir, 'f32', 'weights.bin'))).size);
      const s = ['a b c', 'd e'];
      expect(await a.translate(s, { to: 'xx', beam: 2 })).toEqual(await m.translate(s, { to: 'xx', beam: 2 }));
      a.dispose();
      b.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
      m.dispose();
    }
  });

  it('handles empty, unknown, over-long input and bad languages', async () => {
    const m = model({ maxSourceLen: 8, maxTargetLen: 10 });
    const long = Array.from({ length: 500 }, (_, i) => 'abcdefghijklmnop'[i % 16]).join(' ');
    const out = await m.translate(['', 'a b', '😀 zz ☃', long], { from: 'en', to: 'xx', beam: 3, attention: true });
    expect(out).toHaveLength(4);
    expect(out[0].text).toBe('');
    expect(out[0].tokens).toEqual([]);
    for (const t of out) expect(typeof t.text).toBe('string');
    // 500 words in chunks of <= 6 pieces, each decoded within its own bound
    expect(out[3].tokens.length).toBeLessThanOrEqual(Math.ceil(500 / 6) * 10);
    expect(out[1].attention!.length).toBeGreaterThan(0);
    for (const row of out[1].attention!) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    for (const bad of [{ to: 'qq' }, { from: 'qq', to: 'xx' }]) {
      const e = await m.translate(['a'], bad).catch((x) => x);
      expect(isBabelfishError(e) && e.code).toBe('UNSUPPORTED_LANGUAGE');
    }
    m.dispose();
  });

  it('greedy equals beam 1 and never emits special tokens', async () => {
    const m = model();
    const s = ['a b c d', 'e', 'f g h'];
    const g = await m.translate(s, { to: 'xx', beam: 1 });
    const banned = [0, 1, tok.langTag('en'), tok.langTag('xx')];
    for (const t of g) for (const id of t.tokens) expect(banned).not.toContain(id);
    const b4 = await m.translate(s, { to: 'xx', beam: 4 });
    for (let i = 0; i < s.length; i++) expect(b4[i].score).toBeGreaterThanOrEqual(g[i].score - 1e-6 - 10);
    m.dispose();
  });

  it('embed returns one vector per sentence, batch-independent', async () => {
    const m = model();
    const e = await m.embed(['a b c', 'd', 'e f g h i']);
    expect(e.shape).toEqual([3, 2 * m.config.encoderUnits]);
    const one = await m.embedVectors(['d']);
    const rows = e.arraySync();
    one[0].forEach((x, i) => expect(rows[1][i]).toBeCloseTo(x, 5));
    e.dispose();
    m.dispose();
  });
});

describe('smoothedLoss', () => {
  it('equals hand-computed cross-entropy with and without label smoothing', async () => {
    const { smoothedLoss } = await import('../../models/translator/network.ts');
    const rows = [
      [1, 2, 0.5],
      [0, -1, 3],
      [2, 2, 2],
    ];
    const targets = Int32Array.from([1, 2, 0]);
    const mask = Float32Array.from([1, 1, 0]);
    const logp = rows.map((r) => {
      const z = Math.log(r.reduce((a, x) => a + Math.exp(x), 0));
      return r.map((x) => x - z);
    });
    for (const eps of [0, 0.1]) {
      let want = 0;
      for (let i = 0; i < 2; i++) want += (1 - eps) * -logp[i][targets[i]] + eps * -(logp[i].reduce((a, b) => a + b, 0) / 3);
      want /= 2;
      const got = tf.tidy(() => smoothedLoss(tf.tensor2d(rows), targets, mask, 3, eps).dataSync()[0]);
      expect(got).toBeCloseTo(want, 5);
    }
  });
});
