/**
 * Which sentence is spoken by which voice, with which augmentation: the whole
 * corpus as a list of jobs, computed up front from the seed alone, so a rebuild
 * (or a resumed build) asks for exactly the same files.
 */
import { createHash } from 'node:crypto';
import { hashSeed } from './random.ts';
import { planAugment, type AugmentConfig, type AugmentPlan } from './augment.ts';
import type { Voice } from './voices.ts';

export type SpeechSplit = 'train' | 'dev' | 'test';
export const SPEECH_SPLITS: readonly SpeechSplit[] = ['train', 'dev', 'test'];

export interface UtteranceJob {
  id: string;
  lang: string;
  split: SpeechSplit;
  /** Which manifest the row goes to: the split, or `test-noisy`. */
  manifest: SpeechSplit | 'test-noisy';
  /** Position in its language's list for the manifest. */
  index: number;
  text: string;
  voice: Voice;
  /** espeak language voice used for this language by this voice. */
  accent: string;
  augment: AugmentPlan | null;
  /** Paths relative to the corpus folder. */
  wav: string;
  align: string | null;
}

export interface PlanInput {
  seed: number;
  /** Unique sentences per language and split, already disjoint across splits. */
  sentences: Record<string, Record<SpeechSplit, string[]>>;
  voices: readonly Voice[];
  utterances: Record<SpeechSplit, number>;
  /**
   * Hours of training audio per language to reach (estimated from word counts
   * and voice speeds); when set, the training list grows past `utterances.train`
   * until the estimate reaches it.
   */
  trainHours?: number;
  augment: AugmentConfig;
  noisyTest: boolean;
  align: boolean;
}

/** Noisy copies of the test set (and of the speech LM's tuning utterances): always degraded, never clean. */
export const NOISY_TEST: AugmentConfig = {
  fraction: 1,
  noise: 1,
  reverb: 0.3,
  speed: 0,
  telephone: 0.2,
  snrDb: [5, 20],
  rt60: [0.2, 0.6],
  speedFactors: [],
};

export function planUtterances(input: PlanInput): UtteranceJob[] {
  const jobs: UtteranceJob[] = [];
  const trainVoices = input.voices.filter((v) => v.split === 'train');
  const testVoices = input.voices.filter((v) => v.split === 'test');
  if (!trainVoices.length || !testVoices.length) throw new Error('the voice bank needs train and test voices');
  for (const lang of Object.keys(input.sentences)) {
    for (const split of SPEECH_SPLITS) {
      const unique = input.sentences[lang][split];
      const want = input.utterances[split];
      const hoursWanted = split === 'train' ? (input.trainHours ?? 0) : 0;
      if (!unique.length || (!want && !hoursWanted)) continue;
      // Order by a seeded hash of each sentence: a larger size takes a superset of a
      // smaller one's sentences, and a sentence's place, voice, augmentation and
      // id do not move when other sentences enter or leave the text corpus, so a
      // resumed build keeps its finished files across text corpus rebuilds.
      const key = new Map(unique.map((t) => [t, hashSeed(input.seed, 'order', lang, split, t)]));
      const order = unique.slice().sort((a, b) => key.get(a)! - key.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
      const pool = split === 'test' ? testVoices : trainVoices;
      let estimated = 0;
      for (let k = 0; k < want || estimated < hoursWanted * 3600; k++) {
        const text = order[k % order.length];
        const repeat = Math.floor(k / order.length);
        if (repeat >= pool.length) break; // every voice of the pool has said every sentence
        // Repeats of a sentence go to other voices of the pool.
        const voice = pool[(hashSeed(input.seed, 'voice-of', lang, split, text) + repeat) % pool.length];
        const accent = voice.accents[lang];
        const augment = split === 'train' ? planAugment(input.augment, hashSeed(input.seed, 'augment', lang, text, repeat)) : null;
        jobs.push(makeJob(lang, split, split, k, text, voice, accent, augment, input.align));
        estimated += estimateSeconds(text, voice.speed / (augment?.speed ?? 1), lang);
        if (split === 'test' && input.noisyTest) {
          const noisy = planAugment(NOISY_TEST, hashSeed(input.seed, 'noisy-test', lang, text, repeat));
          jobs.push(makeJob(lang, split, 'test-noisy', k, text, voice, accent, noisy, false));
        }
      }
    }
  }
  return jobs;
}

/**
 * Seconds of espeak speech per character at 60 words per minute, measured on
 * the first 1300 utterances of the default corpus (median over voices, speeds
 * and sentences). Characters vary less across languages than words do (per
 * word: en 0.84, es 0.94, fr 0.73, de 1.10).
 */
const SECONDS_PER_CHAR_AT_60_WPM: Record<string, number> = { en: 0.156, es: 0.17, fr: 0.131, de: 0.156 };

/** Rough spoken duration, 5 % on the low side so that hour targets are met. */
export function estimateSeconds(text: string, wordsPerMinute: number, lang = ''): number {
  const perChar = SECONDS_PER_CHAR_AT_60_WPM[lang] ?? Math.min(...Object.values(SECONDS_PER_CHAR_AT_60_WPM));
  return (0.95 * perChar * text.length * 60) / wordsPerMinute;
}

function makeJob(
  lang: string,
  split: SpeechSplit,
  manifest: UtteranceJob['manifest'],
  k: number,
  text: string,
  voice: Voice,
  accent: string,
  augment: AugmentPlan | null,
  align: boolean,
): UtteranceJob {
  // The id is a hash of everything that shapes the audio: a changed sentence or
  // voice never reuses a stale file on resume, an unchanged one always does.
  const digest = createHash('sha1').update(JSON.stringify([text, voice.id, voice.randomSeed ?? null, accent, augment])).digest('hex').slice(0, 12);
  const id = `${lang}-${manifest}-${digest}`;
  return {
    id,
    lang,
    split,
    manifest,
    index: k,
    text,
    voice,
    accent,
    augment,
    wav: `wav/${lang}/${id}.wav`,
    align: align ? `align/${id}.json` : null,
  };
}

/** Sentences per split made disjoint: dev loses what train has, test what train or dev has. */
export function disjointSplits(raw: Record<SpeechSplit, string[]>): Record<SpeechSplit, string[]> {
  const norm = (s: string) => s.normalize('NFC').trim();
  const uniq = (xs: string[], exclude: Set<string>) => {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const x of xs.map(norm)) {
      if (!x || seen.has(x) || exclude.has(x)) continue;
      seen.add(x);
      out.push(x);
    }
    return out;
  };
  const train = uniq(raw.train, new Set());
  const dev = uniq(raw.dev, new Set(train));
  const test = uniq(raw.test, new Set([...train, ...dev]));
  return { train, dev, test };
}
