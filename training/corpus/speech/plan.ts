/**
 * Which sentence is spoken by which voice, with which augmentation: the whole
 * corpus as a list of jobs, computed up front from the seed alone, so a rebuild
 * (or a resumed build) asks for exactly the same files.
 */
import { hashSeed, createRng, shuffled } from './random.ts';
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

/** Noisy copies of the test set: always degraded, never clean. */
const NOISY_TEST: AugmentConfig = {
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
      // Shuffle once per (seed, language, split): a larger size takes a superset of a smaller one's sentences.
      const order = shuffled(createRng(hashSeed(input.seed, 'sentences', lang, split)), unique);
      const pool = split === 'test' ? testVoices : trainVoices;
      let estimated = 0;
      for (let k = 0; k < want || estimated < hoursWanted * 3600; k++) {
        const text = order[k % order.length];
        const repeat = Math.floor(k / order.length);
        if (repeat >= pool.length) break; // every voice of the pool has said every sentence
        // Repeats of a sentence go to other voices of the pool.
        const voice = pool[(hashSeed(input.seed, 'voice-of', lang, split, text) + repeat) % pool.length];
        const accent = voice.accents[lang];
        const augment = split === 'train' ? planAugment(input.augment, hashSeed(input.seed, 'augment', lang, k)) : null;
        jobs.push(makeJob(lang, split, split, k, text, voice, accent, augment, input.align));
        estimated += estimateSeconds(text, voice.speed / (augment?.speed ?? 1));
        if (split === 'test' && input.noisyTest) {
          const noisy = planAugment(NOISY_TEST, hashSeed(input.seed, 'noisy-test', lang, k));
          jobs.push(makeJob(lang, split, 'test-noisy', k, text, voice, accent, noisy, false));
        }
      }
    }
  }
  return jobs;
}

/**
 * Rough spoken duration: espeak measured here takes about 0.8 x words / (wpm / 60)
 * (0.78-0.83 across variants and speeds) plus a little silence; 0.75 keeps the
 * estimate on the low side so hour targets are met.
 */
export function estimateSeconds(text: string, wordsPerMinute: number): number {
  const words = text.split(/\s+/).filter(Boolean).length;
  return (0.75 * words * 60) / wordsPerMinute + 0.2;
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
  // The content hash in the id means a changed text corpus or voice never reuses a stale file on resume.
  const digest = hashSeed(text, voice.id, accent, JSON.stringify(augment)).toString(16).padStart(8, '0');
  const id = `${lang}-${manifest}-${String(k).padStart(5, '0')}-${digest}`;
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
