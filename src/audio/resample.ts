/**
 * Band-limited resampling between any two integer rates: a Kaiser-windowed
 * sinc evaluated at the exact rational positions n * from / to (polyphase
 * table when the reduced ratio has at most MAX_TABLE_PHASES phases, taps
 * computed per sample otherwise).
 *
 * Design: passband up to 0.90 x the lower Nyquist, stopband from the lower
 * Nyquist on, Kaiser window for STOPBAND_DB = 80 dB. Stated bound (tested):
 * a tone at or above the new Nyquist comes out at least 70 dB below its input
 * level; a tone in the passband keeps its level within 0.1 dB. The filter is
 * symmetric about the output instant, so there is no delay to compensate.
 * Each phase's taps are normalised to sum to one, so DC passes exactly.
 */
import { BabelfishError } from '../errors.ts';

export const STOPBAND_DB = 80;
export const PASSBAND_FRACTION = 0.9;
const MAX_TABLE_PHASES = 4096;
const MAX_RATE = 1_536_000;

export function checkSampleRate(rate: number, what = 'sample rate'): void {
  if (typeof rate !== 'number' || !Number.isInteger(rate) || rate <= 0 || rate > MAX_RATE)
    throw new BabelfishError('BAD_SAMPLE_RATE', `${what} must be a whole number of Hz between 1 and ${MAX_RATE}, got ${rate}`);
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for the betas used here). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

interface FilterDesign {
  /** Cutoff in cycles per input sample. */
  fc: number;
  /** Taps on each side of the output instant. */
  half: number;
  beta: number;
  i0beta: number;
}

function design(fromRate: number, toRate: number): FilterDesign {
  const nyquist = Math.min(fromRate, toRate) / 2;
  const stop = nyquist;
  const pass = PASSBAND_FRACTION * nyquist;
  const fc = (pass + stop) / 2 / fromRate;
  const transition = (stop - pass) / fromRate; // cycles per input sample
  // Kaiser's formulas (Oppenheim & Schafer 7.6).
  const A = STOPBAND_DB;
  const beta = A > 50 ? 0.1102 * (A - 8.7) : A > 21 ? 0.5842 * (A - 21) ** 0.4 + 0.07886 * (A - 21) : 0;
  const length = (A - 7.95) / (2.285 * 2 * Math.PI * transition) + 1;
  const half = Math.max(2, Math.ceil(length / 2));
  return { fc, half, beta, i0beta: besselI0(beta) };
}

/** The continuous filter at t input samples from the output instant (before per-phase normalisation). */
function impulse(d: FilterDesign, t: number): number {
  const u = t / d.half;
  if (Math.abs(u) >= 1) return 0;
  const win = besselI0(d.beta * Math.sqrt(1 - u * u)) / d.i0beta;
  const arg = 2 * d.fc * t;
  const sinc = arg === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
  return 2 * d.fc * sinc * win;
}

/** Taps for output offset `frac` in [0, 1) past input sample i0: weights for inputs i0-half+1 .. i0+half. */
function computeTaps(d: FilterDesign, frac: number, out: Float32Array | Float64Array): void {
  const { half } = d;
  let sum = 0;
  const tmp = new Float64Array(2 * half);
  for (let j = 0; j < 2 * half; j++) {
    tmp[j] = impulse(d, frac + half - 1 - j); // distance from the output instant, in input samples
    sum += tmp[j]!;
  }
  for (let j = 0; j < 2 * half; j++) out[j] = tmp[j]! / sum;
}

/**
 * For ratios with too many phases to tabulate (e.g. 44101 -> 16000), the filter is sampled
 * FINE_STEPS times per input sample and interpolated linearly: the interpolation error is
 * below 1e-5 of the peak (about -100 dB), under the 80 dB design.
 */
const FINE_STEPS = 512;

function fineTable(d: FilterDesign): Float64Array {
  const n = 2 * d.half * FINE_STEPS + 2;
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = impulse(d, i / FINE_STEPS - d.half);
  return t;
}

/** Filter tables are read-only once built: sessions at the same rates share them. */
const TABLES = new Map<string, { table: Float32Array | null; fine: Float64Array | null }>();

/**
 * Streaming resampler: push chunks of any size; the concatenation of every
 * push() and the final flush() equals resample() of the whole signal, sample
 * for sample. flush() ends the stream (the signal is taken to be zero after
 * it) and readies the resampler for a new one.
 */
export class Resampler {
  readonly fromRate: number;
  readonly toRate: number;
  /** Output samples per `down` input samples: to/from reduced. */
  private readonly up: number;
  private readonly down: number;
  private readonly d: FilterDesign;
  private readonly width: number;
  private readonly table: Float32Array | null;
  private readonly fine: Float64Array | null;
  /** Input history; buf[0] is absolute input index bufStart. */
  private buf = new Float32Array(0);
  private bufStart = 0;
  private fill = 0;
  private received = 0;
  private nextOut = 0;

  constructor(fromRate: number, toRate: number) {
    checkSampleRate(fromRate, 'input sample rate');
    checkSampleRate(toRate, 'output sample rate');
    this.fromRate = fromRate;
    this.toRate = toRate;
    const g = gcd(fromRate, toRate);
    this.up = toRate / g;
    this.down = fromRate / g;
    this.d = design(fromRate, toRate);
    this.width = 2 * this.d.half;
    const key = `${fromRate}/${toRate}`;
    let tables = TABLES.get(key);
    if (!tables) {
      if (this.up <= MAX_TABLE_PHASES) {
        const table = new Float32Array(this.up * this.width);
        for (let ph = 0; ph < this.up; ph++) computeTaps(this.d, ph / this.up, table.subarray(ph * this.width, (ph + 1) * this.width));
        tables = { table, fine: null };
      } else tables = { table: null, fine: fineTable(this.d) };
      if (TABLES.size >= 8) TABLES.delete(TABLES.keys().next().value!);
      TABLES.set(key, tables);
    }
    this.table = tables.table;
    this.fine = tables.fine;
    this.reset();
  }

  /** Input samples the filter reaches on each side of an output instant (its latency, in input samples). */
  get halfWidth(): number {
    return this.d.half;
  }

  reset(): void {
    const h = this.d.half;
    this.buf = new Float32Array(Math.max(4096, 4 * this.width));
    this.bufStart = -h; // h zeros before the signal: the start is zero-padded
    this.fill = h;
    this.received = 0;
    this.nextOut = 0;
  }

  push(chunk: Float32Array): Float32Array {
    if (this.fromRate === this.toRate) {
      this.received += chunk.length;
      return Float32Array.from(chunk);
    }
    this.append(chunk);
    this.received += chunk.length;
    // Output n needs inputs up to floor(n*down/up) + half, i.e. n < (received - half) * up / down.
    const a = (this.received - this.d.half) * this.up;
    const ready = a <= 0 ? 0 : Math.floor((a + this.down - 1) / this.down);
    const count = Math.max(0, ready - this.nextOut);
    return this.produce(count);
  }

  flush(): Float32Array {
    if (this.fromRate === this.toRate) {
      this.received = 0;
      return new Float32Array(0);
    }
    const total = Math.ceil((this.received * this.up) / this.down);
    const count = Math.max(0, total - this.nextOut);
    this.append(new Float32Array(this.width + 1)); // the zeros after the end
    const out = this.produce(count);
    this.reset();
    return out;
  }

  private append(chunk: Float32Array): void {
    if (this.fill + chunk.length > this.buf.length) {
      const grown = new Float32Array(Math.max(2 * this.buf.length, this.fill + chunk.length));
      grown.set(this.buf.subarray(0, this.fill));
      this.buf = grown;
    }
    this.buf.set(chunk, this.fill);
    this.fill += chunk.length;
  }

  private produce(count: number): Float32Array {
    const out = new Float32Array(count);
    const { up, down, width, table, buf } = this;
    const half = this.d.half;
    for (let i = 0; i < count; i++) {
      const n = this.nextOut + i;
      const i0 = Math.floor((n * down) / up);
      const phase = n * down - i0 * up;
      const base = i0 - half + 1 - this.bufStart;
      if (table) {
        const to = phase * width;
        // Four accumulators: ~1.7x faster in V8 than one (measured), and the same order in batch and streaming.
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        let j = 0;
        for (; j + 3 < width; j += 4) {
          a0 += table[to + j]! * buf[base + j]!;
          a1 += table[to + j + 1]! * buf[base + j + 1]!;
          a2 += table[to + j + 2]! * buf[base + j + 2]!;
          a3 += table[to + j + 3]! * buf[base + j + 3]!;
        }
        for (; j < width; j++) a0 += table[to + j]! * buf[base + j]!;
        out[i] = a0 + a1 + (a2 + a3);
      } else {
        const fine = this.fine!;
        // t_j = frac + half - 1 - j; table position (t_j + half) * FINE_STEPS = p0 - j * FINE_STEPS.
        const p0 = (phase / up + 2 * half - 1) * FINE_STEPS;
        const k0 = Math.floor(p0);
        const w = p0 - k0;
        let acc = 0;
        let sum = 0;
        for (let j = 0; j < width; j++) {
          const k = k0 - j * FINE_STEPS;
          const tap = fine[k]! + w * (fine[k + 1]! - fine[k]!);
          acc += tap * buf[base + j]!;
          sum += tap;
        }
        out[i] = acc / sum;
      }
    }
    this.nextOut += count;
    // Drop the input no future output reaches.
    const keepFrom = Math.floor((this.nextOut * down) / up) - half + 1;
    const drop = Math.min(this.fill, keepFrom - this.bufStart);
    if (drop > 0) {
      this.buf.copyWithin(0, drop, this.fill);
      this.fill -= drop;
      this.bufStart += drop;
    }
    return out;
  }
}

/** Resample a whole signal; length ceil(n * to / from). The same rate returns a copy. */
export function resample(x: Float32Array, fromRate: number, toRate: number): Float32Array {
  const r = new Resampler(fromRate, toRate);
  if (fromRate === toRate) return Float32Array.from(x);
  const a = r.push(x);
  const b = r.flush();
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
