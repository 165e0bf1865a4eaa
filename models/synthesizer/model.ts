/**
 * The synthesizer: build / load / save, and its task verb `synthesize` (text -> log-mel).
 *
 * Saved folder: `model.json` (format, config with symbols and mel statistics, tfjs weights
 * manifest) and `weights.bin` (tfjs weight encoding, float32).
 */
import * as tf from '@tensorflow/tfjs';
import { BabelfishError } from '../../src/errors.ts';
import { encodeWeights, initialVariables, loadVariables, readModelFolder, variableNamer, writeModelFolder } from '../common/weights-io.ts';
import { splitSentences } from '../../src/text/sentences.ts';
import { synthesizerConfig, type SynthesizerConfig } from './config.ts';
import { SymbolTable, utteranceIds } from './symbols.ts';
import type { MelSpectrogram } from '../../src/audio/types.ts';
import { decode, decoderBookkeeping, encode, initialWeights, weightShapes, FRAME_FEATURES, type Weights } from './network.ts';
import { durationsFromLog } from './alignment.ts';
import { sharpenMel } from './postfilter.ts';

export type { MelSpectrogram };

export interface SynthesizeOptions {
  lang: string;
  /** Voice id, 0..voices-1 (default 0). */
  voice?: number;
  /** Speaking rate: 1 normal, 2 twice as fast (0.25..4). */
  speed?: number;
}

export interface SentencePlan {
  sentence: string;
  ids: number[];
  dropped: string[];
}

export const MODEL_FORMAT = 'babelfish-synthesizer/1';

/** tfjs variable names are global; several synthesizers may live in one process. */
const uniqueName = variableNamer('synthesizer');

export class Synthesizer {
  readonly config: SynthesizerConfig;
  readonly symbols: SymbolTable;
  readonly weights: Record<string, tf.Variable>;
  /** Characters the last synthesize() call dropped (not in the inventory). */
  lastDropped: string[] = [];

  constructor(config: SynthesizerConfig, weights: Record<string, tf.Variable>) {
    this.config = config;
    this.symbols = new SymbolTable(config.symbols);
    this.weights = weights;
  }

  get languages(): readonly string[] {
    return this.config.languages;
  }

  get voices(): number {
    return this.config.voices;
  }

  checkLanguage(lang: string): number {
    const i = this.config.languages.indexOf(lang);
    if (i < 0) throw new BabelfishError('UNSUPPORTED_LANGUAGE', `the synthesizer speaks ${this.config.languages.join(', ')}, not '${lang}'`);
    return i;
  }

  checkVoice(voice: number): void {
    if (!Number.isInteger(voice) || voice < 0 || voice >= this.config.voices) {
      throw new BabelfishError('BAD_ARGUMENT', `voice must be an integer 0..${this.config.voices - 1}, got ${voice}`);
    }
  }

  /** Text -> sentences -> symbol ids, empty sentences removed. */
  plan(text: string, lang: string): SentencePlan[] {
    this.checkLanguage(lang);
    const out: SentencePlan[] = [];
    for (const sentence of splitSentences(text, { lang, maxChars: this.config.maxSentenceChars })) {
      const n = utteranceIds(this.symbols, sentence, lang);
      // A sentence of only pauses says nothing.
      if (n.ids.some((id) => this.symbols.symbols[id] !== ' ' && !',.?!'.includes(this.symbols.symbols[id]!))) {
        out.push({ sentence: n.text, ids: n.ids, dropped: n.dropped });
      } else if (n.dropped.length) out.push({ sentence: '', ids: [], dropped: n.dropped });
    }
    return out;
  }

  /** Predicted log(1 + frames) per symbol of one sentence. */
  predictLogDurations(ids: number[], lang: number, voice: number): Float32Array {
    return tf.tidy(() => {
      const enc = encode(this.weights as Weights, this.config, {
        ids: tf.tensor2d([ids], [1, ids.length], 'int32'),
        lang: tf.tensor1d([lang], 'int32'),
        voice: tf.tensor1d([voice], 'int32'),
      });
      return enc.logDuration.dataSync() as Float32Array;
    }).slice();
  }

  /** Normalised mel [frames, numMels] of one sentence with given durations (teacher forcing or predicted). */
  melForDurations(ids: number[], lang: number, voice: number, durations: number[]): Float32Array {
    const book = decoderBookkeeping([durations], ids.length);
    return tf.tidy(() => {
      const enc = encode(this.weights as Weights, this.config, {
        ids: tf.tensor2d([ids], [1, ids.length], 'int32'),
        lang: tf.tensor1d([lang], 'int32'),
        voice: tf.tensor1d([voice], 'int32'),
      });
      const out = decode(this.weights as Weights, this.config, enc.hidden, {
        gather: book.gather,
        frameFeatures: tf.tensor3d(book.frameFeatures, [1, book.maxFrames, FRAME_FEATURES]),
        frameMask: tf.tensor3d(book.frameMask, [1, book.maxFrames, 1]),
        voice: tf.tensor1d([voice], 'int32'),
      });
      return out.dataSync() as Float32Array;
    }).slice(0, book.frames[0]! * this.config.numMels);
  }

  /** Normalised network output back to natural-log mel, in place. */
  denormalize(mel: Float32Array): Float32Array {
    const { melMean, melStd, numMels } = this.config;
    if (!melMean || !melStd) return mel;
    for (let i = 0; i < mel.length; i++) mel[i] = mel[i]! * melStd[i % numMels]! + melMean[i % numMels]!;
    return mel;
  }

  /**
   * Text to log-mel frames ([frames x 80], natural log, 10 ms hop), sentence by sentence with
   * `sentencePauseFrames` of silence between them. Empty (or unspeakable) text gives zero frames.
   * The output never exceeds `maxOutputFrames`: durations are clamped per symbol, and
   * sentences past the bound are left out (noted in `lastDropped` as '…').
   */
  async synthesize(text: string, options: SynthesizeOptions): Promise<MelSpectrogram> {
    if (typeof text !== 'string') throw new BabelfishError('BAD_ARGUMENT', 'text must be a string');
    const lang = this.checkLanguage(options.lang);
    const voice = options.voice ?? 0;
    this.checkVoice(voice);
    const speed = options.speed ?? 1;
    if (!(speed >= 0.25 && speed <= 4)) throw new BabelfishError('BAD_ARGUMENT', `speed must be within 0.25..4, got ${speed}`);
    const { numMels, maxOutputFrames, sentencePauseFrames, maxFramesPerSymbol, silenceLogMel } = this.config;
    const plans = this.plan(text, options.lang);
    this.lastDropped = [...new Set(plans.flatMap((p) => p.dropped))];
    const pieces: Float32Array[] = [];
    let total = 0;
    for (const p of plans) {
      if (!p.ids.length) continue;
      const pause = pieces.length ? sentencePauseFrames : 0;
      const durations = durationsFromLog(this.predictLogDurations(p.ids, lang, voice), speed, maxFramesPerSymbol);
      let frames = durations.reduce((a, b) => a + b, 0);
      if (frames === 0) durations[0] = frames = 1;
      if (total + pause + frames > maxOutputFrames) {
        this.lastDropped.push('\u2026');
        break;
      }
      if (pause) pieces.push(new Float32Array(pause * numMels).fill(silenceLogMel));
      pieces.push(sharpenMel(this.denormalize(this.melForDurations(p.ids, lang, voice, durations)), frames, numMels, this.config.melSharpening));
      total += pause + frames;
    }
    const data = new Float32Array(total * numMels);
    let o = 0;
    for (const piece of pieces) {
      data.set(piece, o);
      o += piece.length;
    }
    return { data, frames: total, bins: numMels };
  }

  async save(dir: string): Promise<void> {
    const { data, specs } = await encodeWeights(weightShapes(this.config), this.weights);
    // Saved synthesizers have a one-line model.json.
    await writeModelFolder(dir, { format: MODEL_FORMAT, config: this.config, data, specs, indent: 0 });
  }

  static build(overrides: Partial<SynthesizerConfig> = {}): Synthesizer {
    const config = synthesizerConfig(overrides);
    return new Synthesizer(config, initialVariables(weightShapes(config), initialWeights(config), uniqueName));
  }

  static async load(dir: string): Promise<Synthesizer> {
    const folder = await readModelFolder<SynthesizerConfig>(dir, MODEL_FORMAT, 'synthesizer');
    const config = synthesizerConfig(folder.config);
    return new Synthesizer(config, loadVariables(folder, weightShapes(config), uniqueName));
  }

  dispose(): void {
    tf.dispose(Object.values(this.weights));
  }
}

/** `buildSynthesizer(config)`: a freshly initialised model. */
export function buildSynthesizer(overrides: Partial<SynthesizerConfig> = {}): Synthesizer {
  return Synthesizer.build(overrides);
}

/** `loadSynthesizer(dir)`: a saved model. */
export function loadSynthesizer(dir: string): Promise<Synthesizer> {
  return Synthesizer.load(dir);
}
