/**
 * The project's log-mel front end (`src/audio`) as the speech encoder's FeatureSource,
 * optionally behind the input level normaliser (`src/audio/level.ts`), which is causal and
 * chunk-exact, so the stream still gives the whole signal's frames.
 */
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig } from '../../src/audio/config.ts';
import { LogMelExtractor, logMelSpectrogram } from '../../src/audio/features.ts';
import { LevelNormalizer, normalizeLevel, type LevelConfig } from '../../src/audio/level.ts';
import type { FeatureSource } from './features.ts';

export function logMelFeatureSource(config: FeatureConfig = DEFAULT_FEATURE_CONFIG, level: LevelConfig | null = null): FeatureSource {
  return {
    sampleRate: config.sampleRate,
    bins: config.nMels,
    compute: (samples) => logMelSpectrogram(level ? normalizeLevel(samples, level) : samples, config),
    stream: () => {
      const extractor = new LogMelExtractor(config);
      if (!level) return extractor;
      const normalizer = new LevelNormalizer(level);
      return { push: (samples: Float32Array) => extractor.push(normalizer.push(samples)) };
    },
  };
}
