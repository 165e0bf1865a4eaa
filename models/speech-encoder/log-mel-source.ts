/** The project's log-mel front end (`src/audio`) as the speech encoder's FeatureSource. */
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig } from '../../src/audio/config.ts';
import { LogMelExtractor, logMelSpectrogram } from '../../src/audio/features.ts';
import type { FeatureSource } from './features.ts';

export function logMelFeatureSource(config: FeatureConfig = DEFAULT_FEATURE_CONFIG): FeatureSource {
  return {
    sampleRate: config.sampleRate,
    bins: config.nMels,
    compute: (samples) => logMelSpectrogram(samples, config),
    stream: () => new LogMelExtractor(config),
  };
}
