/**
 * Pitch: the period of voiced speech, per analysis frame, by normalised cross-correlation
 * (the NCCF of RAPT, Talkin 1995, without its dynamic programming), and the log-spaced
 * period classes the vocoder's pitch head predicts.
 *
 * For a frame centred at c and a lag tau, the two segments x[s, s + W) and x[s + tau, s + tau + W)
 * with s = c - (W + tau) / 2 are centred on c together, and
 *   r(tau) = sum a(n) b(n) / sqrt(sum a(n)^2 * sum b(n)^2).
 * A periodic signal gives r near 1 at its period and at every multiple of it, so the shortest
 * local maximum within `octaveRatio` of the best wins (period doubling is autocorrelation's
 * classic error).
 */

export interface PitchOptions {
  /** Shortest period searched, samples (40 = 400 Hz at 16 kHz). */
  minPeriod: number;
  /** Longest period searched, samples (320 = 50 Hz at 16 kHz). */
  maxPeriod: number;
  /** Correlation window W, samples. */
  window: number;
  /** A frame is voiced when its best r reaches this. */
  voicingThreshold: number;
  /** ...and its RMS is above this level (dB re full scale). */
  silenceDb: number;
  /** A shorter lag (a local maximum) wins when its r is at least this fraction of the best. */
  octaveRatio: number;
}

export const DEFAULT_PITCH_OPTIONS: PitchOptions = {
  minPeriod: 40,
  maxPeriod: 320,
  window: 320,
  voicingThreshold: 0.6,
  silenceDb: -50,
  octaveRatio: 0.9,
};

export interface PitchTrack {
  /** Period in samples per frame; 0 = unvoiced. */
  period: Int32Array;
  /** Best normalised correlation per frame (0 where silent). */
  correlation: Float32Array;
}

/** The centre sample of each of `frames` analysis frames (frame f spans [f * hop, f * hop + window)). */
export function frameCentres(frames: number, hop: number, window: number): number[] {
  return Array.from({ length: frames }, (_, f) => f * hop + Math.floor(window / 2));
}

/** r(tau) of the segments centred on `centre` (samples outside x count as zeros). */
export function nccf(x: Float32Array, centre: number, window: number, lag: number): number {
  const s = centre - Math.round((window + lag) / 2);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  const n0 = Math.max(0, -s);
  const n1 = Math.min(window, x.length - s - lag);
  for (let n = n0; n < n1; n++) {
    const a = x[s + n];
    const b = x[s + n + lag];
    ab += a * b;
    aa += a * a;
    bb += b * b;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/** The pitch of each frame centred at `centres[i]`. */
export function trackPitch(x: Float32Array, centres: ArrayLike<number>, options: Partial<PitchOptions> = {}): PitchTrack {
  const o = { ...DEFAULT_PITCH_OPTIONS, ...options };
  const n = centres.length;
  const period = new Int32Array(n);
  const correlation = new Float32Array(n);
  const minPower = 10 ** (o.silenceDb / 10);
  const r = new Float32Array(o.maxPeriod + 2);
  for (let i = 0; i < n; i++) {
    const c = centres[i];
    const lo = Math.max(0, c - (o.window >> 1));
    const hi = Math.min(x.length, c + (o.window >> 1));
    let power = 0;
    for (let t = lo; t < hi; t++) power += x[t] * x[t];
    if (hi <= lo || power / (hi - lo) < minPower) continue;
    let best = 0;
    let bestLag = 0;
    for (let lag = o.minPeriod; lag <= o.maxPeriod + 1; lag++) {
      r[lag] = nccf(x, c, o.window, lag);
      if (lag <= o.maxPeriod && r[lag] > best) {
        best = r[lag];
        bestLag = lag;
      }
    }
    correlation[i] = best;
    if (best < o.voicingThreshold) continue;
    // the shortest local maximum nearly as good as the best: a period's multiples all correlate
    let chosen = bestLag;
    for (let lag = o.minPeriod; lag < bestLag; lag++) {
      const peak = r[lag] >= r[lag + 1] && (lag === o.minPeriod || r[lag] >= r[lag - 1]);
      if (peak && r[lag] >= o.octaveRatio * best) {
        chosen = lag;
        break;
      }
    }
    period[i] = chosen;
  }
  return { period, correlation };
}

/** Log-spaced period classes: 0 is unvoiced, 1..bins cover [minPeriod, maxPeriod]. */
export interface PeriodClasses {
  bins: number;
  minPeriod: number;
  maxPeriod: number;
}

export function periodClass(period: number, k: PeriodClasses): number {
  if (!(period > 0)) return 0;
  const u = Math.log(period / k.minPeriod) / Math.log(k.maxPeriod / k.minPeriod);
  return 1 + Math.min(k.bins - 1, Math.max(0, Math.floor(u * k.bins)));
}

/** The period at a class's (geometric) centre, rounded to whole samples; 0 for class 0. */
export function classPeriod(cls: number, k: PeriodClasses): number {
  if (cls <= 0) return 0;
  return Math.round(k.minPeriod * (k.maxPeriod / k.minPeriod) ** ((cls - 0.5) / k.bins));
}

/** Frame counts comparing a test pitch track with a reference one, frame by frame. */
export interface PitchAgreement {
  /** Frames voiced in the reference. */
  referenceVoiced: number;
  /** ...and voiced in the test too. */
  bothVoiced: number;
  /** Frames voiced in both whose periods differ by more than 20% (gross pitch errors). */
  grossErrors: number;
}

export function pitchAgreement(reference: ArrayLike<number>, test: ArrayLike<number>): PitchAgreement {
  const n = Math.min(reference.length, test.length);
  let referenceVoiced = 0;
  let bothVoiced = 0;
  let grossErrors = 0;
  for (let i = 0; i < n; i++) {
    if (!(reference[i] > 0)) continue;
    referenceVoiced++;
    if (!(test[i] > 0)) continue;
    bothVoiced++;
    if (Math.abs(test[i] - reference[i]) > 0.2 * reference[i]) grossErrors++;
  }
  return { referenceVoiced, bothVoiced, grossErrors };
}

/**
 * Glottal epochs of a voiced signal's residual: 1 on the sample where each pulse falls. In each
 * voiced stretch (where `periodAt(t)` > 0) the first epoch is the residual's largest peak
 * within one period, and each next one the largest within 0.75..1.25 periods after the last.
 * A pulse in the residual is often a doublet (a positive and a negative lobe); taking the
 * larger magnitude would hop between the lobes, so peaks are taken in the polarity that
 * carries more of the energy at magnitude peaks (`polarity` 1 or -1 forces one).
 */
export function epochMarks(residual: Float32Array, periodAt: (t: number) => number, polarity?: 1 | -1): Uint8Array {
  if (polarity === undefined) {
    const first = findEpochs(residual, periodAt, (v) => Math.abs(v));
    let balance = 0;
    for (let t = 0; t < residual.length; t++) if (first[t]) balance += residual[t] * Math.abs(residual[t]);
    polarity = balance >= 0 ? 1 : -1;
  }
  const sign = polarity;
  return findEpochs(residual, periodAt, (v) => sign * v);
}

function findEpochs(residual: Float32Array, periodAt: (t: number) => number, score: (v: number) => number): Uint8Array {
  const n = residual.length;
  const marks = new Uint8Array(n);
  const peak = (lo: number, hi: number) => {
    let best = lo;
    for (let t = lo + 1; t < hi; t++) if (score(residual[t]) > score(residual[best])) best = t;
    return best;
  };
  let t = 0;
  while (t < n) {
    const P = periodAt(t);
    if (!(P > 0)) {
      t++;
      continue;
    }
    let e = peak(t, Math.min(n, t + P));
    marks[e] = 1;
    for (;;) {
      const Q = periodAt(e);
      const lo = e + Math.round(0.75 * Q);
      if (!(Q > 0) || lo >= n || !(periodAt(lo) > 0)) break;
      e = peak(lo, Math.min(n, e + Math.round(1.25 * Q) + 1));
      marks[e] = 1;
    }
    // on past the rest of this voiced stretch
    t = e + 1;
    while (t < n && periodAt(t) > 0) t++;
  }
  return marks;
}
