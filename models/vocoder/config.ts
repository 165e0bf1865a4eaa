/**
 * WaveNet vocoder configuration: every architectural default in one place.
 *
 * Network (van den Oord et al. 2016, as a mel-conditioned vocoder like Tacotron 2's):
 *   previous mu-law code -> embedding [R]                       (a lookup: the one-hot 1x1 conv)
 *   -> `dilations.length` layers: z = Wd [h(t-d); h(t)] + c_l(frame) + b   (2-tap dilated causal conv, R -> 2R)
 *                                 g = tanh(z[:R]) * sigmoid(z[R:])
 *                                 h += Wr g + br  (R -> R)      skip += Ws g + bs  (R -> S)
 *   -> ReLU -> S x H -> ReLU -> H x 256 -> mu-law logits.
 * Conditioning: log-mel [F, 80], normalised -> a kernel-3 conv over frames (80*3 -> condChannels, tanh)
 *   -> one projection to every layer's 2R gate inputs at once. All of it runs once per mel frame,
 *   and the result is repeated over the frame's `hop` samples ("repeat" upsampling: free at
 *   generation time, where a transposed convolution would cost per sample; the kernel-3 frame
 *   conv supplies the context between frames).
 *
 * Receptive field with kernel 2: 1 + sum(dilations) = 1024 samples (64 ms at 16 kHz) for 1..512.
 *
 * Per-sample cost of the default (multiply-adds; the conditioning is per frame, 1/160 of it):
 *   per layer: dilated conv 2R x 2R = 4096, residual R x R = 1024, skip R x S = 2048   -> 7168
 *   10 layers: 71,680;  head: S x H + H x 256 = 4096 + 16,384 = 20,480
 *   total ~92k MAC = ~184 kFLOP per sample, plus 2R exps per layer and 256 for the softmax.
 *   Real time at 16 kHz: 1.5 GMAC/s; RTF 0.25 needs 64k samples/s = 5.9 GMAC/s on one core.
 * Measured here (2-core EPYC, Node 20): plain JS loops reach ~0.47 GMAC/s (RTF ~2.4 for this
 * network), the WASM SIMD kernel (wasm/kernel.as) ~7 GMAC/s, i.e. ~77k samples/s, RTF ~0.21.
 * Hence R=32, S=64, H=64, one cycle of 10 layers: R=64 would be RTF ~0.7, 20 layers ~0.38.
 * The 256-way head is 22% of the work; a logistic mixture would save most of it but trains
 * slower and is harder to sample exactly, so the categorical head stays.
 *
 * Excitation mode 'lpc' (LPCNet, Valin & Skoglund 2019): the network works on the
 * pre-emphasised signal x, and each mel frame also gives a linear predictor (src/audio/lpc.ts),
 * so p(t) = sum_k a_k x(t-1-k) is known before the network runs. The network then predicts
 * only the residual e(t) = x(t) - p(t) (the output codes are mu-law e), from the sum of three
 * embeddings: x(t-1), p(t) and e(t-1). The envelope comes from the predictor for free, and
 * the residual of voiced speech is a pulse train, which shows the pitch far more plainly than
 * the waveform does. It costs 16 multiply-adds per sample and two more table lookups.
 *
 * Long-term prediction (`pitchBins` > 0, lpc mode only): the residual of voiced speech repeats
 * every pitch period P, so a fourth input embedding gives the network e(t - P), the residual one
 * period back (the long-term predictor of CELP codecs, fed to the network instead of
 * subtracted). It hands the network the pulse it has to repeat, which a mel-only WaveNet
 * must otherwise find in its own history (ours, trained for hours rather than weeks, did not:
 * its voiced speech came out as a whisper). P comes from a pitch head over the same mel
 * context as the conditioning, trained with a cross-entropy over `pitchBins` log-spaced period
 * classes plus "unvoiced" against the NCCF pitch of the training audio (src/audio/pitch.ts);
 * in training the input uses the measured P, in generation the head's. One more table lookup
 * per sample; the head runs once per frame.
 *
 * Pulses (`pulses`, with long-term prediction): e(t-P) can only repeat a pulse the network has
 * already drawn, and a network that draws noise repeats noise. So one more input marks the
 * samples where a glottal pulse falls, a learnt vector added to the input when it does (the
 * deterministic source of source-filter vocoders, NSF and ExcitNet). In training the marks are
 * the epochs of the true residual (its largest sample in each period of a voiced stretch); in
 * generation a phase accumulator fires every P samples of the pitch head's period.
 */
import { BabelfishError } from '../../src/errors.ts';

export interface VocoderConfig {
  sampleRate: number;
  /** mu-law classes of the output softmax and the input embedding. */
  quantizationChannels: number;
  /** Residual channels R. */
  residualChannels: number;
  /** Skip channels S. */
  skipChannels: number;
  /** Hidden width H of the output head. */
  headChannels: number;
  /** One gated layer per entry (kernel 2). */
  dilations: number[];
  /** Mel conditioning. */
  numMels: number;
  /** Samples per mel frame. */
  hop: number;
  /** Analysis window of the mel frames in samples (frames are not centred). */
  melWindow: number;
  /** Width of the per-frame conditioning conv. */
  condChannels: number;
  /** Global mean / std of the log-mel features used in training (set by the training script). */
  melMean: number;
  melStd: number;
  /** Weight-initialisation seed. */
  seed: number;
  /** 'none': the output is the next sample's code; 'lpc': the next residual's (see above). */
  excitation: 'none' | 'lpc';
  /** Predictor taps in 'lpc' mode. */
  lpcOrder: number;
  /** Pre-emphasis coefficient in 'lpc' mode. */
  preEmphasis: number;
  /** Long-term prediction (lpc mode): period classes of the pitch head; 0 = none. */
  pitchBins: number;
  /** Period range of the classes, samples (40..320 = 400..50 Hz at 16 kHz). */
  minPeriod: number;
  maxPeriod: number;
  /** Hidden width of the pitch head. */
  pitchHidden: number;
  /** With long-term prediction: a pulse-position input (see above). */
  pulses: boolean;
}

export const DEFAULT_VOCODER_CONFIG: VocoderConfig = {
  sampleRate: 16000,
  quantizationChannels: 256,
  residualChannels: 32,
  skipChannels: 64,
  headChannels: 64,
  dilations: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
  numMels: 80,
  hop: 160,
  melWindow: 400,
  condChannels: 64,
  melMean: 0,
  melStd: 1,
  seed: 1,
  // 'none' so that a saved config without the field (every model before the mode existed) means what it meant
  excitation: 'none',
  lpcOrder: 16,
  preEmphasis: 0.85,
  // 0 so that configs saved before long-term prediction existed load as what they were
  pitchBins: 0,
  minPeriod: 40,
  maxPeriod: 320,
  pitchHidden: 128,
  pulses: false,
};

/** Residual codes the generator keeps for long-term prediction (wasm/kernel.as); maxPeriod must be below it. */
export const LTP_RING = 512;

export function vocoderConfig(overrides: Partial<VocoderConfig> = {}): VocoderConfig {
  const c = { ...DEFAULT_VOCODER_CONFIG, ...overrides, dilations: [...(overrides.dilations ?? DEFAULT_VOCODER_CONFIG.dilations)] };
  validateVocoderConfig(c);
  return c;
}

export function validateVocoderConfig(c: VocoderConfig): void {
  const bad = (why: string) => {
    throw new BabelfishError('MODEL_INVALID', `vocoder config: ${why}`);
  };
  // The SIMD kernel works four floats at a time.
  for (const k of ['residualChannels', 'skipChannels', 'headChannels', 'quantizationChannels'] as const) {
    if (!Number.isInteger(c[k]) || c[k] <= 0 || c[k] % 4 !== 0) bad(`${k} must be a positive multiple of 4 (got ${c[k]})`);
  }
  if (!c.dilations.length || c.dilations.some((d) => !Number.isInteger(d) || d < 1)) bad('dilations must be positive integers');
  if (!(c.hop > 0 && c.numMels > 0 && c.condChannels > 0 && c.melStd > 0)) bad('hop, numMels, condChannels and melStd must be positive');
  if (c.excitation !== 'none' && c.excitation !== 'lpc') bad(`excitation must be 'none' or 'lpc' (got ${String(c.excitation)})`);
  if (!Number.isInteger(c.lpcOrder) || c.lpcOrder < 1 || c.lpcOrder > 64) bad('lpcOrder must be an integer in 1..64');
  if (!(c.preEmphasis >= 0 && c.preEmphasis < 1)) bad('preEmphasis must be in [0, 1)');
  if (!Number.isInteger(c.pitchBins) || c.pitchBins < 0 || c.pitchBins > 255) bad('pitchBins must be an integer in 0..255');
  if (c.pitchBins > 0) {
    if (c.excitation !== 'lpc') bad('long-term prediction (pitchBins > 0) needs the lpc excitation');
    if (!(Number.isInteger(c.minPeriod) && Number.isInteger(c.maxPeriod) && c.minPeriod >= 2 && c.minPeriod < c.maxPeriod && c.maxPeriod < LTP_RING)) bad(`need integer periods 2 <= minPeriod < maxPeriod < ${LTP_RING}`);
    if (!Number.isInteger(c.pitchHidden) || c.pitchHidden < 1) bad('pitchHidden must be a positive integer');
  }
  if (c.pulses && c.pitchBins <= 0) bad('pulses need long-term prediction (pitchBins > 0)');
}

/** The period classes of a long-term-prediction vocoder (src/audio/pitch.ts). */
export function periodClasses(c: Pick<VocoderConfig, 'pitchBins' | 'minPeriod' | 'maxPeriod'>): { bins: number; minPeriod: number; maxPeriod: number } {
  return { bins: c.pitchBins, minPeriod: c.minPeriod, maxPeriod: c.maxPeriod };
}

/** Samples of history one output sample depends on (kernel 2). */
export function receptiveField(c: Pick<VocoderConfig, 'dilations'>): number {
  return 1 + c.dilations.reduce((a, b) => a + b, 0);
}

/**
 * Which mel frame conditions output sample t: the frame whose analysis window is centred
 * nearest to t. Frames start at f * hop and span melWindow samples, so frame f is centred at
 * f * hop + melWindow / 2.
 */
export function condOffset(c: Pick<VocoderConfig, 'hop' | 'melWindow'>): number {
  return Math.round((c.melWindow - c.hop) / 2);
}
