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
import path from 'node:path';
import { BabelfishError } from '../../../src/errors.ts';
import { projectRoot } from '../../../src/paths.ts';
import { DEFAULT_TEXT_CORPUS_CONFIG } from './config.ts';
import { runUnitPairFolderCommand, writeUnitPairFolder, type UnitPairCounts, type UnitPairFolderOptions } from './extra-pairs.ts';
import { readHelpPages } from './sources/help-pages.ts';

/** `root` is LibreOffice's help folder, one subfolder per locale. */
export interface HelpPagesOptions extends UnitPairFolderOptions {
  /** Language -> locale folder under `root`. */
  locales: Record<string, string>;
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

function log(msg: string): void {
  process.stderr.write(`[corpus help-pages] ${msg}\n`);
}

export async function buildHelpPages(o: HelpPagesOptions): Promise<Record<string, UnitPairCounts>> {
  const units = await readHelpPages(o.root, o.locales).catch((e: Error) => {
    throw new BabelfishError('FILE_NOT_FOUND', `${e.message}: apt-get install ${HELP_PAGES_PACKAGES.join(' ')}`);
  });
  log(`${units.length} paragraphs with two or more languages`);
  const manifest = { source: 'LibreOffice help', packages: HELP_PAGES_PACKAGES, licence: 'MPL-2.0 (LibreOffice help; see /usr/share/doc/libreoffice-help-*/copyright)', root: o.root };
  return writeUnitPairFolder(units, o, manifest, log);
}

const USAGE = `babelfish corpus help-pages [--root DIR] [--text DIR] [--out DIR] [--seed N]

Sentence pairs from LibreOffice's help pages (apt-get install ${HELP_PAGES_PACKAGES.join(' ')}),
paragraph by paragraph, for the trained pairs of the text corpus, leaving out its dev and test
sentences. Train on them with: babelfish train translator --extra-train DIR.
  --root DIR   the help's folder (${DEFAULT_HELP_PAGES_OPTIONS.root})
  --text DIR   the text corpus (training/data/text)
  --out DIR    where the <a>-<b>.train.tsv.gz files go (data/text-help)
  --seed N     row order (${DEFAULT_HELP_PAGES_OPTIONS.seed})`;

export function runHelpPages(argv: string[]): Promise<number> {
  return runUnitPairFolderCommand(argv, DEFAULT_HELP_PAGES_OPTIONS, USAGE, buildHelpPages, log);
}
