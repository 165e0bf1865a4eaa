/**
 * Durations: how many mel frames each input character lasts.
 *
 * Monotonic Alignment Search (Glow-TTS, Kim et al. 2020): given a score for "frame t is
 * character i" (here the Gaussian log-likelihood of the frame under a per-character mel mean
 * the encoder predicts), dynamic programming finds the best alignment in which characters
 * are read in order, each for at least one frame, covering every frame. The model and its
 * alignments improve together, with no aligner, phonemizer or attention to train first;
 * espeak's own timings (when the corpus has them) are phoneme-level and would need a
 * phoneme-to-character mapping, and the CTC encoder's alignments are spiky, not durations.
 *
 * The length regulator (FastSpeech) then repeats each character's vector for its duration.
 */

/**
 * Best monotonic alignment of `n` tokens to `t` frames for scores `logp[i * t + f]`:
 * returns durations (sum = t, each >= 1). Requires t >= n; with fewer frames than tokens
 * no such alignment exists, and we fall back to `spreadDurations`.
 */
export function monotonicAlignment(logp: Float32Array | number[], n: number, t: number): number[] {
  if (n === 0) return [];
  if (t < n) return spreadDurations(n, t);
  // q[i][f]: best score of frames 0..f with frame f on token i. Only i <= f and
  // n - 1 - i <= t - 1 - f are reachable.
  const NEG = -Infinity;
  const q = new Float64Array(n * t).fill(NEG);
  const fromPrev = new Uint8Array(n * t); // 1: frame f-1 was on token i-1
  q[0] = logp[0]!;
  for (let f = 1; f < t; f++) {
    const lo = Math.max(0, n - t + f);
    const hi = Math.min(n - 1, f);
    for (let i = lo; i <= hi; i++) {
      const stay = q[i * t + f - 1]!;
      const move = i > 0 ? q[(i - 1) * t + f - 1]! : NEG;
      const best = move > stay ? move : stay;
      fromPrev[i * t + f] = move > stay ? 1 : 0;
      q[i * t + f] = best + logp[i * t + f]!;
    }
  }
  const durations = new Array<number>(n).fill(0);
  let i = n - 1;
  for (let f = t - 1; f >= 0; f--) {
    durations[i]!++;
    if (f > 0 && fromPrev[i * t + f]) i--;
  }
  return durations;
}

/** Total score of an alignment given as durations (for tests and diagnostics). */
export function alignmentScore(logp: Float32Array | number[], n: number, t: number, durations: number[]): number {
  let s = 0;
  let f = 0;
  for (let i = 0; i < n; i++) for (let k = 0; k < durations[i]!; k++) s += logp[i * t + f++]!;
  return s;
}

/** `t` frames spread as evenly as possible over `n` tokens (some get 0 when t < n). */
export function spreadDurations(n: number, t: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.floor(((i + 1) * t) / n) - Math.floor((i * t) / n));
  return out;
}

/** Where each output frame comes from: its token and its position inside that token. */
export interface RegulatedFrames {
  /** Token index of each frame (length = sum of durations). */
  token: Int32Array;
  /** (k + 0.5) / d for the k-th of the token's d frames: 0..1 across the sound. */
  position: Float32Array;
  /** The token's duration in frames, for each frame. */
  span: Float32Array;
}

/** The length regulator's bookkeeping: token i repeated durations[i] times. */
export function regulateLength(durations: readonly number[]): RegulatedFrames {
  let total = 0;
  for (const d of durations) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`durations must be non-negative integers, got ${d}`);
    total += d;
  }
  const token = new Int32Array(total);
  const position = new Float32Array(total);
  const span = new Float32Array(total);
  let f = 0;
  durations.forEach((d, i) => {
    for (let k = 0; k < d; k++, f++) {
      token[f] = i;
      position[f] = (k + 0.5) / d;
      span[f] = d;
    }
  });
  return { token, position, span };
}

/**
 * Predicted log(1 + frames) to integer durations at a speaking rate `speed` (2 = twice as
 * fast), each clamped to `maxPerToken` so one bad prediction cannot produce minutes of audio.
 */
export function durationsFromLog(logDurations: ArrayLike<number>, speed: number, maxPerToken: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < logDurations.length; i++) {
    const v = Math.expm1(Math.max(0, logDurations[i]!)) / speed;
    out.push(Math.min(maxPerToken, Math.max(0, Math.round(v))));
  }
  return out;
}
