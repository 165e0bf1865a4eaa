/**
 * The translator: build / load / save, and its verbs `translate` and `embed`.
 *
 * Saved folder: `model.json` (format, config, tfjs weights manifest), `weights.bin`
 * (float32 by default, float16 with `save(dir, { float16: true })`), `vocab.json` (the tokenizer).
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { BabelfishError } from '../../src/errors.ts';
import { encodeWeights, initialVariables, loadVariables, readModelFolder, variableNamer, writeModelFolder } from '../common/weights-io.ts';
import { DEFAULT_DECODING, translatorConfig, type TranslatorConfig } from './config.ts';
import {
  decoderStep,
  disposeDecoderState,
  encode,
  grownWeights,
  initialDecoderState,
  initialWeights,
  prepareInference,
  selectDecoderRows,
  sourceBatch,
  weightShapes,
  type DecoderState,
  type InferenceWeights,
  type Weights,
} from './network.ts';
import { beamSearch, type BeamModel, type Hypothesis } from './beam-search.ts';
import { loadTokenizer, type TranslatorTokenizer } from './tokenizer.ts';

export const MODEL_FORMAT = 'babelfish-translator/1';

export interface TranslateOptions {
  /** Source language; only checked (the model reads any language). */
  from?: string;
  to: string;
  /** Beam width; 1 = greedy. */
  beam?: number;
  /** Output bound: ceil(ratio * source pieces) + 4, capped by config.maxTargetLen. */
  maxLenRatio?: number;
  /** GNMT length-penalty alpha. */
  lengthPenalty?: number;
  /** Never repeat an n-gram of this many pieces in one output (0 = off; default DEFAULT_DECODING's). */
  noRepeatNgram?: number;
  /** Return the attention matrix [target token][source token]. */
  attention?: boolean;
  /** Sentences per batch (the beam multiplies the rows). */
  batchSize?: number;
}

export interface Translation {
  text: string;
  /** Output piece ids (without </s>). */
  tokens: number[];
  /** Per output token (and </s>) the attention over source pieces (with the <2xx> tag and </s>); chunked input concatenates chunks' rows and leaves columns of other chunks at 0. */
  attention?: number[][];
  /** Source pieces the model saw, for labelling attention columns. */
  sourceTokens?: number[];
  /** GNMT-normalised log-probability (sum over chunks for long input). */
  score: number;
}

/** tfjs variable names are global; several translators may live in one process. */
const uniqueName = variableNamer('translator');

export class Translator {
  readonly config: TranslatorConfig;
  readonly tokenizer: TranslatorTokenizer;
  readonly weights: Record<string, tf.Variable>;
  private inference: InferenceWeights | null = null;

  constructor(config: TranslatorConfig, tokenizer: TranslatorTokenizer, weights: Record<string, tf.Variable>) {
    if (config.vocabSize !== tokenizer.vocabSize) {
      throw new BabelfishError('MODEL_INVALID', `config.vocabSize ${config.vocabSize} != tokenizer vocabulary ${tokenizer.vocabSize}`);
    }
    this.config = config;
    this.tokenizer = tokenizer;
    this.weights = weights;
  }

  static build(overrides: Partial<TranslatorConfig>, tokenizer: TranslatorTokenizer): Translator {
    const config = translatorConfig({
      ...overrides,
      vocabSize: tokenizer.vocabSize,
      padId: tokenizer.padId,
      bosId: tokenizer.bosId,
      eosId: tokenizer.eosId,
      unkId: tokenizer.unkId,
    });
    for (const l of config.languages) tokenizer.langTag(l);
    return new Translator(config, tokenizer, initialVariables(weightShapes(config), initialWeights(config), uniqueName));
  }

  static async load(dir: string): Promise<Translator> {
    const folder = await readModelFolder<TranslatorConfig>(dir, MODEL_FORMAT, 'translator', 'model.json + weights.bin + vocab.json');
    const tokenizer = await loadTokenizer(join(dir, 'vocab.json'));
    const config = translatorConfig(folder.config);
    return new Translator(config, tokenizer, loadVariables(folder, weightShapes(config), uniqueName));
  }

  /**
   * A deeper model that translates exactly as this one does (see `grownWeights`): residual
   * encoder / decoder layers added on top, to be trained on. This model is left as is.
   */
  grow(layers: { encoderLayers?: number; decoderLayers?: number }): Translator {
    const config = translatorConfig({ ...this.config, ...layers });
    if (config.encoderLayers < this.config.encoderLayers || config.decoderLayers < this.config.decoderLayers) {
      throw new BabelfishError('BAD_ARGUMENT', `grow adds layers: the model has ${this.config.encoderLayers} encoder / ${this.config.decoderLayers} decoder layer(s)`);
    }
    const own = Object.fromEntries(Object.entries(this.weights).map(([k, v]) => [k, v.dataSync() as Float32Array]));
    return new Translator(config, this.tokenizer, initialVariables(weightShapes(config), grownWeights(own, this.config, config), uniqueName));
  }

  async save(dir: string, options: { float16?: boolean } = {}): Promise<void> {
    const { data, specs } = await encodeWeights(weightShapes(this.config), this.weights, options);
    await writeModelFolder(dir, { format: MODEL_FORMAT, config: this.config, data, specs, indent: 1, companions: (d) => this.tokenizer.save(join(d, 'vocab.json')) });
  }

  get languages(): readonly string[] {
    return this.config.languages;
  }

  checkLanguage(lang: string | undefined, role: 'source' | 'target'): void {
    if (lang === undefined || lang === 'auto') {
      if (role === 'target') throw new BabelfishError('UNSUPPORTED_LANGUAGE', `say which language to translate into (one of ${this.languages.join(', ')})`);
      return;
    }
    if (!this.config.languages.includes(lang)) {
      throw new BabelfishError('UNSUPPORTED_LANGUAGE', `${role} language '${lang}' is not one of ${this.languages.join(', ')}`);
    }
  }

  /** Call after changing weights (training) so inference tables are rebuilt. */
  invalidate(): void {
    if (this.inference) tf.dispose([this.inference.embedProj0, this.inference.embedT, this.inference.outBias]);
    this.inference = null;
  }

  private inferenceWeights(): InferenceWeights {
    if (!this.inference) {
      const banned = [this.config.padId, this.config.bosId, ...this.config.languages.map((l) => this.tokenizer.langTag(l))];
      this.inference = prepareInference(this.weights, banned);
    }
    return this.inference;
  }

  /** Longest source content in pieces (the tag and </s> take two). */
  get maxSourcePieces(): number {
    return this.config.maxSourceLen - 2;
  }

  /** Source ids for one chunk: <2to> pieces </s>. */
  sourceIds(pieces: number[], to: string): number[] {
    return [this.tokenizer.langTag(to), ...pieces.slice(0, this.maxSourcePieces), this.config.eosId];
  }

  /**
   * Splits a text into chunks of at most maxSourcePieces pieces, at word boundaries,
   * preferring the end of a sentence; a single over-long word is cut.
   */
  chunk(text: string): number[][] {
    const words = text.split(/\s+/).filter(Boolean);
    if (!words.length) return [];
    const whole = this.tokenizer.encode(words.join(' '));
    if (whole.length <= this.maxSourcePieces) return [whole];
    const chunks: number[][] = [];
    let cur: string[] = [];
    const flush = () => {
      if (cur.length) chunks.push(this.tokenizer.encode(cur.join(' ')).slice(0, this.maxSourcePieces));
      cur = [];
    };
    for (const w of words) {
      const next = [...cur, w];
      if (cur.length && this.tokenizer.encode(next.join(' ')).length > this.maxSourcePieces) flush();
      cur.push(w);
      if (/[.!?;]$/.test(w) && this.tokenizer.encode(cur.join(' ')).length > this.maxSourcePieces / 2) flush();
    }
    flush();
    return chunks;
  }

  /** Beam search on already-encoded sources (tag and </s> included). */
  async translateIds(sources: number[][], options: Omit<TranslateOptions, 'from' | 'to'> = {}): Promise<Hypothesis[]> {
    const beam = Math.max(1, Math.floor(options.beam ?? DEFAULT_DECODING.beam));
    const ratio = options.maxLenRatio ?? DEFAULT_DECODING.maxLenRatio;
    const batchSize = Math.max(1, options.batchSize ?? Math.max(1, Math.floor(64 / beam)));
    const order = sources.map((_, i) => i).sort((a, b) => sources[a].length - sources[b].length);
    const out: Hypothesis[] = new Array(sources.length);
    const iw = this.inferenceWeights();
    const w = this.weights as Weights;
    const c = this.config;
    const model: BeamModel<DecoderState> = {
      vocabSize: c.vocabSize,
      step: async (prev, state) => {
        const r = decoderStep(w, iw, c, prev, state);
        const logProbs = (await r.logProbs.data()) as Float32Array;
        let extras: Float32Array[] | undefined;
        if (options.attention) {
          const a = (await r.attention.data()) as Float32Array;
          const S = r.attention.shape[1];
          extras = Array.from({ length: prev.length }, (_, i) => a.slice(i * S, (i + 1) * S));
        }
        tf.dispose([r.logProbs, r.attention]);
        return { logProbs, extras, state: r.state };
      },
      select: selectDecoderRows,
      dispose: disposeDecoderState,
    };
    for (let i = 0; i < order.length; i += batchSize) {
      const idx = order.slice(i, i + batchSize);
      const batch = idx.map((j) => sources[j]);
      const state = tf.tidy(() => {
        const enc = encode(w, c, sourceBatch(batch, c.padId), false);
        return initialDecoderState(c, enc) as unknown as tf.TensorContainer;
      }) as unknown as DecoderState;
      const maxLen = batch.map((s) => Math.min(c.maxTargetLen, Math.ceil(ratio * s.length) + 4));
      const hyps = await beamSearch(model, state, batch.length, { beam, bos: c.bosId, eos: c.eosId, maxLen, lengthPenalty: options.lengthPenalty ?? DEFAULT_DECODING.lengthPenalty, noRepeatNgram: options.noRepeatNgram ?? DEFAULT_DECODING.noRepeatNgram });
      idx.forEach((j, k) => (out[j] = hyps[k][0] ?? { tokens: [], finished: true, logProb: 0, score: 0 }));
    }
    return out;
  }

  async translate(sentences: string[], options: TranslateOptions): Promise<Translation[]> {
    this.checkLanguage(options.from, 'source');
    this.checkLanguage(options.to, 'target');
    const chunked = sentences.map((s) => this.chunk(s));
    const flat: number[][] = [];
    for (const chunks of chunked) for (const ch of chunks) flat.push(this.sourceIds(ch, options.to));
    const hyps = await this.translateIds(flat, options);
    let k = 0;
    return chunked.map((chunks) => {
      const parts = chunks.map(() => hyps[k++]);
      const tokens = parts.flatMap((h) => h.tokens);
      const t: Translation = {
        text: parts.map((h) => this.tokenizer.decode(h.tokens)).filter(Boolean).join(' '),
        tokens,
        score: parts.reduce((a, h) => a + h.score, 0),
      };
      if (options.attention) {
        const srcs = chunks.map((ch) => this.sourceIds(ch, options.to));
        const width = srcs.reduce((a, s) => a + s.length, 0);
        const rows: number[][] = [];
        let col = 0;
        parts.forEach((h, p) => {
          for (const e of h.extras ?? []) {
            const row = new Array(width).fill(0);
            for (let j = 0; j < srcs[p].length; j++) row[col + j] = e[j];
            rows.push(row);
          }
          col += srcs[p].length;
        });
        t.attention = rows;
        t.sourceTokens = srcs.flat();
      }
      return t;
    });
  }

  /** Mean-pooled encoder states [count, 2 * encoderUnits] for sentences with a fixed <2xx> tag (see config.embedTag). */
  embedIds(sources: number[][]): tf.Tensor2D {
    return tf.tidy(() => encode(this.weights as Weights, this.config, sourceBatch(sources, this.config.padId), false).pooled);
  }

  /** Language-agnostic sentence vectors, one row per sentence (shaped like the Universal Sentence Encoder's `embed`). */
  async embed(sentences: string[], batchSize = 64): Promise<tf.Tensor2D> {
    const tag = this.config.embedTag;
    const ids = sentences.map((s) => this.sourceIds(this.tokenizer.encode(s), tag));
    if (!ids.length) return tf.zeros([0, 2 * this.config.encoderUnits]);
    const parts: tf.Tensor2D[] = [];
    for (let i = 0; i < ids.length; i += batchSize) parts.push(this.embedIds(ids.slice(i, i + batchSize)));
    const all = parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor2D);
    if (parts.length > 1) tf.dispose(parts);
    return all;
  }

  /** `embed` as plain arrays. */
  async embedVectors(sentences: string[]): Promise<Float32Array[]> {
    const t = await this.embed(sentences);
    const data = (await t.data()) as Float32Array;
    const d = t.shape[1];
    t.dispose();
    return sentences.map((_, i) => data.slice(i * d, (i + 1) * d));
  }

  dispose(): void {
    this.invalidate();
    tf.dispose(Object.values(this.weights));
  }
}
