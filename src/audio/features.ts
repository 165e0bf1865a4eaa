/**
 * Log-mel spectrogram, batch and streaming. Both run the same per-frame code on
 * the same samples, so the streaming extractor gives bit-identical frames for
 * any chunking (tested with random chunk sizes).
 */
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig } from './config.ts';
import { realFft, type RealFft } from './fft.ts';
import { frameCount } from './framing.ts';
import { applyFilterbank, checkFeatureConfig, melFilterbank, sparseFilterbank, type SparseFilterbank } from './mel.ts';
import { hannWindow } from './stft.ts';
import type { MelSpectrogram } from './types.ts';

/** Precomputed window, FFT plan and sparse filterbank; computes one frame at a time. */
class LogMelFrameComputer {
  readonly config: FeatureConfig;
  private readonly window: Float64Array;
  private readonly fft: RealFft;
  private readonly fb: SparseFilterbank;
  private readonly buf: Float64Array;
  private readonly power: Float64Array;
  private readonly mel: Float64Array;

  constructor(config: FeatureConfig) {
    checkFeatureConfig(config);
    this.config = { ...config };
    this.window = hannWindow(config.winLength);
    this.fft = realFft(config.nFft);
    this.fb = sparseFilterbank(melFilterbank(config));
    this.buf = new Float64Array(config.winLength);
    this.power = new Float64Array(config.nFft / 2 + 1);
    this.mel = new Float64Array(config.nMels);
  }

  /** Frame starting at x[offset] into out[outOffset .. outOffset + nMels). */
  compute(x: Float32Array, offset: number, out: Float32Array, outOffset: number): void {
    const { winLength, nMels, logFloor } = this.config;
    const w = this.window;
    const buf = this.buf;
    for (let n = 0; n < winLength; n++) buf[n] = x[offset + n]! * w[n]!;
    this.fft.powerSpectrum(buf, this.power);
    applyFilterbank(this.fb, this.power, this.mel);
    for (let m = 0; m < nMels; m++) {
      const v = this.mel[m]!;
      out[outOffset + m] = Math.log(v > logFloor ? v : logFloor);
    }
  }
}

// Keyed by value, not identity: callers build configs with spreads, and a mutated object must not reuse a stale plan.
const computers = new Map<string, LogMelFrameComputer>();

function computerFor(config: FeatureConfig): LogMelFrameComputer {
  const { sampleRate, nFft, winLength, hopLength, nMels, fMin, fMax, logFloor } = config;
  const key = JSON.stringify([sampleRate, nFft, winLength, hopLength, nMels, fMin, fMax, logFloor]);
  let c = computers.get(key);
  if (!c) {
    if (computers.size > 16) computers.clear();
    c = new LogMelFrameComputer(config);
    computers.set(key, c);
  }
  return c;
}

/** Frames [i*hop, i*hop + win) for every i that fits; a signal shorter than one window gives 0 frames. */
export function logMelSpectrogram(x: Float32Array, config: FeatureConfig = DEFAULT_FEATURE_CONFIG): MelSpectrogram {
  const c = computerFor(config);
  const { winLength, hopLength, nMels } = c.config;
  const frames = frameCount(x.length, winLength, hopLength);
  const data = new Float32Array(frames * nMels);
  for (let t = 0; t < frames; t++) c.compute(x, t * hopLength, data, t * nMels);
  return { data, frames, bins: nMels };
}

/** Streaming log-mel: push chunks of any size, get the frames that became complete. */
export class LogMelExtractor {
  readonly config: FeatureConfig;
  private readonly computer: LogMelFrameComputer;
  /** Samples from the start of the next frame onwards. */
  private pending: Float32Array;
  private fill = 0;
  private emitted = 0;

  constructor(config: FeatureConfig = DEFAULT_FEATURE_CONFIG) {
    this.computer = new LogMelFrameComputer(config);
    this.config = this.computer.config;
    this.pending = new Float32Array(Math.max(4 * config.winLength, 8192));
  }

  /** Frames emitted so far. */
  get framesEmitted(): number {
    return this.emitted;
  }

  push(chunk: Float32Array): MelSpectrogram {
    const { winLength, hopLength, nMels } = this.config;
    if (this.fill + chunk.length > this.pending.length) {
      const grown = new Float32Array(Math.max(2 * this.pending.length, this.fill + chunk.length));
      grown.set(this.pending.subarray(0, this.fill));
      this.pending = grown;
    }
    this.pending.set(chunk, this.fill);
    this.fill += chunk.length;
    const frames = frameCount(this.fill, winLength, hopLength);
    const data = new Float32Array(frames * nMels);
    for (let t = 0; t < frames; t++) this.computer.compute(this.pending, t * hopLength, data, t * nMels);
    const consumed = frames * hopLength;
    if (consumed > 0) {
      this.pending.copyWithin(0, consumed, this.fill);
      this.fill -= consumed;
    }
    this.emitted += frames;
    return { data, frames, bins: nMels };
  }

  reset(): void {
    this.fill = 0;
    this.emitted = 0;
  }
}
