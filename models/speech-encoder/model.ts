/**
 * The speech encoder: build / load / save, and its task verb `transcribe`.
 *
 * Saved folder: `model.json` (config, vocabulary, tfjs weights manifest),
 * `weights.bin` (tfjs weight encoding, float32 by default, float16 with `save(dir, { float16: true })`),
 * `vocab.json`.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { BabelfishError } from '../../src/errors.ts';
import { encodeWeights, initialVariables, loadVariables, readModelFolder, variableNamer, writeModelFolder } from '../common/weights-io.ts';
import { greedyDecode, prefixBeamSearch, type BeamHypothesis, type BeamSearchOptions } from '../../src/ctc/decode.ts';
import { futureTapsOf, speechEncoderConfig, type SpeechEncoderConfig } from './config.ts';
import { Vocab, defaultVocab } from './vocab.ts';
import { forward, initialWeights, weightShapes, type Weights } from './network.ts';
import type { FeatureSource, LogMelFrames } from './features.ts';
import { StreamingRecognizer } from './streaming.ts';
import { logMelFeatureSource } from './log-mel-source.ts';
import type { LevelConfig } from '../../src/audio/level.ts';
import type { FeatureConfig } from '../../src/audio/config.ts';
import { SpeechLanguageModels } from './language-model.ts';

/**
 * The beam search skips characters whose log-probability at a frame is more than this below
 * the frame's best. CTC posteriors are peaky, so a wide margin only adds work: on 200 dev
 * utterances (beam 16 with the LM) margins of 12, 10, 8 and 6 nats gave the same CER and 6
 * took about a third of the time of 12; 4 lost 0.2 points.
 */
export const BEAM_PRUNE_LOG_PROB = 6;

export interface TranscribeOptions {
  /**
   * Prefix beam width; 1 means greedy. Default: the language model's beam width when the
   * model has language models (and `useLm` is not false), else 1.
   */
  beamWidth?: number;
  /** Fuse the language's character LM into the beam search when the model has one (default true). */
  useLm?: boolean;
  /** Known language (skips detection); must be one of the model's languages when given. */
  lang?: string;
}

export interface Transcript {
  text: string;
  /** Given, or detected by the language head (undefined if the model has none). */
  lang?: string;
  /** Language-head probabilities, by language. */
  langProbs?: Record<string, number>;
  /** Encoder output frames and their duration in seconds. */
  frames: number;
  frameSeconds: number;
}

export const MODEL_FORMAT = 'babelfish-speech-encoder/1';

/** A residual block to add to a trained model (`grow`). */
export interface GrowBlock {
  dilation: number;
  futureTaps: number;
}

/** Languages the final decode tries when the language is not given (the head's likeliest ones). */
export const LANGUAGE_CANDIDATES = 2;

/** tfjs variable names are global; several encoders may live in one process. */
const uniqueName = variableNamer('speech-encoder');

export class SpeechEncoder {
  readonly config: SpeechEncoderConfig;
  readonly vocab: Vocab;
  /** Trainable variables, by weight name. */
  readonly weights: Record<string, tf.Variable>;
  features: FeatureSource | null;
  /** Whether `features` is the default front end made from the config (rebuilt when it changes). */
  private ownFeatures: boolean;
  /** Character LMs for beam search, per language (from `<dir>/lm/`), or null. */
  languageModels: SpeechLanguageModels | null = null;

  constructor(config: SpeechEncoderConfig, vocab: Vocab, weights: Record<string, tf.Variable>, features: FeatureSource | null = null) {
    if (config.vocabSize !== vocab.size) {
      throw new BabelfishError('MODEL_INVALID', `config.vocabSize ${config.vocabSize} != vocabulary size ${vocab.size}`);
    }
    this.config = config;
    this.vocab = vocab;
    this.weights = weights;
    this.ownFeatures = features === null;
    this.features = features ?? this.defaultFeatures();
  }

  /** The real front end (with the config's input level normalisation), when the network's input width matches it. */
  private defaultFeatures(): FeatureSource | null {
    const c = this.config;
    return c.features.nMels === c.numMels ? logMelFeatureSource(c.features, c.inputLevel) : null;
  }

  /**
   * Sets the input level normalisation (training does, to that of the features it trains on,
   * so the saved config says what the weights expect).
   */
  setInputLevel(level: LevelConfig | null): void {
    this.config.inputLevel = level ? { ...level } : null;
    if (this.ownFeatures) this.features = this.defaultFeatures();
  }

  /** Sets the log-mel configuration the weights expect (training does, to that of its features). */
  setFeatureConfig(features: FeatureConfig): void {
    this.config.features = { ...features };
    if (this.ownFeatures) this.features = this.defaultFeatures();
  }

  get languages(): readonly string[] {
    return this.config.languages;
  }

  /** Seconds per encoder output frame (4 feature hops). */
  get frameSeconds(): number {
    return (4 * this.config.features.hopLength) / this.config.features.sampleRate;
  }

  get sampleRate(): number {
    return this.features?.sampleRate ?? this.config.features.sampleRate;
  }

  /** Forward pass on a padded batch of raw log-mel features [B, T, numMels]. */
  apply(features: tf.Tensor3D, lengths?: number[]) {
    return forward(this.weights as Weights, this.config, features, lengths);
  }

  /** Per-frame log-probabilities [T'][V] and language probabilities of one utterance's features. */
  logProbs(feats: LogMelFrames): { rows: Float32Array[]; langProbs: Float32Array | null } {
    if (feats.bins !== this.config.numMels) {
      throw new BabelfishError('BAD_ARGUMENT', `features have ${feats.bins} bins, the model expects ${this.config.numMels}`);
    }
    if (feats.frames === 0) return { rows: [], langProbs: null };
    const { lp, lang } = tf.tidy(() => {
      const x = tf.tensor3d(feats.data.subarray(0, feats.frames * feats.bins), [1, feats.frames, feats.bins]);
      const out = this.apply(x);
      const lp = tf.logSoftmax(out.logits).squeeze([0]);
      return out.langLogits ? { lp, lang: tf.softmax(out.langLogits).squeeze([0]) } : { lp };
    }) as { lp: tf.Tensor2D; lang?: tf.Tensor1D };
    const flat = lp.dataSync() as Float32Array;
    const [T, V] = lp.shape;
    const rows = Array.from({ length: T }, (_, t) => flat.subarray(t * V, (t + 1) * V));
    const langProbs = lang ? (lang.dataSync() as Float32Array).slice() : null;
    tf.dispose([lp, lang ?? []]);
    return { rows, langProbs };
  }

  /** The beam width `options` asks for, the language models' default when it does not say. */
  beamWidthFor(options: TranscribeOptions): number {
    if (options.beamWidth !== undefined) return options.beamWidth;
    return this.languageModels && options.useLm !== false ? this.languageModels.fusion.beamWidth : 1;
  }

  /** Attaches character LMs (null detaches); their vocabulary must be this model's. */
  setLanguageModels(lms: SpeechLanguageModels | null): void {
    for (const [lang, lm] of Object.entries(lms?.models ?? {})) {
      if (lm.vocabSize !== this.vocab.size) throw new BabelfishError('MODEL_INVALID', `the ${lang} language model has ${lm.vocabSize} symbols, the speech encoder ${this.vocab.size}`);
    }
    this.languageModels = lms;
  }

  /**
   * Decodes per-frame log-probabilities to text: greedy for beam width 1, else prefix beam
   * search, fused with `lang`'s character LM when there is one and `useLm` is not false.
   */
  decodeRows(rows: readonly Float32Array[], beamWidth = 1, lang?: string, useLm = true): string {
    if (beamWidth <= 1) return this.vocab.decode(greedyDecode(rows, 0));
    return this.vocab.decode(prefixBeamSearch(rows, this.beamSearchOptions(beamWidth, lang, useLm))[0].labels);
  }

  /** The prefix beam search settings `decodeRows` uses (the streaming recogniser shares them). */
  beamSearchOptions(beamWidth: number, lang?: string, useLm = true): BeamSearchOptions {
    const fusion = useLm ? this.languageModels?.beamOptions(lang) : undefined;
    return { beamWidth, blank: 0, pruneLogProb: BEAM_PRUNE_LOG_PROB, ...fusion };
  }

  /** Whether `decodeRows` would use a language model for `lang`. */
  hasLanguageModel(lang: string | undefined, useLm = true): boolean {
    return useLm && lang !== undefined && this.languageModels?.models[lang] !== undefined;
  }

  /** Turns language-head probabilities (or a given language) into the transcript's language fields. */
  resolveLanguage(langProbs: Float32Array | null, given?: string): Pick<Transcript, 'lang' | 'langProbs'> {
    const probs = langProbs ? Object.fromEntries(this.config.languages.map((l, i) => [l, langProbs[i]])) : undefined;
    if (given) return { lang: given, langProbs: probs };
    if (!langProbs || !this.config.languages.length) return { langProbs: probs };
    let best = 0;
    for (let i = 1; i < langProbs.length; i++) if (langProbs[i] > langProbs[best]) best = i;
    return { lang: this.config.languages[best], langProbs: probs };
  }

  /**
   * The language and the final hypothesis when the language was not given and LMs decode: the
   * head's two likeliest languages are each searched with their own LM, and the better search
   * score plus log head probability wins. The head alone reads channel cues (the only recorded
   * voice in training speaks English and Spanish, so a studio recording of French was taken for
   * either); a language's LM knows its spelling. Null when there is nothing to choose between.
   */
  chooseLanguageBySearch(
    langProbs: Float32Array | null,
    useLm: boolean,
    beamWidth: number,
    best: (lang: string) => BeamHypothesis | undefined,
  ): { lang: string; hypothesis: BeamHypothesis | null } | null {
    if (!langProbs || beamWidth <= 1) return null;
    const candidates = this.config.languages
      .map((lang, i) => ({ lang, p: langProbs[i] }))
      .filter((c) => this.hasLanguageModel(c.lang, useLm))
      .sort((a, b) => b.p - a.p)
      .slice(0, LANGUAGE_CANDIDATES);
    if (candidates.length < 2) return null;
    let chosen: { lang: string; hypothesis: BeamHypothesis | null; score: number } | null = null;
    for (const c of candidates) {
      const h = best(c.lang) ?? null;
      const score = (h ? h.logProb : -Infinity) + Math.log(Math.max(c.p, 1e-30));
      if (!chosen || score > chosen.score) chosen = { lang: c.lang, hypothesis: h, score };
    }
    return { lang: chosen!.lang, hypothesis: chosen!.hypothesis };
  }

  checkLanguage(lang?: string): void {
    if (lang !== undefined && lang !== 'auto' && !this.config.languages.includes(lang)) {
      throw new BabelfishError('UNSUPPORTED_LANGUAGE', `language '${lang}' is not one of ${this.config.languages.join(', ')}`);
    }
  }

  transcribeFeatures(feats: LogMelFrames, options: TranscribeOptions = {}): Transcript {
    this.checkLanguage(options.lang);
    const { rows, langProbs } = this.logProbs(feats);
    const given = options.lang === 'auto' ? undefined : options.lang;
    const language = this.resolveLanguage(langProbs, given);
    const useLm = options.useLm !== false;
    const beamWidth = this.beamWidthFor(options);
    const chosen = given ? null : this.chooseLanguageBySearch(langProbs, useLm, beamWidth, (lang) => prefixBeamSearch(rows, this.beamSearchOptions(beamWidth, lang, useLm))[0]);
    if (chosen) language.lang = chosen.lang;
    const text = chosen ? this.vocab.decode(chosen.hypothesis?.labels ?? []) : this.decodeRows(rows, beamWidth, language.lang, useLm);
    return { text, ...language, frames: rows.length, frameSeconds: this.frameSeconds };
  }

  /** 16 kHz mono samples to text. */
  async transcribe(audio: Float32Array, options: TranscribeOptions = {}): Promise<Transcript> {
    return this.transcribeFeatures(this.requireFeatures().compute(audio), options);
  }

  /** A recogniser for one utterance arriving in chunks. */
  stream(options: TranscribeOptions = {}): StreamingRecognizer {
    return new StreamingRecognizer(this, options);
  }

  requireFeatures(): FeatureSource {
    if (!this.features) throw new BabelfishError('MODEL_INVALID', 'this speech encoder has no feature front end attached');
    return this.features;
  }

  /** The model folder; `float16` stores the weights at half the size (they load as float32). */
  async save(dir: string, options: { float16?: boolean } = {}): Promise<void> {
    const { data, specs } = await encodeWeights(weightShapes(this.config), this.weights, options);
    const companions = async (d: string) => {
      await this.vocab.save(join(d, 'vocab.json'));
      if (this.languageModels) await this.languageModels.save(d);
    };
    // a causal model's config is saved without futureTaps, so folders made before lookahead existed save unchanged
    const { futureTaps, ...causal } = this.config;
    const config = futureTaps.some((f) => f > 0) ? this.config : causal;
    await writeModelFolder(dir, { format: MODEL_FORMAT, config, data, specs, indent: 1, companions });
  }

  static build(overrides: Partial<SpeechEncoderConfig> = {}, vocab: Vocab = defaultVocab(), features: FeatureSource | null = null): SpeechEncoder {
    const config = speechEncoderConfig({ vocabSize: vocab.size, ...overrides });
    const weights = initialVariables(weightShapes(config), initialWeights(config), uniqueName);
    return new SpeechEncoder(config, vocab, weights, features);
  }

  /**
   * A deeper model that computes exactly what this one does: `blocks` residual blocks appended
   * to the stack, each with its projection at zero (so it adds nothing until trained; its
   * conv starts at the usual random init, so the gradient reaches it once the projection
   * moves). Blocks with future taps give the grown model lookahead. This model is left as is.
   */
  grow(blocks: readonly GrowBlock[]): SpeechEncoder {
    const n = this.config.dilations.length;
    const config = speechEncoderConfig({
      ...this.config,
      dilations: [...this.config.dilations, ...blocks.map((b) => b.dilation)],
      futureTaps: [...Array.from({ length: n }, (_, i) => futureTapsOf(this.config, i)), ...blocks.map((b) => b.futureTaps)],
    });
    const fresh = initialWeights(config);
    const values: Record<string, Float32Array> = {};
    for (const [name] of weightShapes(config)) {
      const own = this.weights[name];
      values[name] = own ? (own.dataSync() as Float32Array).slice() : /^block\d+\/proj\//.test(name) ? new Float32Array(fresh[name]!.length) : fresh[name]!;
    }
    const grown = new SpeechEncoder(config, this.vocab, initialVariables(weightShapes(config), values, uniqueName), this.ownFeatures ? null : this.features);
    grown.setLanguageModels(this.languageModels);
    return grown;
  }

  static async load(dir: string, features: FeatureSource | null = null): Promise<SpeechEncoder> {
    const folder = await readModelFolder<SpeechEncoderConfig>(dir, MODEL_FORMAT, 'speech encoder');
    const vocab = await Vocab.load(join(dir, 'vocab.json'));
    // A model saved before input level normalisation existed was trained without it.
    const config = speechEncoderConfig({ inputLevel: null, ...(folder.config as Partial<SpeechEncoderConfig>) });
    const encoder = new SpeechEncoder(config, vocab, loadVariables(folder, weightShapes(config), uniqueName), features);
    encoder.setLanguageModels(await SpeechLanguageModels.load(dir, encoder.vocab));
    return encoder;
  }

  dispose(): void {
    tf.dispose(Object.values(this.weights));
  }
}
