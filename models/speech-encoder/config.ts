/**
 * Speech encoder configuration: every architectural default in one place.
 *
 * Architecture (chosen for training speed on 2 CPU cores with tfjs WASM, see README):
 *   audio brought to the training level (`inputLevel`) -> log-mel [T, 80], globally normalised
 *   -> 2 causal 1-D convolutions over time, stride 2 each (4x subsampling: 32 ms frames at 8 ms hops)
 *   -> `dilations.length` residual blocks: LayerNorm, dilated conv (kernel `kernel`), ReLU, 1x1 projection
 *   -> LayerNorm -> linear to the character vocabulary (blank = 0)
 *   -> (optional) language-id head: mean over frames -> linear to `languages`.
 * The convolutions are causal except for the blocks `futureTaps` gives taps in the future: a
 * small fixed lookahead (`lookaheadFrames`), which the streaming recogniser pays as latency,
 * holding each such block's output back until its future frames have arrived, so streaming
 * output still equals batch output exactly.
 * Convolutions rather than an LSTM/GRU: all frames of a chunk go through one matMul per
 * layer, in training and in streaming, where a recurrence costs a dozen tfjs op calls per frame.
 */
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig } from '../../src/audio/config.ts';
import { DEFAULT_LEVEL_CONFIG, type LevelConfig } from '../../src/audio/level.ts';
import { BabelfishError } from '../../src/errors.ts';

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
  /**
   * Per block, how many of its conv's `kernel` taps lie in the future (0: causal; with kernel 3,
   * 1 centres it), so block i sees futureTaps[i] * dilations[i] frames ahead. Missing entries are
   * 0 (models saved before lookahead existed have none).
   */
  futureTaps: number[];
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
  futureTaps: [],
  vocabSize: 52,
  languages: ['en', 'es', 'fr', 'de'],
  inputLevel: { ...DEFAULT_LEVEL_CONFIG },
  featureMean: null,
  featureStd: null,
  seed: 1,
};

export function speechEncoderConfig(overrides: Partial<SpeechEncoderConfig> = {}): SpeechEncoderConfig {
  const config = { ...DEFAULT_SPEECH_ENCODER_CONFIG, ...overrides };
  if (config.futureTaps.length > config.dilations.length) throw new BabelfishError('BAD_ARGUMENT', `futureTaps has ${config.futureTaps.length} entries for ${config.dilations.length} blocks`);
  config.futureTaps.forEach((f) => {
    if (!Number.isInteger(f) || f < 0 || f > config.kernel - 1) throw new BabelfishError('BAD_ARGUMENT', `a block's future taps must be an integer in 0..${config.kernel - 1} (kernel ${config.kernel}), got ${f}`);
  });
  return config;
}

/** Future taps of block i (0 where the config has no entry). */
export function futureTapsOf(config: SpeechEncoderConfig, i: number): number {
  return config.futureTaps[i] ?? 0;
}

/** How many encoder frames ahead an output frame sees (the stack's lookahead; 0 = causal). */
export function lookaheadFrames(config: SpeechEncoderConfig): number {
  return config.dilations.reduce((s, d, i) => s + futureTapsOf(config, i) * d, 0);
}

/** Feature frames in, encoder frames out (two stride-2 layers, each keeping ceil(n / 2)). */
export function outputFrames(inputFrames: number): number {
  return Math.ceil(Math.ceil(inputFrames / 2) / 2);
}

/** How far back an output frame sees, in input feature frames (the past only). */
export function receptiveFieldFrames(config: SpeechEncoderConfig): number {
  const stack = config.dilations.reduce((s, d, i) => s + (config.kernel - 1 - futureTapsOf(config, i)) * d, 0);
  // Stack frames are 4 input frames; front end: (k-1) at stride 2 then (k-1) at stride 4.
  return 4 * stack + 4 * (config.frontEndKernel - 1) + 2 * (config.frontEndKernel - 1) + 1;
}
