/** Mono audio, samples in [-1, 1]. */
export interface AudioData {
  samples: Float32Array;
  sampleRate: number;
}

/** A (log-)mel spectrogram, row-major: `data[frame * bins + bin]`. */
export interface MelSpectrogram {
  data: Float32Array;
  frames: number;
  bins: number;
}
