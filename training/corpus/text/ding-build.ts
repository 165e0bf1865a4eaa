/**
 * `babelfish corpus ding`: everyday German-English sentence pairs from the Ding dictionary's
 * examples (sources/ding.ts), as an extra train folder for the corpus's en-de pair, with dev
 * and test files of their own.
 *
 * The corpus's en-de text is dictionary words, package descriptions and program messages; none
 * of it is the German a person says, and its test file measures none either. This folder adds
 * such sentences to training (`train translator --extra-train data/text-ding`) and holds some
 * back to measure them (`eval translator --data data/text-ding`). A sentence of the dev or test
 * pairs never appears in a train pair, on either side: the dictionary repeats an example under
 * each of its headwords, sometimes with another translation.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseCommandArgs } from '../../../src/cli/args.ts';
import { BabelfishError } from '../../../src/errors.ts';
import { projectRoot } from '../../../src/paths.ts';
import { cleanFor, sentenceKey, type LengthLimits } from './clean.ts';
import { DEFAULT_TEXT_CORPUS_CONFIG } from './config.ts';
import { corpusKeys, trainPairKeys, writeExtraManifest } from './extra-pairs.ts';
import { unitHash } from './split.ts';
import { writeTsv } from './tsv.ts';
import { readDing, type DingPair } from './sources/ding.ts';

export interface DingOptions {
  /** The dictionary file of Debian's trans-de-en. */
  file: string;
  /** The text corpus whose en-de pair gets the train rows and whose dev/test sentences are kept out. */
  textDir: string;
  out: string;
  limits: LengthLimits;
  /** Pairs held out for the folder's own test and dev files. */
  testPairs: number;
  devPairs: number;
  seed: number;
}

export const DEFAULT_DING_OPTIONS: DingOptions = {
  file: '/usr/share/trans/de-en',
  textDir: DEFAULT_TEXT_CORPUS_CONFIG.outDir,
  out: path.join(projectRoot, 'data', 'text-ding'),
  limits: { minWords: DEFAULT_TEXT_CORPUS_CONFIG.minWords, maxWords: DEFAULT_TEXT_CORPUS_CONFIG.maxWords },
  testPairs: 500,
  devPairs: 300,
  seed: DEFAULT_TEXT_CORPUS_CONFIG.seed,
};

export const DING_PACKAGE = 'trans-de-en';

export interface DingSplit {
  /** [English, German] rows, as the corpus's en-de files have them. */
  train: Array<[string, string]>;
  dev: Array<[string, string]>;
  test: Array<[string, string]>;
  counts: { sentences: number; rejected: number; corpusHeldOut: number; inCorpusTrain: number; duplicates: number; overlapsHeldOut: number };
}

/**
 * Cleans, filters and splits Ding pairs. Dev and test take the pairs whose seeded hash of the
 * German sentence comes first; a train pair sharing an English or German sentence with any of
 * them is dropped. `corpusHeldOut` holds the corpus's dev/test sentence keys, `inCorpus` its
 * en-de train pairs (English key + tab + German key).
 */
export function splitDingPairs(pairs: DingPair[], o: Pick<DingOptions, 'limits' | 'testPairs' | 'devPairs' | 'seed'>, corpusHeldOut: Set<string>, inCorpus: Set<string>): DingSplit {
  const counts = { sentences: pairs.length, rejected: 0, corpusHeldOut: 0, inCorpusTrain: 0, duplicates: 0, overlapsHeldOut: 0 };
  const seen = new Set<string>();
  const rows: Array<{ en: string; de: string; ken: string; kde: string; h: number }> = [];
  for (const p of pairs) {
    const en = cleanFor('en', p.en, o.limits);
    const de = cleanFor('de', p.de, o.limits);
    if (!en || !de) {
      counts.rejected++;
      continue;
    }
    const ken = sentenceKey(en);
    const kde = sentenceKey(de);
    if (corpusHeldOut.has(ken) || corpusHeldOut.has(kde)) {
      counts.corpusHeldOut++;
      continue;
    }
    const pairKey = `${ken}\t${kde}`;
    if (inCorpus.has(pairKey)) {
      counts.inCorpusTrain++;
      continue;
    }
    if (seen.has(pairKey)) {
      counts.duplicates++;
      continue;
    }
    seen.add(pairKey);
    rows.push({ en, de, ken, kde, h: unitHash(o.seed, `ding\u0000${kde}`) });
  }
  rows.sort((a, b) => a.h - b.h || (a.kde < b.kde ? -1 : a.kde > b.kde ? 1 : 0));
  // One German sentence goes to one split: the first row of each key decides, later rows follow it.
  const splitOf = new Map<string, 'test' | 'dev' | 'train'>();
  const out: DingSplit = { train: [], dev: [], test: [], counts };
  const heldKeys = new Set<string>();
  const train: typeof rows = [];
  for (const r of rows) {
    let split = splitOf.get(r.kde);
    if (!split) {
      split = splitOf.size < o.testPairs ? 'test' : splitOf.size < o.testPairs + o.devPairs ? 'dev' : 'train';
      splitOf.set(r.kde, split);
    }
    if (split === 'train') {
      train.push(r);
      continue;
    }
    out[split].push([r.en, r.de]);
    heldKeys.add(r.ken).add(r.kde);
  }
  for (const r of train) {
    if (heldKeys.has(r.ken) || heldKeys.has(r.kde)) counts.overlapsHeldOut++;
    else out.train.push([r.en, r.de]);
  }
  return out;
}

function log(msg: string): void {
  process.stderr.write(`[corpus ding] ${msg}\n`);
}

export async function buildDing(o: DingOptions): Promise<DingSplit['counts'] & { train: number; dev: number; test: number }> {
  const { trained, heldOut } = await corpusKeys(o.textDir);
  const pair = trained.find((f) => (f.src === 'en' && f.tgt === 'de') || (f.src === 'de' && f.tgt === 'en'));
  if (!pair) throw new BabelfishError('FILE_NOT_FOUND', `no en-de train file in ${o.textDir}: Ding pairs add to that pair`);
  const pairs = await readDing(o.file).catch((e: Error) => {
    throw new BabelfishError('FILE_NOT_FOUND', `${e.message}: apt-get install ${DING_PACKAGE}`);
  });
  log(`${pairs.length} example sentence pairs in ${o.file}; ${heldOut.size} dev/test sentences of ${o.textDir} kept out`);
  const split = splitDingPairs(pairs, o, heldOut, await trainPairKeys(o.textDir, 'en', 'de'));
  await mkdir(o.out, { recursive: true });
  for (const name of ['train', 'dev', 'test'] as const) await writeTsv(path.join(o.out, `en-de.${name}.tsv.gz`), split[name]);
  const counts = { ...split.counts, train: split.train.length, dev: split.dev.length, test: split.test.length };
  await writeExtraManifest(o.out, {
    source: 'Ding German-English dictionary (TU Chemnitz), example sentences',
    packages: [DING_PACKAGE],
    licence: 'GPL-2+ (see /usr/share/doc/trans-de-en/copyright)',
    file: o.file,
    textDir: o.textDir,
    seed: o.seed,
    counts,
  });
  return counts;
}

const USAGE = `babelfish corpus ding [--file F] [--text DIR] [--out DIR] [--test N] [--dev N] [--seed N]

Everyday German-English sentence pairs from the Ding dictionary's examples (apt-get install
${DING_PACKAGE}) for the text corpus's en-de pair, leaving out its dev and test sentences, with
held-out dev and test files of their own. Train on them with
babelfish train translator --extra-train DIR; measure with babelfish eval translator --data DIR.
  --file F     the dictionary (${DEFAULT_DING_OPTIONS.file})
  --text DIR   the text corpus (training/data/text)
  --out DIR    where en-de.{train,dev,test}.tsv.gz go (data/text-ding)
  --test N     held-out test pairs (${DEFAULT_DING_OPTIONS.testPairs})
  --dev N      held-out dev pairs (${DEFAULT_DING_OPTIONS.devPairs})
  --seed N     which pairs are held out, and row order (${DEFAULT_DING_OPTIONS.seed})`;

export async function runDing(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { file: { type: 'string' }, text: { type: 'string' }, out: { type: 'string' }, test: { type: 'string' }, dev: { type: 'string' }, seed: { type: 'string' } });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const o: DingOptions = { ...DEFAULT_DING_OPTIONS };
  if (values.file) o.file = path.resolve(values.file);
  if (values.text) o.textDir = path.resolve(values.text);
  if (values.out) o.out = path.resolve(values.out);
  const int = (flag: string, v: string | undefined, min: number): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new BabelfishError('BAD_ARGUMENT', `--${flag} must be an integer of at least ${min}, got ${v}`);
    return n;
  };
  o.testPairs = int('test', values.test, 0) ?? o.testPairs;
  o.devPairs = int('dev', values.dev, 0) ?? o.devPairs;
  o.seed = int('seed', values.seed, -(2 ** 31)) ?? o.seed;
  const t0 = Date.now();
  const c = await buildDing(o);
  log(
    `done in ${((Date.now() - t0) / 1000).toFixed(0)} s: train ${c.train}, dev ${c.dev}, test ${c.test} pairs under ${o.out} ` +
      `(${c.rejected} not clean, ${c.corpusHeldOut} corpus dev/test sentences, ${c.inCorpusTrain} already in the corpus, ${c.duplicates} duplicates, ${c.overlapsHeldOut} sharing a sentence with the held-out pairs)`,
  );
  return 0;
}
