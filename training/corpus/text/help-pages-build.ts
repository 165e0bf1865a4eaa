/**
 * `babelfish corpus help-pages`: more human-translated train pairs, from LibreOffice's
 * help (sources/help-pages.ts), for the text corpus's trained pairs only.
 *
 * They go to a folder of their own (data/text-help, rebuilt from Debian's packages, not
 * committed) that `babelfish train translator --extra-train` adds to the corpus's train
 * rows, so the committed corpus, its dev and test files and every figure measured on them
 * stay as they are. A pair either of whose sentences is in a dev or test file of the corpus
 * is dropped, as is one the corpus's train file already has.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseCommandArgs } from '../../../src/cli/args.ts';
import { BabelfishError } from '../../../src/errors.ts';
import { projectRoot } from '../../../src/paths.ts';
import { alignVerse } from './bibleAlign.ts';
import { normalizeFor, sentenceKey, type LengthLimits } from './clean.ts';
import { DEFAULT_TEXT_CORPUS_CONFIG } from './config.ts';
import { corpusKeys, trainPairKeys, writeExtraManifest } from './extra-pairs.ts';
import { unitHash } from './split.ts';
import { writeTsv } from './tsv.ts';
import { readHelpPages, type HelpUnit } from './sources/help-pages.ts';

export interface HelpPagesOptions {
  /** LibreOffice's help folder, one subfolder per locale. */
  root: string;
  /** Language -> locale folder under `root`. */
  locales: Record<string, string>;
  /** The text corpus whose trained pairs get pairs and whose dev/test sentences are kept out. */
  textDir: string;
  out: string;
  limits: LengthLimits;
  seed: number;
}

export const DEFAULT_HELP_PAGES_OPTIONS: HelpPagesOptions = {
  root: '/usr/share/libreoffice/help',
  locales: { en: 'en-US', es: 'es', fr: 'fr', de: 'de' },
  textDir: DEFAULT_TEXT_CORPUS_CONFIG.outDir,
  out: path.join(projectRoot, 'data', 'text-help'),
  limits: { minWords: DEFAULT_TEXT_CORPUS_CONFIG.minWords, maxWords: DEFAULT_TEXT_CORPUS_CONFIG.maxWords },
  seed: DEFAULT_TEXT_CORPUS_CONFIG.seed,
};

/** The Debian packages that carry the help in each language. */
export const HELP_PAGES_PACKAGES = ['libreoffice-help-en-us', 'libreoffice-help-es', 'libreoffice-help-fr', 'libreoffice-help-de'];

export interface HelpPairCounts {
  pairs: number;
  heldOut: number;
  inTrain: number;
}

/**
 * Sentence pairs of one language pair from help units: a paragraph is one pair, or as
 * many as it has sentences when both languages have the same number (the corpus's Bible
 * aligner, which also rejects implausible length ratios). Pairs touching `heldOut`
 * sentence keys or already in `existing` (key of a + tab + key of b) are dropped; the
 * rest are deduplicated and returned in a seeded shuffled order.
 */
export function helpPagePairs(
  units: HelpUnit[],
  a: string,
  b: string,
  limits: LengthLimits,
  heldOut: Set<string>,
  existing: Set<string>,
  seed: number,
): { rows: Array<[string, string]>; counts: HelpPairCounts } {
  const counts: HelpPairCounts = { pairs: 0, heldOut: 0, inTrain: 0 };
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

function log(msg: string): void {
  process.stderr.write(`[corpus help-pages] ${msg}\n`);
}

export async function buildHelpPages(o: HelpPagesOptions): Promise<Record<string, HelpPairCounts>> {
  const { trained, heldOut } = await corpusKeys(o.textDir);
  log(`${heldOut.size} dev/test sentences of ${o.textDir} kept out`);
  const units = await readHelpPages(o.root, o.locales).catch((e: Error) => {
    throw new BabelfishError('FILE_NOT_FOUND', `${e.message}: apt-get install ${HELP_PAGES_PACKAGES.join(' ')}`);
  });
  log(`${units.length} paragraphs with two or more languages`);
  await mkdir(o.out, { recursive: true });
  const counts: Record<string, HelpPairCounts> = {};
  for (const f of trained) {
    const existing = await trainPairKeys(o.textDir, f.src, f.tgt);
    const { rows, counts: c } = helpPagePairs(units, f.src, f.tgt, o.limits, heldOut, existing, o.seed);
    await writeTsv(path.join(o.out, `${f.src}-${f.tgt}.train.tsv.gz`), rows);
    counts[`${f.src}-${f.tgt}`] = c;
    log(`${f.src}-${f.tgt}: ${c.pairs} pairs (${c.heldOut} dropped as dev/test sentences, ${c.inTrain} already in the corpus)`);
  }
  const manifest = { source: 'LibreOffice help', packages: HELP_PAGES_PACKAGES, licence: 'MPL-2.0 (LibreOffice help; see /usr/share/doc/libreoffice-help-*/copyright)', root: o.root, textDir: o.textDir, seed: o.seed, counts };
  await writeExtraManifest(o.out, manifest);
  return counts;
}

const USAGE = `babelfish corpus help-pages [--root DIR] [--text DIR] [--out DIR] [--seed N]

Sentence pairs from LibreOffice's help pages (apt-get install ${HELP_PAGES_PACKAGES.join(' ')}),
paragraph by paragraph, for the trained pairs of the text corpus, leaving out its dev and test
sentences. Train on them with: babelfish train translator --extra-train DIR.
  --root DIR   the help's folder (${DEFAULT_HELP_PAGES_OPTIONS.root})
  --text DIR   the text corpus (training/data/text)
  --out DIR    where the <a>-<b>.train.tsv.gz files go (data/text-help)
  --seed N     row order (${DEFAULT_HELP_PAGES_OPTIONS.seed})`;

export async function runHelpPages(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { root: { type: 'string' }, text: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' } });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const o: HelpPagesOptions = { ...DEFAULT_HELP_PAGES_OPTIONS };
  if (values.root) o.root = path.resolve(values.root);
  if (values.text) o.textDir = path.resolve(values.text);
  if (values.out) o.out = path.resolve(values.out);
  if (values.seed !== undefined) {
    const s = Number(values.seed);
    if (!Number.isInteger(s)) throw new BabelfishError('BAD_ARGUMENT', `--seed must be an integer, got ${values.seed}`);
    o.seed = s;
  }
  const t0 = Date.now();
  const counts = await buildHelpPages(o);
  const total = Object.values(counts).reduce((n, c) => n + c.pairs, 0);
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${total} pairs under ${o.out}`);
  return 0;
}
