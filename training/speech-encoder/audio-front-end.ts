/** The project's audio decoding and log-mel front end, in the shape training and evaluation need. */
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig } from '../../src/audio/config.ts';
import { loadAudio } from '../../src/audio/decode.ts';
import { logMelFeatureSource } from '../../models/speech-encoder/log-mel-source.ts';
import type { AudioFrontEnd } from './train.ts';

export function defaultAudioFrontEnd(config: FeatureConfig = DEFAULT_FEATURE_CONFIG): AudioFrontEnd {
  return {
    features: logMelFeatureSource(config),
    loadAudio: async (path) => (await loadAudio(path, config.sampleRate)).samples,
    featureKey: JSON.stringify(config),
  };
}
