/**
 * The one place the acoustic front end is parameterised. Every model that eats
 * or produces mel frames (speech encoder, synthesizer, vocoder) uses these.
 *
 * - Window: Hann, *periodic* (w[n] = 0.5 - 0.5 cos(2 pi n / winLength)), so
 *   overlapping windows at hop = winLength / k sum to a constant; it sits at the
 *   start of the nFft buffer, the rest is zero padding.
 * - Frames are NOT centred: frame i covers samples [i*hop, i*hop + winLength).
 *   No padding means a stream can be cut anywhere and give exactly the frames of
 *   the whole signal, and the number of frames is floor((n - win) / hop) + 1.
 * - Spectrum: power |X_k|^2 of the unnormalised DFT (no 1/N), bins 0..nFft/2.
 * - Mel scale: HTK, mel(f) = 2595 log10(1 + f / 700), triangular filters with
 *   peak 1 (no area normalisation), edges equally spaced in mel between fMin and
 *   fMax. HTK rather than Slaney because its edges are one closed formula
 *   (checked by hand in the tests).
 * - Log: natural log of max(mel, logFloor).
 */
export interface FeatureConfig {
  sampleRate: number;
  nFft: number;
  winLength: number;
  hopLength: number;
  nMels: number;
  fMin: number;
  fMax: number;
  logFloor: number;
}

export const DEFAULT_FEATURE_CONFIG: Readonly<FeatureConfig> = Object.freeze({
  sampleRate: 16000,
  nFft: 512,
  winLength: 400, // 25 ms
  hopLength: 160, // 10 ms
  nMels: 80,
  // 20 Hz keeps a microphone's DC offset and rumble out of the lowest filter.
  fMin: 20,
  fMax: 8000,
  // A full-scale sine peaks near e^9 in this scale; 1e-10 (-23) sits far below any real recording's noise.
  logFloor: 1e-10,
});
