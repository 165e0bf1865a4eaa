/**
 * Every setting of the speech corpus, with its defaults, in one place.
 * `babelfish corpus speech` flags override these.
 */
import path from 'node:path';
import { projectRoot } from '../../../src/paths.ts';
import { LANGUAGE_CODES } from '../languages.ts';
import { DEFAULT_AUGMENT, type AugmentConfig } from './augment.ts';
import { DEFAULT_VOICE_BANK, type VoiceBankConfig } from './voices.ts';

export type SpeechCorpusSize = 'tiny' | 'default' | 'full';
export const SPEECH_CORPUS_SIZES: readonly SpeechCorpusSize[] = ['tiny', 'default', 'full'];

export interface SizeConfig {
  /**
   * Utterances per language and split. When the text corpus has fewer unique
   * sentences than asked for, sentences are spoken again by other voices of the
   * split (so sentences stay disjoint across splits).
   */
  utterances: { train: number; dev: number; test: number };
  /** Keep adding training utterances until the estimated audio reaches this many hours per language. */
  trainHours?: number;
  voices: VoiceBankConfig;
}

export const SIZES: Record<SpeechCorpusSize, SizeConfig> = {
  // Seconds to build: the test suite and CI use it.
  tiny: {
    utterances: { train: 4, dev: 2, test: 2 },
    voices: { ...DEFAULT_VOICE_BANK, trainBuiltin: 3, trainRandom: 1, testBuiltin: 1, testRandom: 1 },
  },
  // What the shipped models train on: at least 5 h per language (the estimate
  // errs low, see plan.ts) over 36 training voices.
  default: {
    utterances: { train: 0, dev: 200, test: 200 },
    trainHours: 5.2,
    voices: DEFAULT_VOICE_BANK,
  },
  full: {
    utterances: { train: 0, dev: 500, test: 500 },
    trainHours: 20,
    voices: { ...DEFAULT_VOICE_BANK, trainBuiltin: 36, trainRandom: 28, testBuiltin: 8, testRandom: 8 },
  },
};

export interface SpeechCorpusConfig {
  size: SpeechCorpusSize;
  /** Output folder (manifests, wav/, align/). */
  out: string;
  seed: number;
  /** Synthesis processes running at once. */
  jobs: number;
  languages: readonly string[];
  /** The parallel text corpus the sentences come from. */
  textDir: string;
  sampleRate: number;
  augment: AugmentConfig;
  /** Also write `manifest.test-noisy.jsonl`: the test utterances with noise, reverb or telephone band. */
  noisyTest: boolean;
  /** After a complete build, delete wav and alignment files no row refers to (left by older plans). */
  prune: boolean;
  /** Save espeak's word and phoneme timings under align/. */
  align: boolean;
  /** Override the size's utterance counts (used by tests and for quick experiments). */
  utterances?: Partial<SizeConfig['utterances']>;
}

export function defaultSpeechCorpusConfig(size: SpeechCorpusSize = 'default'): SpeechCorpusConfig {
  return {
    size,
    out: path.join(projectRoot, 'data', 'corpus', 'speech', size),
    seed: 1,
    jobs: 2,
    languages: LANGUAGE_CODES,
    textDir: path.join(projectRoot, 'training', 'data', 'text'),
    sampleRate: 16000,
    augment: DEFAULT_AUGMENT,
    noisyTest: true,
    align: true,
    prune: false,
  };
}
