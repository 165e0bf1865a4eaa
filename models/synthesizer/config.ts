/**
 * Synthesizer configuration: every architectural default in one place.
 *
 * Architecture: a duration-based, non-autoregressive model (FastSpeech, Ren et al. 2019)
 * whose durations come from Monotonic Alignment Search (Glow-TTS, Kim et al. 2020):
 *
 *   characters + language + voice embeddings
 *   -> encoder: `encoderLayers` residual 1-D conv blocks (kernel `kernel`, LayerNorm, ReLU)
 *   -> (a) prior head: a linear map to an 80-bin mel "mean" per character, used only to align;
 *      (b) duration predictor: two conv blocks on the (gradient-stopped) encoder output -> log(1 + frames)
 *   -> length regulator: each character's vector repeated for its duration
 *      (+ its position inside the character, so long sounds need not be flat)
 *   -> decoder: `decoderLayers` residual conv blocks + voice embedding -> 80-bin normalised log-mel.
 *
 * Why this and not Tacotron 2: on 2 CPU cores with tfjs WASM an autoregressive LSTM decoder
 * costs one op chain per frame (hundreds per utterance) and its attention must first learn to
 * align, often failing on small data, and at inference it can loop or stop early. Here every
 * layer processes all frames in one matMul, training is a few hundred ms a step, and the output
 * length is the sum of bounded durations: it cannot run away.
 */

export interface SynthesizerConfig {
  /** Output feature geometry; must match src/audio's log-mel (80 bins, 10 ms hop, 16 kHz). */
  sampleRate: number;
  numMels: number;
  hopMs: number;
  /** Input symbols (index 0 is padding); see symbols.ts. */
  symbols: string[];
  /** Languages, in embedding order. */
  languages: string[];
  /** Voices (speaker ids 0..voices-1). */
  voices: number;
  /** Corpus speaker behind each voice id, when known (e.g. the espeak voice and variant). */
  voiceNames: string[];
  /** Width of every layer. */
  hidden: number;
  kernel: number;
  encoderLayers: number;
  decoderLayers: number;
  durationLayers: number;
  /** Frames a single character may last at inference (bounds the output). */
  maxFramesPerSymbol: number;
  /** Hard bound on frames of one synthesize() call (all sentences together). */
  maxOutputFrames: number;
  /** Silence between sentences, in frames. */
  sentencePauseFrames: number;
  /** Sentences longer than this are split further at commas / spaces. */
  maxSentenceChars: number;
  /** Per-bin statistics of the training mels; the network predicts normalised values. */
  melMean: number[] | null;
  melStd: number[] | null;
  /** Natural-log mel value used for silence (pauses, padding). */
  silenceLogMel: number;
  /**
   * Each sentence's mel deviations from its per-bin means are scaled by this at inference
   * (`postfilter.ts`; 1 = off). 1.3 was chosen on 160 dev sentences through Griffin-Lim and
   * the speech encoder: round-trip CER 32.2% at 1, 29.8% at 1.3, 29.6% at 1.6, lower in every
   * language; the milder of the two.
   */
  melSharpening: number;
  seed: number;
}

export const DEFAULT_SYNTHESIZER_CONFIG: SynthesizerConfig = {
  sampleRate: 16000,
  numMels: 80,
  hopMs: 10,
  symbols: [], // filled by synthesizerConfig() from symbols.ts
  languages: ['en', 'es', 'fr', 'de'],
  voices: 8,
  voiceNames: [],
  hidden: 192,
  kernel: 5,
  encoderLayers: 3,
  decoderLayers: 4,
  durationLayers: 2,
  maxFramesPerSymbol: 40,
  maxOutputFrames: 100 * 60, // one minute of speech
  sentencePauseFrames: 25,
  maxSentenceChars: 200,
  melMean: null,
  melStd: null,
  silenceLogMel: Math.log(1e-5),
  melSharpening: 1.3,
  seed: 1,
};

import { DEFAULT_SYMBOLS } from './symbols.ts';
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig } from '../../src/audio/config.ts';

export function synthesizerConfig(overrides: Partial<SynthesizerConfig> = {}): SynthesizerConfig {
  const c = { ...DEFAULT_SYNTHESIZER_CONFIG, ...overrides };
  if (!c.symbols.length) c.symbols = [...DEFAULT_SYMBOLS];
  return c;
}

/**
 * The log-mel geometry the synthesizer predicts, as a feature config: what Griffin-Lim
 * needs to invert its output without a vocoder.
 */
export function synthesizerFeatureConfig(c: Pick<SynthesizerConfig, 'sampleRate' | 'numMels' | 'hopMs'>): FeatureConfig {
  const { sampleRate, numMels, hopMs } = c;
  return { ...DEFAULT_FEATURE_CONFIG, sampleRate, nMels: numMels, hopLength: Math.round((sampleRate * hopMs) / 1000), fMax: Math.min(DEFAULT_FEATURE_CONFIG.fMax, sampleRate / 2) };
}
