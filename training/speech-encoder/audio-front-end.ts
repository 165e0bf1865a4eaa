/** The project's audio decoding and log-mel front end, in the shape training and evaluation need. */
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig } from '../../src/audio/config.ts';
import { loadAudio } from '../../src/audio/decode.ts';
import { DEFAULT_LEVEL_CONFIG, type LevelConfig } from '../../src/audio/level.ts';
import { logMelFeatureSource } from '../../models/speech-encoder/log-mel-source.ts';
import type { AudioFrontEnd } from './train.ts';

export function defaultAudioFrontEnd(config: FeatureConfig = DEFAULT_FEATURE_CONFIG, inputLevel: LevelConfig | null = DEFAULT_LEVEL_CONFIG): AudioFrontEnd {
  return {
    features: logMelFeatureSource(config, inputLevel),
    loadAudio: async (path) => (await loadAudio(path, config.sampleRate)).samples,
    // Without level normalisation the key is what it was before it existed, so old caches stay valid.
    featureKey: JSON.stringify(inputLevel ? { ...config, inputLevel } : config),
    inputLevel,
    featureConfig: config,
  };
}
