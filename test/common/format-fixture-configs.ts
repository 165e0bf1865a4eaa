import { DEFAULT_FEATURE_CONFIG } from '../../src/audio/config.ts';

/** The tiny configurations of test/common/fixtures (see make-format-fixtures.ts). */
export const FIXTURE_CONFIGS = {
  // The fixture was saved when the speech encoder's default hop was 10 ms (8 ms since).
  speechEncoder: { numMels: 8, frontEndChannels: 6, hidden: 8, dilations: [1, 2], languages: ['en', 'es'], seed: 3, features: { ...DEFAULT_FEATURE_CONFIG, hopLength: 160 } },
  synthesizer: { hidden: 8, kernel: 3, encoderLayers: 1, decoderLayers: 1, durationLayers: 1, voices: 2, numMels: 8, seed: 4 },
  vocoder: { dilations: [1, 2], residualChannels: 4, skipChannels: 8, headChannels: 8, condChannels: 4, quantizationChannels: 16, seed: 5 },
  translator: { languages: ['aa', 'bb'], embedDim: 6, encoderUnits: 5, decoderUnits: 7, dropout: 0, labelSmoothing: 0, seed: 6 },
};

export const TRANSLATOR_TEXT = 'a b c d e f g h';
