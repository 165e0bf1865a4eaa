/**
 * The translator's hyperparameters, with their defaults in this one place.
 *
 * Architecture (Johnson et al. 2017, one model for every pair):
 * - one embedding table for every language, shared by encoder input, decoder input and
 *   (tied, Press & Wolf 2017) the output projection: tying saves vocabSize x embedDim
 *   parameters (a quarter of the model at 4k pieces) and regularises a small-data model;
 * - the target language as a `<2xx>` token in front of the source;
 * - a bidirectional LSTM encoder, an LSTM decoder, and Luong "general" attention
 *   score(h_t, s) = h_t^T W_a s computed on top of the decoder state, without input
 *   feeding. Why: with the keys W_a s precomputed once per sentence, a whole target
 *   sequence's attention is two batched matMuls after the recurrent loop, so the
 *   recurrent step (where per-op overhead on WASM dominates) holds only the LSTM cell.
 *   Bahdanau's additive score needs a tanh over [batch, src, dim] inside every step.
 * - the decoder's initial state is a tanh bridge from the mean-pooled encoder states, the
 *   same vector `embed()` returns, which pushes meaning into the pooled sentence vector.
 */
import { BabelfishError } from '../../src/errors.ts';

export interface TranslatorConfig {
  /** Languages the model translates among (ISO 639-1 codes). */
  languages: string[];
  /** Subword vocabulary size, including special and `<2xx>` tokens (set from the tokenizer). */
  vocabSize: number;
  /** Special token ids; taken from the tokenizer when the model is built. */
  padId: number;
  bosId: number;
  eosId: number;
  unkId: number;
  /** Shared (and output-tied) embedding width. */
  embedDim: number;
  /** Units per direction of each bidirectional encoder layer. */
  encoderUnits: number;
  /** Layers above the first (encoder and decoder) are residual: they add to the layer below (GNMT). */
  encoderLayers: number;
  decoderUnits: number;
  decoderLayers: number;
  /** Dropout on embeddings, between layers and before the output projection (training only). */
  dropout: number;
  labelSmoothing: number;
  /** Longest source / target in pieces (including the language tag and </s>); longer input is chunked or cut. */
  maxSourceLen: number;
  maxTargetLen: number;
  /** Which `<2xx>` token `embed()` puts in front of every sentence so all languages share one context. */
  embedTag: string;
  seed: number;
}

export const DEFAULT_TRANSLATOR_CONFIG: TranslatorConfig = {
  languages: ['en', 'es', 'fr', 'de'],
  vocabSize: 4000,
  padId: 0,
  bosId: 1,
  eosId: 2,
  unkId: 3,
  embedDim: 256,
  encoderUnits: 256,
  encoderLayers: 1,
  decoderUnits: 256,
  decoderLayers: 1,
  dropout: 0.2,
  labelSmoothing: 0.1,
  maxSourceLen: 64,
  maxTargetLen: 80,
  embedTag: 'en',
  seed: 1,
};

/** Decoding settings used when a caller does not give them. */
export const DEFAULT_DECODING = {
  beam: 4,
  /** Output bound: ceil(ratio * source pieces) + 4. */
  maxLenRatio: 1.5,
  /**
   * GNMT alpha. Chosen on dev (beam 4, 150 sentences per trained direction): mean BLEU with
   * alpha 0.2 / 0.6 / 1.0 / 1.4 / 2.0 was 20.30 / 20.42 / 20.60 / 20.45 / 20.10 for the
   * 20,850-step model and 23.00 / 23.15 at 0.6 / 1.0 (1.4: 23.05) for the 23,350-step one;
   * GNMT's 0.6 left the outputs short (length ratio 0.96-0.98 on en-es).
   */
  lengthPenalty: 1.0,
  /**
   * No 4-piece n-gram twice in one output: a weak model's commonest failure is looping on a
   * phrase, and four pieces rarely repeat in a real sentence (dev, greedy, 250 sentences per
   * trained direction: chrF 14.6 -> 15.4, BLEU 1.68 -> 1.79 with the 4,200-step model).
   */
  noRepeatNgram: 4,
} as const;

/** A few-minute model for tests and smoke runs. */
export const TINY_TRANSLATOR_CONFIG: Partial<TranslatorConfig> = {
  embedDim: 32,
  encoderUnits: 32,
  decoderUnits: 32,
  dropout: 0,
  labelSmoothing: 0,
  maxSourceLen: 32,
  maxTargetLen: 40,
};

export function translatorConfig(overrides: Partial<TranslatorConfig> = {}): TranslatorConfig {
  const c: TranslatorConfig = { ...DEFAULT_TRANSLATOR_CONFIG, ...overrides };
  const ints: (keyof TranslatorConfig)[] = ['vocabSize', 'embedDim', 'encoderUnits', 'encoderLayers', 'decoderUnits', 'decoderLayers', 'maxSourceLen', 'maxTargetLen'];
  for (const k of ints) {
    const v = c[k] as number;
    if (!Number.isInteger(v) || v < 1) throw new BabelfishError('BAD_ARGUMENT', `translator config: ${k} must be a positive integer, got ${v}`);
  }
  if (c.encoderLayers > 2 || c.decoderLayers > 2) throw new BabelfishError('BAD_ARGUMENT', 'translator config: at most 2 encoder and 2 decoder layers');
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new BabelfishError('BAD_ARGUMENT', `translator config: dropout must be in [0, 1), got ${c.dropout}`);
  if (!(c.labelSmoothing >= 0 && c.labelSmoothing < 1)) throw new BabelfishError('BAD_ARGUMENT', `translator config: labelSmoothing must be in [0, 1)`);
  if (!c.languages.length) throw new BabelfishError('BAD_ARGUMENT', 'translator config: no languages');
  if (!c.languages.includes(c.embedTag)) c.embedTag = c.languages[0];
  return c;
}
