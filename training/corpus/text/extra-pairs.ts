/**
 * What the builders of extra train folders (`corpus help-pages`, `corpus wesnoth`, `corpus
 * ding`) share: the text corpus's dev and test sentences, which must never reach a train row,
 * the pairs its train files already have, and the pairing of translated units (a paragraph or
 * message in several languages) into sentence pairs. Extra folders sit beside the committed
 * corpus and are added to training with `train translator --extra-train`, so its files and
 * figures stay as they are.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { integerFlag, parseCommandArgs } from '../../../src/cli/args.ts';
import { BabelfishError } from '../../../src/errors.ts';
import { writeAtomic } from '../../../src/write-atomic.ts';
import { alignVerse } from './bibleAlign.ts';
import { normalizeFor, sentenceKey, type LengthLimits } from './clean.ts';
import { listParallelFiles, readParallel, type ParallelFile } from './parallel.ts';
import { unitHash } from './split.ts';
import { writeTsv } from './tsv.ts';

export interface CorpusKeys {
  /** The corpus's train files: the pairs an extra folder may add to. */
  trained: ParallelFile[];
  /** `sentenceKey` of every sentence of the corpus's dev and test files. */
  heldOut: Set<string>;
}

export async function corpusKeys(textDir: string): Promise<CorpusKeys> {
  const files = await listParallelFiles(textDir);
  const trained = files.filter((f) => f.split === 'train');
  if (!trained.length) throw new BabelfishError('FILE_NOT_FOUND', `no <a>-<b>.train files in ${textDir}`);
  const heldOut = new Set<string>();
  for (const f of files.filter((f) => f.split !== 'train')) {
    for (const [s, t] of await readParallel(f.src, f.tgt, f.split, textDir)) {
      heldOut.add(sentenceKey(s));
      heldOut.add(sentenceKey(t));
    }
  }
  return { trained, heldOut };
}

/** `key(a) + tab + key(b)` of every train pair of a-b in the corpus. */
export async function trainPairKeys(textDir: string, a: string, b: string): Promise<Set<string>> {
  return new Set((await readParallel(a, b, 'train', textDir)).map(([s, t]) => `${sentenceKey(s)}\t${sentenceKey(t)}`));
}

/** The folder's manifest.json, written last (atomically) so a folder that has one is whole. */
export async function writeExtraManifest(out: string, manifest: Record<string, unknown>): Promise<void> {
  await writeAtomic(path.join(out, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
}

/** One paragraph or message in several languages; `unit` names where it comes from. */
export interface TranslationUnit {
  unit: string;
  texts: Record<string, string>;
}

export interface UnitPairCounts {
  pairs: number;
  heldOut: number;
  inTrain: number;
}

/**
 * Sentence pairs of one language pair from translated units: a unit is one pair, or as
 * many as it has sentences when both languages have the same number (the corpus's Bible
 * aligner, which also rejects implausible length ratios). Pairs touching `heldOut`
 * sentence keys or already in `existing` (key of a + tab + key of b) are dropped; the
 * rest are deduplicated and returned in a seeded shuffled order.
 */
export function unitPairs(
  units: TranslationUnit[],
  a: string,
  b: string,
  limits: LengthLimits,
  heldOut: Set<string>,
  existing: Set<string>,
  seed: number,
): { rows: Array<[string, string]>; counts: UnitPairCounts } {
  const counts: UnitPairCounts = { pairs: 0, heldOut: 0, inTrain: 0 };
  const seen = new Set<string>();
  const rows: Array<{ row: [string, string]; k: number }> = [];
  for (const u of units) {
    const x = u.texts[a];
    const y = u.texts[b];
    if (x === undefined || y === undefined) continue;
    for (const [s, t] of alignVerse(normalizeFor(a, x), normalizeFor(b, y), limits)) {
      const ks = sentenceKey(s);
      const kt = sentenceKey(t);
      if (ks === kt) continue;
      if (heldOut.has(ks) || heldOut.has(kt)) {
        counts.heldOut++;
        continue;
      }
      const key = `${ks}\t${kt}`;
      if (existing.has(key)) {
        counts.inTrain++;
        continue;
      }
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push({ row: [s, t], k: unitHash(seed, `${u.unit}\u0000${s}`) });
    }
  }
  rows.sort((p, q) => p.k - q.k || (p.row[0] < q.row[0] ? -1 : p.row[0] > q.row[0] ? 1 : 0));
  counts.pairs = rows.length;
  return { rows: rows.map((r) => r.row), counts };
}

/** What every builder of a folder of unit pairs takes. */
export interface UnitPairFolderOptions {
  /** Where the source's files are (a help or locale folder). */
  root: string;
  /** The text corpus whose trained pairs get pairs and whose dev/test sentences are kept out. */
  textDir: string;
  out: string;
  limits: LengthLimits;
  /** Row order. */
  seed: number;
}

/**
 * Writes `<a>-<b>.train.tsv.gz` under `out` for each of the corpus's trained pairs from the
 * units (never the corpus's untrained pairs: those stay zero-shot), then the manifest with the
 * counts. `log` hears one line per pair.
 */
export async function writeUnitPairFolder(
  units: TranslationUnit[],
  o: UnitPairFolderOptions,
  manifest: Record<string, unknown>,
  log: (msg: string) => void,
): Promise<Record<string, UnitPairCounts>> {
  const { trained, heldOut } = await corpusKeys(o.textDir);
  log(`${heldOut.size} dev/test sentences of ${o.textDir} kept out`);
  await mkdir(o.out, { recursive: true });
  const counts: Record<string, UnitPairCounts> = {};
  for (const f of trained) {
    const existing = await trainPairKeys(o.textDir, f.src, f.tgt);
    const { rows, counts: c } = unitPairs(units, f.src, f.tgt, o.limits, heldOut, existing, o.seed);
    await writeTsv(path.join(o.out, `${f.src}-${f.tgt}.train.tsv.gz`), rows);
    counts[`${f.src}-${f.tgt}`] = c;
    log(`${f.src}-${f.tgt}: ${c.pairs} pairs (${c.heldOut} dropped as dev/test sentences, ${c.inTrain} already in the corpus)`);
  }
  await writeExtraManifest(o.out, { ...manifest, textDir: o.textDir, seed: o.seed, counts });
  return counts;
}

/**
 * The command line of a unit-pair folder builder (`corpus help-pages`, `corpus wesnoth`):
 * `--root`, `--text`, `--out` and `--seed` over the builder's defaults, then the build, timed;
 * `--help` prints `usage`.
 */
export async function runUnitPairFolderCommand<O extends UnitPairFolderOptions>(
  argv: string[],
  defaults: O,
  usage: string,
  build: (o: O) => Promise<Record<string, UnitPairCounts>>,
  log: (msg: string) => void,
): Promise<number> {
  const { values } = parseCommandArgs(argv, { root: { type: 'string' }, text: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' } });
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const o: O = { ...defaults };
  if (values.root) o.root = path.resolve(values.root);
  if (values.text) o.textDir = path.resolve(values.text);
  if (values.out) o.out = path.resolve(values.out);
  o.seed = integerFlag('seed', values.seed) ?? o.seed;
  const t0 = Date.now();
  const counts = await build(o);
  const total = Object.values(counts).reduce((n, c) => n + c.pairs, 0);
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${total} pairs under ${o.out}`);
  return 0;
}
