/**
 * Voices of the synthetic corpus. A voice is (variant, pitch, speed), where the
 * variant is one of espeak-ng's variant files or a variant file generated from a
 * seed ("random timbre"). The same voice speaks every language, each with an
 * accent (espeak language voice) picked for it once per language.
 *
 * Voice split: the variants and random seeds in TEST_VARIANTS / test seeds are
 * never used for train or dev, so test sets measure unseen speakers.
 */
import { languageByCode } from '../languages.ts';
import { createRng, hashSeed, pick, randInt, shuffled, type Rng } from './random.ts';

export interface Voice {
  /** Stable id, the `speaker` of manifest rows, e.g. `m3.p45.s170` or `rnd-t2.p60.s150`. */
  id: string;
  /** `train` voices speak train and dev sentences; `test` voices only test sentences. */
  split: 'train' | 'test';
  /** espeak variant name: a built-in file, or `rnd<seed>` for a generated one. */
  variant: string;
  /** Seed of the generated variant file, when the variant is generated. */
  randomSeed?: number;
  /** espeak pitch 20-80. */
  pitch: number;
  /** Words per minute, 130-220. */
  speed: number;
  /** espeak language voice per babelfish language code. */
  accents: Record<string, string>;
}

/**
 * espeak-ng language voices per language (names as `set_voice` accepts them in
 * the npm build: `en` is British English, `fr` is France's French; `fr-fr` and
 * `en-gb` are rejected). Languages not listed fall back to languages.ts.
 */
export const ACCENTS: Record<string, readonly string[]> = {
  en: ['en-us', 'en', 'en-gb-scotland', 'en-gb-x-rp', 'en-029', 'en-us-nyc', 'en-gb-x-gbclan', 'en-gb-x-gbcwmd'],
  es: ['es', 'es-419'],
  fr: ['fr', 'fr-be', 'fr-ch'],
  de: ['de'],
};

/**
 * Human-sounding built-in variants (the build has 104; robots, "Demonic",
 * whisper and the like are left out because they would teach the synthesizer
 * odd timbres and give the recogniser little).
 */
export const TRAIN_VARIANTS: readonly string[] = [
  'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'f1', 'f2', 'f3', 'f4', 'croak', 'klatt', 'klatt2', 'klatt3',
  'Alex', 'Andy', 'adam', 'anika', 'boris', 'david', 'ed', 'edward', 'ian', 'john', 'linda', 'max',
  'michel', 'paul', 'pedro', 'quincy', 'rob', 'robert', 'steph', 'travis', 'victor', 'zac',
];
export const TEST_VARIANTS: readonly string[] = ['m7', 'm8', 'f5', 'klatt4', 'Annie', 'belinda', 'benjamin', 'caleb'];

export interface VoiceBankConfig {
  trainBuiltin: number;
  trainRandom: number;
  testBuiltin: number;
  testRandom: number;
  pitch: [number, number];
  speed: [number, number];
}

export const DEFAULT_VOICE_BANK: VoiceBankConfig = {
  trainBuiltin: 28,
  trainRandom: 8,
  testBuiltin: 6,
  testRandom: 4,
  pitch: [20, 80],
  speed: [130, 220],
};

/** The voices of a corpus, deterministic from the seed. */
export function buildVoiceBank(seed: number, config: VoiceBankConfig, languages: readonly string[]): Voice[] {
  const voices: Voice[] = [];
  const ids = new Set<string>();
  const add = (split: Voice['split'], variant: string, key: string, randomSeed?: number) => {
    const rng = createRng(hashSeed(seed, 'voice', key));
    for (;;) {
      const pitch = randInt(rng, config.pitch[0], config.pitch[1]);
      const speed = randInt(rng, config.speed[0], config.speed[1]);
      const id = `${variant}.p${pitch}.s${speed}`;
      if (ids.has(id)) continue;
      ids.add(id);
      const accents: Record<string, string> = {};
      // Per-language draws, so adding a language leaves the others' accents alone.
      for (const lang of languages) accents[lang] = pick(createRng(hashSeed(seed, 'accent', key, lang)), accentsFor(lang));
      voices.push({ id, split, variant, ...(randomSeed !== undefined ? { randomSeed } : {}), pitch, speed, accents });
      return;
    }
  };
  const take = (split: Voice['split'], pool: readonly string[], n: number) => {
    const order = shuffled(createRng(hashSeed(seed, 'variants', split)), pool);
    // More voices than variants: reuse variants with other pitch/speed.
    for (let i = 0; i < n; i++) add(split, order[i % order.length], `${split}:${i}`);
  };
  take('train', TRAIN_VARIANTS, config.trainBuiltin);
  // Random-variant seeds: train seeds are even, test seeds odd, so they never meet.
  for (let i = 0; i < config.trainRandom; i++) add('train', `rnd${2 * i}`, `train-rnd:${i}`, hashSeed(seed, 'rnd', 2 * i));
  take('test', TEST_VARIANTS, config.testBuiltin);
  for (let i = 0; i < config.testRandom; i++) add('test', `rnd${2 * i + 1}`, `test-rnd:${i}`, hashSeed(seed, 'rnd', 2 * i + 1));
  return voices;
}

export function accentsFor(lang: string): readonly string[] {
  const listed = ACCENTS[lang];
  if (listed) return listed;
  const language = languageByCode(lang);
  if (!language) throw new Error(`no espeak voice known for language ${lang}`);
  return [language.espeakVoice];
}

/**
 * An espeak variant definition with random formants, pitch, tone and voice
 * quality: a timbre no built-in file has. Ranges stay near those of the
 * built-in m1-m8 / f1-f5 files so the result still sounds like a person.
 */
export function randomVariantFile(name: string, seed: number): string {
  const rng: Rng = createRng(seed);
  const female = rng() < 0.5;
  const u = (lo: number, hi: number) => randInt(rng, lo, hi);
  const base = female ? u(140, 210) : u(70, 115);
  const top = base + (female ? u(50, 100) : u(25, 60));
  const shift = female ? u(104, 118) : u(90, 104);
  const lines = [
    'language variant',
    `name ${name}`,
    `gender ${female ? 'female' : 'male'}`,
    `pitch ${base} ${top}`,
    `flutter ${u(0, 20)}`,
    `roughness ${u(0, 4)}`,
  ];
  for (let f = 0; f <= 8; f++) {
    const freq = f >= 1 && f <= 3 ? shift + u(-6, 6) : u(90, 115);
    lines.push(`formant ${f} ${freq} ${u(60, 130)} ${u(80, 160)}`);
  }
  lines.push(`tone 600 ${u(120, 255)} 1200 ${u(60, 200)} 2000 ${u(30, 160)} 3000 ${u(10, 120)}`);
  if (rng() < 0.4) lines.push(`breath ${Array.from({ length: 8 }, () => u(0, 6)).join(' ')}`);
  lines.push(`voicing ${u(70, 140)}`, `consonants ${u(70, 130)} ${u(70, 130)}`);
  return lines.join('\n') + '\n';
}
