import { mulberry32 } from '../../src/random.ts';

/** Deterministic test signals (no Math.random: failures must reproduce). */
export const rng = mulberry32;

export function tone(freq: number, sampleRate: number, seconds: number, amplitude = 0.5, phase = 0): Float32Array {
  const x = new Float32Array(Math.round(sampleRate * seconds));
  for (let i = 0; i < x.length; i++) x[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / sampleRate + phase);
  return x;
}

export function noise(n: number, rms: number, seed = 1): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(n);
  const a = rms * Math.sqrt(3); // uniform on [-a, a] has RMS a / sqrt(3)
  for (let i = 0; i < n; i++) x[i] = a * (2 * r() - 1);
  return x;
}

export function rms(x: ArrayLike<number>, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / (to - from));
}

/** Splits `x` into random chunk sizes in [minSize, maxSize]. */
export function randomChunks(x: Float32Array, minSize: number, maxSize: number, seed: number): Float32Array[] {
  const r = rng(seed);
  const out: Float32Array[] = [];
  for (let i = 0; i < x.length; ) {
    const n = minSize + Math.floor(r() * (maxSize - minSize + 1));
    out.push(x.subarray(i, i + n));
    i += n;
  }
  return out;
}

export function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Frequency of the largest |DFT| bin, by brute-force Goertzel-free scan of a direct DFT over a grid (independent of fft.ts). */
export function peakFrequency(x: Float32Array, sampleRate: number, fLo: number, fHi: number, step: number): number {
  let best = fLo;
  let bestP = -1;
  for (let f = fLo; f <= fHi; f += step) {
    let re = 0;
    let im = 0;
    const w = (2 * Math.PI * f) / sampleRate;
    for (let n = 0; n < x.length; n++) {
      const h = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / x.length);
      re += x[n]! * h * Math.cos(w * n);
      im -= x[n]! * h * Math.sin(w * n);
    }
    const p = re * re + im * im;
    if (p > bestP) {
      bestP = p;
      best = f;
    }
  }
  return best;
}

export async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<Error> {
  try {
    if (typeof p === 'function') p();
    else await p;
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.name !== 'BabelfishError' || err.code !== code) throw new Error(`expected BabelfishError ${code}, got ${err.name} ${err.code}: ${err.message}`);
    if (!err.message || err.message.length < 10) throw new Error(`error message not readable: '${err.message}'`);
    return err;
  }
  throw new Error(`expected BabelfishError ${code}, but nothing was thrown`);
}
