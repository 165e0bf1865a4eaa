/**
 * Mel cepstral distortion (MCD, dB) between two log-mel spectrograms, aligned by DTW.
 *
 * Cepstra. Each frame's 80-bin log-mel (natural log of mel *power*, as src/audio makes it) is
 * clamped at `floorLogMel` (so digital silence on one side does not dominate), halved (log power
 * -> log amplitude, the spectrum the cepstrum is defined on), and transformed with the
 * orthonormal DCT-II
 *     C_d = sqrt(2 / N) * sum_{n=0..N-1} x_n cos(pi d (n + 1/2) / N)     (d >= 1; N = 80 bins)
 * then scaled by 1 / sqrt(2N), so c_d = C_d / sqrt(2N) are the coefficients of
 *     log|X(w)| = c_0 + 2 sum_{d>=1} c_d cos(d w)
 * on the mel axis: SPTK's mel-cepstrum convention, which is what published MCD figures use
 * (the raw orthonormal coefficients would be sqrt(160) ~ 12.6x larger). We keep c_1..c_24
 * (order 24, the usual choice at 16 kHz); c_0, the frame's loudness, is excluded.
 *
 * Per aligned frame pair:  MCD = (10 / ln 10) * sqrt(2 * sum_{d=1..D} (c_d - c'_d)^2)
 * Utterance MCD: DTW (steps (1,0), (0,1), (1,1), each visited cell adding its frame MCD) finds
 * the cheapest monotonic path from the first frame pair to the last; the figure is the path's
 * total cost over its length (mean frame MCD along the path).
 */
import { BabelfishError } from '../errors.ts';
import type { MelSpectrogram } from '../audio/types.ts';

export interface McdOptions {
  /** Cepstral coefficients c_1..c_D compared (default 24). */
  order?: number;
  /** Log-mel (natural log of power) values below this are raised to it (default ln 1e-5). */
  floorLogMel?: number;
}

export const DEFAULT_MCD_ORDER = 24;
export const DEFAULT_MCD_FLOOR = Math.log(1e-5);
/** 10 / ln 10 * sqrt(2): turns the Euclidean cepstral distance into dB. */
const MCD_SCALE = (10 / Math.LN10) * Math.SQRT2;

/**
 * Orthonormal DCT-II of `x`, coefficients 0..count-1:
 *   X_0 = sqrt(1/N) sum x_n,  X_k = sqrt(2/N) sum x_n cos(pi k (n + 1/2) / N).
 */
export function dct2(x: ArrayLike<number>, count = x.length): Float64Array {
  const N = x.length;
  const out = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    let s = 0;
    for (let n = 0; n < N; n++) s += x[n]! * Math.cos((Math.PI * k * (n + 0.5)) / N);
    out[k] = s * Math.sqrt((k === 0 ? 1 : 2) / N);
  }
  return out;
}

/** The cosine table of coefficients 1..order for N bins, already scaled by sqrt(2/N) / sqrt(2N) / 2 (see the header). */
function cepstralBasis(bins: number, order: number): Float64Array {
  if (!Number.isInteger(order) || order < 1 || order >= bins) {
    throw new BabelfishError('BAD_ARGUMENT', `MCD order must be an integer 1..${bins - 1}, got ${order}`);
  }
  // sqrt(2/N) (orthonormal DCT) * 1/sqrt(2N) (SPTK scale) * 1/2 (log power -> log amplitude) = 1/(2N)
  const scale = 1 / (2 * bins);
  const basis = new Float64Array(order * bins);
  for (let d = 1; d <= order; d++) {
    for (let n = 0; n < bins; n++) basis[(d - 1) * bins + n] = scale * Math.cos((Math.PI * d * (n + 0.5)) / bins);
  }
  return basis;
}

/** Mel cepstra c_1..c_order of every frame, row-major [frames x order]. */
export function melCepstra(mel: MelSpectrogram, options: McdOptions = {}): Float64Array {
  const order = options.order ?? DEFAULT_MCD_ORDER;
  const floor = options.floorLogMel ?? DEFAULT_MCD_FLOOR;
  const { frames, bins, data } = mel;
  if (data.length < frames * bins) throw new BabelfishError('BAD_ARGUMENT', 'mel data holds fewer than frames x bins values');
  const basis = cepstralBasis(bins, order);
  const out = new Float64Array(frames * order);
  const x = new Float64Array(bins);
  for (let t = 0; t < frames; t++) {
    for (let n = 0; n < bins; n++) {
      const v = data[t * bins + n]!;
      x[n] = v > floor ? v : floor;
    }
    for (let d = 0; d < order; d++) {
      let s = 0;
      const row = d * bins;
      for (let n = 0; n < bins; n++) s += basis[row + n]! * x[n]!;
      out[t * order + d] = s;
    }
  }
  return out;
}

/** MCD in dB of one pair of cepstral vectors (c_1..c_D each). */
export function frameMcd(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let d = 0; d < a.length; d++) {
    const e = a[d]! - b[d]!;
    s += e * e;
  }
  return MCD_SCALE * Math.sqrt(s);
}

export interface CostMatrix {
  rows: number;
  cols: number;
  /** Row-major, data[i * cols + j]. */
  data: ArrayLike<number>;
}

export interface DtwResult {
  /** Visited cells (i, j), from (0, 0) to (rows - 1, cols - 1). */
  path: [number, number][];
  /** Sum of the costs of the visited cells. */
  cost: number;
}

/**
 * Dynamic time warping: the monotonic path from (0, 0) to (rows-1, cols-1) with steps
 * (1, 0), (0, 1), (1, 1) whose visited cells have the least total cost.
 * Memory is rows x cols (8 + 1 bytes a cell): minutes-long pairs need a band, short utterances do not.
 */
export function dtw(cost: CostMatrix | number[][]): DtwResult {
  const m: CostMatrix = Array.isArray(cost) ? { rows: cost.length, cols: cost[0]?.length ?? 0, data: cost.flat() } : cost;
  const { rows, cols, data } = m;
  if (rows === 0 || cols === 0) throw new BabelfishError('BAD_ARGUMENT', 'DTW needs a non-empty cost matrix');
  if (data.length < rows * cols) throw new BabelfishError('BAD_ARGUMENT', 'DTW cost matrix holds fewer than rows x cols values');
  const acc = new Float64Array(rows * cols);
  // Cells on the best path so far: among equal costs the shorter path wins, so the mean cost
  // along the path (the MCD) does not depend on which spectrogram comes first.
  const len = new Int32Array(rows * cols);
  // Which step reached each cell: 0 diagonal, 1 from above (i-1), 2 from the left (j-1).
  const from = new Uint8Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const c = data[i * cols + j]!;
      const k = i * cols + j;
      if (i === 0 && j === 0) {
        acc[k] = c;
        len[k] = 1;
        continue;
      }
      let best = Infinity;
      let bestLen = 0;
      let step = 0;
      const consider = (p: number, s: number) => {
        if (acc[p]! < best || (acc[p] === best && len[p]! < bestLen)) {
          best = acc[p]!;
          bestLen = len[p]!;
          step = s;
        }
      };
      if (i > 0 && j > 0) consider(k - cols - 1, 0);
      if (i > 0) consider(k - cols, 1);
      if (j > 0) consider(k - 1, 2);
      acc[k] = best + c;
      len[k] = bestLen + 1;
      from[k] = step;
    }
  }
  const path: [number, number][] = [];
  let i = rows - 1;
  let j = cols - 1;
  for (;;) {
    path.push([i, j]);
    if (i === 0 && j === 0) break;
    const s = from[i * cols + j];
    if (i === 0) j--;
    else if (j === 0) i--;
    else if (s === 0) {
      i--;
      j--;
    } else if (s === 1) i--;
    else j--;
  }
  path.reverse();
  return { path, cost: acc[rows * cols - 1]! };
}

export interface McdResult {
  /** Mean frame MCD (dB) along the DTW path. */
  mcd: number;
  /** Length of the DTW path (aligned frame pairs). */
  pathLength: number;
  framesA: number;
  framesB: number;
}

/** MCD (dB) between two log-mel spectrograms of possibly different lengths, DTW-aligned (see the header). */
export function melCepstralDistortion(a: MelSpectrogram, b: MelSpectrogram, options: McdOptions = {}): McdResult {
  if (a.bins !== b.bins) throw new BabelfishError('BAD_ARGUMENT', `MCD: ${a.bins} mel bins against ${b.bins}`);
  if (a.frames === 0 || b.frames === 0) throw new BabelfishError('BAD_ARGUMENT', 'MCD: a spectrogram has no frames');
  const order = options.order ?? DEFAULT_MCD_ORDER;
  const ca = melCepstra(a, options);
  const cb = melCepstra(b, options);
  const cost = new Float64Array(a.frames * b.frames);
  for (let i = 0; i < a.frames; i++) {
    const x = ca.subarray(i * order, (i + 1) * order);
    for (let j = 0; j < b.frames; j++) cost[i * b.frames + j] = frameMcd(x, cb.subarray(j * order, (j + 1) * order));
  }
  const r = dtw({ rows: a.frames, cols: b.frames, data: cost });
  return { mcd: r.cost / r.path.length, pathLength: r.path.length, framesA: a.frames, framesB: b.frames };
}
