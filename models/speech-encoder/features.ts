/**
 * Where the speech encoder gets its log-mel frames. The model only needs a whole-signal
 * function and a streaming extractor that agree frame for frame; the default is the
 * project's `src/audio` front end, and tests can plug in anything with these shapes.
 */

/** Row-major [frames, bins] log-mel features. */
export interface LogMelFrames {
  data: Float32Array;
  frames: number;
  bins: number;
}

export interface FeatureStream {
  /** Samples in (any count); the feature frames that became complete out. */
  push(samples: Float32Array): LogMelFrames;
}

export interface FeatureSource {
  sampleRate: number;
  bins: number;
  compute(samples: Float32Array): LogMelFrames;
  stream(): FeatureStream;
}
