/**
 * Voice-activity detection for endpointing: frame energy against an adaptive
 * noise floor, gated by spectral flatness, with an onset run and a hangover.
 *
 * Each 10 ms frame is "voiced" when its energy is `thresholdDb` above the noise
 * floor AND its spectrum is peaky (flatness below `maxFlatness`; tones and
 * voiced speech are near 0, white noise near 0.56), or when it is `loudDb`
 * above the floor whatever its shape (fricatives, plosives). The floor falls
 * fast to quieter frames, rises slowly on noise-like ones, and creeps up
 * `floorRiseDbPerSec` during long peaky stretches so a lasting new noise is
 * eventually absorbed; it never goes below `minFloorDb` (digital silence).
 *
 * Speech starts after `minSpeechMs` of voiced frames in a row; the event's
 * sample is the first of them. Speech ends after `hangoverMs` without a voiced
 * frame; the event is emitted then, but its `sample` is the TRUE end (the end of
 * the last voiced frame) and `decidedAt` says when it was decided.
 *
 * Decisions depend only on whole frames at fixed positions, so any chunking of
 * the same signal gives the same events (tested).
 */
import { BabelfishError } from '../errors.ts';
import { nextPow2, realFft, type RealFft } from './fft.ts';
import { hannWindow } from './stft.ts';

export interface VadConfig {
  sampleRate: number;
  /** Decision granularity. */
  frameMs: number;
  /** Energy above the noise floor for a frame to count as speech. */
  thresholdDb: number;
  /** Energy above the floor that counts as speech even for a noise-like spectrum. */
  loudDb: number;
  /** Spectral flatness (geometric / arithmetic mean of the 250-4000 Hz power) below which a frame is voiced. */
  maxFlatness: number;
  /** Voiced frames in a row needed to start speech (shorter clicks are ignored). */
  minSpeechMs: number;
  /** Silence that ends speech. */
  hangoverMs: number;
  /** dBFS (mean square) the floor starts at and never falls below. */
  initialFloorDb: number;
  minFloorDb: number;
  floorRiseDbPerSec: number;
}

export const DEFAULT_VAD_CONFIG: Readonly<VadConfig> = Object.freeze({
  sampleRate: 16000,
  frameMs: 10,
  thresholdDb: 10,
  loudDb: 25,
  maxFlatness: 0.3,
  minSpeechMs: 30,
  hangoverMs: 300,
  initialFloorDb: -60,
  minFloorDb: -75,
  floorRiseDbPerSec: 1,
});

export interface VadEvent {
  type: 'speech-start' | 'speech-end';
  /** Absolute sample index: the first speech sample, or one past the last. */
  sample: number;
  /** Absolute sample index at which the decision was made (end of the deciding frame). */
  decidedAt: number;
}

const BAND_LO_HZ = 250;
const BAND_HI_HZ = 4000;
const FALL = 0.3; // per-frame step toward a quieter frame
const RISE = 0.02; // per-frame step toward a louder unvoiced frame (~0.5 s time constant at 10 ms)

export class VoiceActivityDetector {
  readonly config: VadConfig;
  private readonly frame: number;
  private readonly analysis: Float32Array; // previous + current frame
  private readonly window: Float64Array;
  private readonly fft: RealFft;
  private readonly power: Float64Array;
  private readonly buf: Float64Array;
  private readonly bandLo: number;
  private readonly bandHi: number;
  private readonly minRun: number;
  private readonly hangover: number;
  private readonly creep: number;
  private pendingFill = 0;
  private frameIndex = 0;
  private floorDb: number;
  private inSpeech = false;
  private run = 0;
  private runStart = 0;
  private lastVoiced = -1;

  constructor(config: Partial<VadConfig> = {}) {
    const c = { ...DEFAULT_VAD_CONFIG, ...config };
    if (!(c.sampleRate > 0) || !Number.isFinite(c.sampleRate)) throw new BabelfishError('BAD_SAMPLE_RATE', `VAD sample rate must be positive, got ${c.sampleRate}`);
    if (!(c.frameMs > 0) || !(c.hangoverMs >= 0) || !(c.minSpeechMs >= 0))
      throw new BabelfishError('BAD_ARGUMENT', 'VAD frameMs must be positive and minSpeechMs, hangoverMs non-negative');
    this.config = c;
    this.frame = Math.max(1, Math.round((c.frameMs * c.sampleRate) / 1000));
    this.analysis = new Float32Array(2 * this.frame);
    this.window = hannWindow(2 * this.frame);
    const n = Math.max(4, nextPow2(2 * this.frame));
    this.fft = realFft(n);
    this.power = new Float64Array(n / 2 + 1);
    this.buf = new Float64Array(2 * this.frame);
    this.bandLo = Math.max(1, Math.round((BAND_LO_HZ * n) / c.sampleRate));
    this.bandHi = Math.max(this.bandLo + 1, Math.min(n / 2, Math.round((BAND_HI_HZ * n) / c.sampleRate)));
    const frameSec = this.frame / c.sampleRate;
    this.minRun = Math.max(1, Math.round(c.minSpeechMs / 1000 / frameSec));
    this.hangover = Math.max(1, Math.round(c.hangoverMs / 1000 / frameSec));
    this.creep = c.floorRiseDbPerSec * frameSec;
    this.floorDb = c.initialFloorDb;
  }

  /** Samples per decision frame. */
  get frameLength(): number {
    return this.frame;
  }

  get speaking(): boolean {
    return this.inSpeech;
  }

  /** Current noise floor estimate, dBFS (mean square). */
  get noiseFloorDb(): number {
    return this.floorDb;
  }

  push(chunk: Float32Array): VadEvent[] {
    const events: VadEvent[] = [];
    const F = this.frame;
    let i = 0;
    while (i < chunk.length) {
      const take = Math.min(F - this.pendingFill, chunk.length - i);
      this.analysis.set(chunk.subarray(i, i + take), F + this.pendingFill);
      this.pendingFill += take;
      i += take;
      if (this.pendingFill === F) {
        this.decide(events);
        this.analysis.copyWithin(0, F, 2 * F);
        this.pendingFill = 0;
        this.frameIndex++;
      }
    }
    return events;
  }

  /** End of stream: closes open speech at the end of its last voiced frame. */
  flush(): VadEvent[] {
    const events: VadEvent[] = [];
    if (this.inSpeech) {
      events.push({ type: 'speech-end', sample: (this.lastVoiced + 1) * this.frame, decidedAt: this.frameIndex * this.frame + this.pendingFill });
      this.inSpeech = false;
    }
    this.run = 0;
    return events;
  }

  reset(): void {
    this.pendingFill = 0;
    this.frameIndex = 0;
    this.floorDb = this.config.initialFloorDb;
    this.inSpeech = false;
    this.run = 0;
    this.lastVoiced = -1;
    this.analysis.fill(0);
  }

  private decide(events: VadEvent[]): void {
    const F = this.frame;
    const a = this.analysis;
    let sq = 0;
    for (let n = F; n < 2 * F; n++) sq += a[n]! * a[n]!;
    const energyDb = 10 * Math.log10(sq / F + 1e-12);
    const above = energyDb - this.floorDb;
    let voiced = false;
    let peaky = false;
    if (above > this.config.thresholdDb) {
      peaky = this.flatness() < this.config.maxFlatness;
      voiced = peaky || above > this.config.loudDb;
    }

    const { minFloorDb } = this.config;
    if (energyDb < this.floorDb) this.floorDb += FALL * (energyDb - this.floorDb);
    else if (!peaky) this.floorDb += RISE * (energyDb - this.floorDb); // noise-like, even if loud: a fan switching on is absorbed in ~0.2 s
    else this.floorDb += this.creep;
    if (this.floorDb < minFloorDb) this.floorDb = minFloorDb;

    const f = this.frameIndex;
    if (voiced) this.lastVoiced = f;
    if (!this.inSpeech) {
      if (voiced) {
        if (this.run === 0) this.runStart = f;
        this.run++;
        if (this.run >= this.minRun) {
          this.inSpeech = true;
          events.push({ type: 'speech-start', sample: this.runStart * F, decidedAt: (f + 1) * F });
        }
      } else this.run = 0;
    } else if (!voiced && f - this.lastVoiced >= this.hangover) {
      this.inSpeech = false;
      this.run = 0;
      events.push({ type: 'speech-end', sample: (this.lastVoiced + 1) * F, decidedAt: (f + 1) * F });
    }
  }

  private flatness(): number {
    const n = this.buf.length;
    for (let i = 0; i < n; i++) this.buf[i] = this.analysis[i]! * this.window[i]!;
    this.fft.powerSpectrum(this.buf, this.power);
    let logSum = 0;
    let sum = 0;
    let peak = 0;
    for (let k = this.bandLo; k <= this.bandHi; k++) if (this.power[k]! > peak) peak = this.power[k]!;
    // A floor relative to the peak keeps float round-off in empty bins from reading as "infinitely peaky".
    const eps = peak * 1e-10 + 1e-20;
    for (let k = this.bandLo; k <= this.bandHi; k++) {
      const p = this.power[k]! + eps;
      logSum += Math.log(p);
      sum += p;
    }
    const m = this.bandHi - this.bandLo + 1;
    return Math.exp(logSum / m) / (sum / m);
  }
}

/** Speech segments of a whole signal, in seconds, [start, end) with the true (hangover-free) end. */
export function detectSpeechSegments(x: Float32Array, sampleRate: number, config: Partial<VadConfig> = {}): { start: number; end: number }[] {
  const vad = new VoiceActivityDetector({ ...config, sampleRate });
  const events = [...vad.push(x), ...vad.flush()];
  const segments: { start: number; end: number }[] = [];
  let start = -1;
  for (const e of events) {
    if (e.type === 'speech-start') start = e.sample;
    else if (start >= 0) {
      segments.push({ start: start / sampleRate, end: e.sample / sampleRate });
      start = -1;
    }
  }
  return segments;
}
