/**
 * `babelfish corpus wesnoth`: human-translated dialogue from The Battle for Wesnoth's
 * campaigns (sources/wesnoth.ts) as train pairs for the text corpus's trained pairs only.
 *
 * Like `corpus help-pages`, they go to a folder of their own (data/text-wesnoth, rebuilt from
 * Debian's packages, not committed) that `babelfish train translator --extra-train` adds to
 * the corpus's train rows, so the committed corpus and every figure measured on it stay as
 * they are. A pair either of whose sentences is in a dev or test file of the corpus is
 * dropped, as is one the corpus's train file already has. The untrained pairs (en-fr, es-de,
 * fr-de) get nothing: they stay zero-shot.
 */
import path from 'node:path';
import { BabelfishError } from '../../../src/errors.ts';
import { projectRoot } from '../../../src/paths.ts';
import { DEFAULT_TEXT_CORPUS_CONFIG } from './config.ts';
import { runUnitPairFolderCommand, writeUnitPairFolder, type UnitPairCounts, type UnitPairFolderOptions } from './extra-pairs.ts';
import { readWesnothUnits } from './sources/wesnoth.ts';

/** `root` is the game's locale folder, one subfolder per locale. */
export interface WesnothOptions extends UnitPairFolderOptions {
  /** Language -> locale folder under `root`; English is the messages' own text. */
  locales: Record<string, string>;
}

export const DEFAULT_WESNOTH_OPTIONS: WesnothOptions = {
  root: '/usr/share/games/wesnoth/1.16/locale',
  locales: { es: 'es', fr: 'fr', de: 'de' },
  textDir: DEFAULT_TEXT_CORPUS_CONFIG.outDir,
  out: path.join(projectRoot, 'data', 'text-wesnoth'),
  limits: { minWords: DEFAULT_TEXT_CORPUS_CONFIG.minWords, maxWords: DEFAULT_TEXT_CORPUS_CONFIG.maxWords },
  seed: DEFAULT_TEXT_CORPUS_CONFIG.seed,
};

/** The game's data (interface, units, help) and each campaign's package, which carries its dialogue's catalogs. */
export const WESNOTH_PACKAGES = ['wesnoth-1.16-data', ...['did', 'dm', 'dw', 'ei', 'httt', 'l', 'low', 'nr', 'sof', 'sota', 'sotbe', 'thot', 'trow', 'tsg', 'ttb', 'utbs'].map((c) => `wesnoth-1.16-${c}`)];

function log(msg: string): void {
  process.stderr.write(`[corpus wesnoth] ${msg}\n`);
}

export async function buildWesnoth(o: WesnothOptions): Promise<Record<string, UnitPairCounts>> {
  const units = await readWesnothUnits(o.root, o.locales).catch((e: Error) => {
    throw new BabelfishError('FILE_NOT_FOUND', `${e.message}: apt-get install --no-install-recommends ${WESNOTH_PACKAGES.join(' ')}`);
  });
  log(`${units.length} messages with two or more languages`);
  const manifest = { source: 'The Battle for Wesnoth 1.16, gettext catalogs (campaign dialogue, units, help)', packages: WESNOTH_PACKAGES, licence: 'GPL-2+ (see /usr/share/doc/wesnoth-1.16-data/copyright)', root: o.root };
  return writeUnitPairFolder(units, o, manifest, log);
}

const USAGE = `babelfish corpus wesnoth [--root DIR] [--text DIR] [--out DIR] [--seed N]

Sentence pairs from The Battle for Wesnoth's translated campaign dialogue and help
(apt-get install --no-install-recommends ${WESNOTH_PACKAGES.join(' ')}), for the trained pairs
of the text corpus, leaving out its dev and test sentences. Train on them with:
babelfish train translator --extra-train DIR.
  --root DIR   the game's locale folder (${DEFAULT_WESNOTH_OPTIONS.root})
  --text DIR   the text corpus (training/data/text)
  --out DIR    where the <a>-<b>.train.tsv.gz files go (data/text-wesnoth)
  --seed N     row order (${DEFAULT_WESNOTH_OPTIONS.seed})`;

export function runWesnoth(argv: string[]): Promise<number> {
  return runUnitPairFolderCommand(argv, DEFAULT_WESNOTH_OPTIONS, USAGE, buildWesnoth, log);
}
