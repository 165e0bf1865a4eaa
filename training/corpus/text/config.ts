/**
 * Everything the text corpus is built from, in one typed object with defaults.
 * A new language or source is a new entry here (plus, for a new kind of source,
 * a reader in `sources/`).
 */
import path from 'node:path';
import { projectRoot } from '../../../src/paths.ts';

/** A SWORD Bible module read through `diatheke`; verses are aligned by reference. */
export interface BibleSource {
  kind: 'bible';
  id: string;
  lang: string;
  module: string;
  debianPackage: string;
  licence: string;
}

/** A folder or list of `fortune` cookie files (entries separated by `%` lines). */
export interface FortuneSource {
  kind: 'fortunes';
  id: string;
  lang: string;
  /** Files or folders; folders contribute every plain (non .dat/.u8) file in them, not recursively. */
  paths: string[];
  debianPackage: string;
  licence: string;
}

/** WordNet glosses carry quoted English example sentences. */
export interface WordnetSource {
  kind: 'wordnet';
  id: string;
  lang: 'en';
  dir: string;
  debianPackage: string;
  licence: string;
}

/** FreeDict TEI-derived dictd databases: quoted example phrase + " - " + translation. */
export interface FreedictSource {
  kind: 'freedict';
  id: string;
  src: string;
  tgt: string;
  dictFile: string;
  debianPackage: string;
  licence: string;
}

/** gettext message catalogs of command-line programs: human translations of the English msgid. */
export interface GettextSource {
  kind: 'gettext';
  id: string;
  localeDir: string;
  /** Catalog (domain) name -> Debian package that ships its .mo files. */
  domains: Record<string, string>;
  licence: string;
}

/**
 * Debian package descriptions in apt's Translation-<lang> indexes (DDTP): human
 * translations of the English descriptions. Fetched by
 * `apt-get -o Acquire::Languages=en,es,fr,de update`, read from apt's lists folder.
 */
export interface DdtpSource {
  kind: 'ddtp';
  id: string;
  listsDir: string;
  debianPackage: string;
  licence: string;
}

export type TextSource = BibleSource | FortuneSource | WordnetSource | FreedictSource | GettextSource | DdtpSource;

/** An apertium mode that turns monolingual sentences of `src` into machine-translated pairs. */
export interface ApertiumMode {
  mode: string;
  src: string;
  tgt: string;
  debianPackage: string;
  /**
   * Source ids whose sentences this mode translates: monolingual or Bible sources, or
   * "apertium:<mode>" for the kept output of an earlier mode (a pivot: machine output translated again).
   */
  from: string[];
}

export interface TextCorpusConfig {
  languages: string[];
  /** Pairs with train/dev/test files (canonical direction, see languages.ts). */
  trainedPairs: Array<[string, string]>;
  /** Pairs with only a test file, built from human translations, none of whose sentences is in any train split. */
  zeroShotPairs: Array<[string, string]>;
  sources: TextSource[];
  /**
   * Sources whose units only ever go to train. A source added to a built corpus goes
   * here, so the dev and test files, and the figures measured on them, stay as they were.
   */
  trainOnlySources: string[];
  apertium: ApertiumMode[];
  minWords: number;
  maxWords: number;
  /** Target sizes per pair; smaller when the data do not allow. */
  devSize: number;
  testSize: number;
  zeroShotTestSize: number;
  /** Cap on train pairs per trained pair (keeps the committed corpus a few MB). */
  maxTrainPerPair: number;
  /** Cap on machine-translated pairs taken from one monolingual source through one mode. */
  maxPerMonolingualSource: number;
  seed: number;
  outDir: string;
  cacheDir: string;
  /** Lines per apertium call; each call's output is cached under cacheDir. */
  apertiumBatch: number;
  /** Parallel apertium processes. */
  apertiumWorkers: number;
}

const GPL = 'GPL-2+ (apertium linguistic data); the translations are apertium output of the listed source';

export const DEFAULT_TEXT_CORPUS_CONFIG: TextCorpusConfig = {
  languages: ['en', 'es', 'fr', 'de'],
  trainedPairs: [['en', 'es'], ['es', 'fr'], ['en', 'de']],
  zeroShotPairs: [['en', 'fr'], ['fr', 'de'], ['es', 'de']],
  sources: [
    {
      kind: 'bible', id: 'bible-en-web', lang: 'en', module: 'engWEB2015eb', debianPackage: 'sword-text-web',
      licence: 'Public domain (World English Bible, 2020 stable text)',
    },
    {
      kind: 'bible', id: 'bible-es-rv1909', lang: 'es', module: 'spaRV1909eb', debianPackage: 'sword-text-sparv',
      licence: 'Public domain (Reina-Valera 1909)',
    },
    {
      kind: 'fortunes', id: 'fortunes-en', lang: 'en', debianPackage: 'fortunes',
      paths: ['/usr/share/games/fortunes'],
      licence: 'Public domain / free redistribution (see /usr/share/doc/fortunes/copyright)',
    },
    {
      kind: 'fortunes', id: 'fortunes-es', lang: 'es', debianPackage: 'fortunes-es',
      paths: ['/usr/share/games/fortunes/es'],
      licence: 'GPL-2+ (see /usr/share/doc/fortunes-es/copyright)',
    },
    {
      kind: 'wordnet', id: 'wordnet-en', lang: 'en', dir: '/usr/share/wordnet', debianPackage: 'wordnet-base',
      licence: 'WordNet 3.0 licence (BSD-like, Princeton University)',
    },
    {
      kind: 'freedict', id: 'freedict-eng-deu', src: 'en', tgt: 'de', debianPackage: 'dict-freedict-eng-deu',
      dictFile: '/usr/share/dictd/freedict-eng-deu.dict.dz',
      licence: 'GPL-2+ (FreeDict, derived from Ding)',
    },
    {
      kind: 'freedict', id: 'freedict-deu-eng', src: 'de', tgt: 'en', debianPackage: 'dict-freedict-deu-eng',
      dictFile: '/usr/share/dictd/freedict-deu-eng.dict.dz',
      licence: 'GPL-2+ (FreeDict, derived from Ding)',
    },
    {
      kind: 'gettext', id: 'gettext', localeDir: '/usr/share/locale',
      domains: {
        coreutils: 'coreutils', apt: 'apt', dpkg: 'dpkg', bash: 'bash', grep: 'grep', findutils: 'findutils',
        diffutils: 'diffutils', tar: 'tar', sed: 'sed', libc: 'libc-l10n', gawk: 'gawk', 'libapt-pkg6.0': 'libapt-pkg6.0',
        adduser: 'adduser', 'man-db': 'man-db', shadow: 'login', 'procps-ng': 'procps', xz: 'xz-utils',
      },
      licence: 'GPL-2+ / GPL-3+ / LGPL (each program\'s translations carry its licence; see /usr/share/doc/<package>/copyright)',
    },
    {
      // Added in session 18, train only (like ddtp) so every dev and test file stays as it was:
      // the other catalogs installed with a desktop and a database, whose messages are longer
      // (git, gnupg, PostgreSQL, GLib/GTK property descriptions).
      kind: 'gettext', id: 'gettext-apps', localeDir: '/usr/share/locale',
      domains: {
        PackageKit: 'packagekit', appstream: 'appstream', avahi: 'libavahi-common-data', 'dpkg-dev': 'libdpkg-perl',
        'gdk-pixbuf': 'libgdk-pixbuf2.0-common', 'gettext-tools': 'gettext', git: 'git', glib20: 'libglib2.0-data',
        gnupg2: 'gnupg-l10n', gnutls30: 'libgnutls30', 'gsettings-desktop-schemas': 'gsettings-desktop-schemas',
        'gstreamer-1.0': 'libgstreamer1.0-0', gtk20: 'libgtk2.0-common', 'gtk20-properties': 'libgtk2.0-common',
        gtk30: 'libgtk-3-common', 'gtk30-properties': 'libgtk-3-common', ld: 'binutils-common', opcodes: 'binutils-common',
        libhandy: 'libhandy-1-0', make: 'make', 'python-apt': 'python-apt-common', 'shared-mime-info': 'shared-mime-info',
        'system-config-printer': 'system-config-printer-common', systemd: 'systemd', wget: 'wget', 'Linux-PAM': 'libpam-runtime',
        'mit-krb5': 'krb5-locales', 'net-tools': 'net-tools', 'alsa-utils': 'alsa-utils', elfutils: 'libelf1',
        'postgres-15': 'postgresql-15', 'initdb-15': 'postgresql-15', 'plpgsql-15': 'postgresql-15', 'pg_upgrade-15': 'postgresql-15',
        'psql-15': 'postgresql-client-15', 'pg_dump-15': 'postgresql-client-15', 'pg_basebackup-15': 'postgresql-client-15',
        'libpq5-15': 'libpq5',
      },
      licence: 'GPL-2+ / GPL-3+ / LGPL / PostgreSQL licence (each program\'s translations carry its licence; see /usr/share/doc/<package>/copyright)',
    },
    {
      kind: 'ddtp', id: 'ddtp', listsDir: '/var/lib/apt/lists', debianPackage: 'apt',
      licence: 'each description carries its package\'s licence (see /usr/share/doc/<package>/copyright of the described package); translations by the Debian Description Translation Project',
    },
  ],
  trainOnlySources: ['ddtp', 'gettext-apps'],
  apertium: [
    { mode: 'eng-spa', src: 'en', tgt: 'es', debianPackage: 'apertium-eng-spa', from: ['fortunes-en', 'wordnet-en'] },
    { mode: 'spa-eng', src: 'es', tgt: 'en', debianPackage: 'apertium-eng-spa', from: ['fortunes-es'] },
    { mode: 'es-fr', src: 'es', tgt: 'fr', debianPackage: 'apertium-fr-es', from: ['bible-es-rv1909', 'fortunes-es', 'apertium:eng-spa'] },
  ],
  minWords: 3,
  maxWords: 30,
  devSize: 500,
  testSize: 500,
  zeroShotTestSize: 500,
  maxTrainPerPair: 60_000,
  maxPerMonolingualSource: 40_000,
  seed: 1,
  outDir: path.join(projectRoot, 'training', 'data', 'text'),
  cacheDir: path.join(projectRoot, 'data', 'cache', 'text'),
  apertiumBatch: 2000,
  apertiumWorkers: 2,
};

export const APERTIUM_LICENCE = GPL;

/** Whether a pair from this source may only go to train (see `trainOnlySources`). */
export function isTrainOnly(config: TextCorpusConfig, source: string): boolean {
  return config.trainOnlySources.includes(source);
}

/** Debian packages the build reads, for the documented install command. */
export function debianPackages(config: TextCorpusConfig): string[] {
  const pkgs = new Set<string>(['apertium', 'diatheke']);
  for (const s of config.sources) {
    if (s.kind === 'gettext') for (const p of Object.values(s.domains)) pkgs.add(p);
    else pkgs.add(s.debianPackage);
  }
  for (const m of config.apertium) pkgs.add(m.debianPackage);
  return [...pkgs].sort();
}
