/**
 * Speech encoder configuration: every architectural default in one place.
 *
 * Architecture (chosen for training speed on 2 CPU cores with tfjs WASM, see README):
 *   audio brought to the training level (`inputLevel`) -> log-mel [T, 80], globally normalised
 *   -> 2 causal 1-D convolutions over time, stride 2 each (4x subsampling: 32 ms frames at 8 ms hops)
 *   -> `dilations.length` residual blocks: LayerNorm, causal dilated conv (kernel `kernel`), ReLU, 1x1 projection
 *   -> LayerNorm -> linear to the character vocabulary (blank = 0)
 *   -> (optional) language-id head: mean over frames -> linear to `languages`.
 * Everything is causal: no lookahead at all, so streaming output equals batch output exactly.
 * Convolutions rather than an LSTM/GRU: all frames of a chunk go through one matMul per
 * layer, in training and in streaming, where a recurrence costs a dozen tfjs op calls per frame.
 */
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig } from '../../src/audio/config.ts';
import { DEFAULT_LEVEL_CONFIG, type LevelConfig } from '../../src/audio/level.ts';

export interface SpeechEncoderConfig {
  /** The log-mel front end the model was trained with (sample rate, window, hop, mels). */
  features: FeatureConfig;
  /** Log-mel bins of the network's input (features.nMels for the real front end). */
  numMels: number;
  /** Channels of the two strided front-end convolutions. */
  frontEndChannels: number;
  /** Kernel (in input frames) of the front-end convolutions. */
  frontEndKernel: number;
  /** Width of the residual stack. */
  hidden: number;
  /** Kernel of the dilated convolutions. */
  kernel: number;
  /** One residual block per entry. */
  dilations: number[];
  /** Size of the output softmax, blank included (the vocabulary's size). */
  vocabSize: number;
  /** Languages of the language-id head; empty disables the head. */
  languages: string[];
  /**
   * Input level normalisation before the features (null: none, as models trained before it).
   * Part of the model because the network learns the level of the audio it was trained on.
   */
  inputLevel: LevelConfig | null;
  /** Per-bin global mean and standard deviation of the training features (null: identity). */
  featureMean: number[] | null;
  featureStd: number[] | null;
  /** Seed for weight initialisation. */
  seed: number;
}

export const DEFAULT_SPEECH_ENCODER_CONFIG: SpeechEncoderConfig = {
  // 8 ms hops, not the project's 10 ms: 4x subsampled, 10 ms gives 25 output frames a second,
  // too few for CTC on a quarter of the French training sentences (French writes many letters
  // it does not say); 8 ms gives 31.
  features: { ...DEFAULT_FEATURE_CONFIG, hopLength: 128 },
  numMels: DEFAULT_FEATURE_CONFIG.nMels,
  frontEndChannels: 256,
  frontEndKernel: 3,
  hidden: 256,
  kernel: 3,
  dilations: [1, 2, 4, 8, 1, 2, 4, 8],
  vocabSize: 52,
  languages: ['en', 'es', 'fr', 'de'],
  inputLevel: { ...DEFAULT_LEVEL_CONFIG },
  featureMean: null,
  featureStd: null,
  seed: 1,
};

export function speechEncoderConfig(overrides: Partial<SpeechEncoderConfig> = {}): SpeechEncoderConfig {
  return { ...DEFAULT_SPEECH_ENCODER_CONFIG, ...overrides };
}

/** Feature frames in, encoder frames out (two stride-2 layers, each keeping ceil(n / 2)). */
export function outputFrames(inputFrames: number): number {
  return Math.ceil(Math.ceil(inputFrames / 2) / 2);
}

/** How far back an output frame sees, in input feature frames. */
export function receptiveFieldFrames(config: SpeechEncoderConfig): number {
  const stack = config.dilations.reduce((s, d) => s + (config.kernel - 1) * d, 0);
  // Stack frames are 4 input frames; front end: (k-1) at stride 2 then (k-1) at stride 4.
  return 4 * stack + 4 * (config.frontEndKernel - 1) + 2 * (config.frontEndKernel - 1) + 1;
}
