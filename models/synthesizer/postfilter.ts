/**
 * Post-filter for predicted mels: each bin's deviations from its mean over the sentence are
 * scaled by `gamma`. A model trained with an L1/L2 loss predicts the average of the frames it
 * could have said, so its spectra are flatter over time than speech (over-smoothing); scaling
 * the deviations back up is the classic global-variance compensation of statistical
 * parametric synthesis (Toda & Tokuda 2007; HTS/Merlin's "post-filtering"), here with one
 * factor for all bins. Each bin's mean over the sentence, hence its loudness, is unchanged.
 */
export function sharpenMel(data: Float32Array, frames: number, bins: number, gamma: number): Float32Array {
  const out = new Float32Array(data);
  if (gamma === 1 || frames === 0) return out;
  for (let b = 0; b < bins; b++) {
    let mean = 0;
    for (let t = 0; t < frames; t++) mean += data[t * bins + b];
    mean /= frames;
    for (let t = 0; t < frames; t++) out[t * bins + b] = mean + gamma * (data[t * bins + b] - mean);
  }
  return out;
}
