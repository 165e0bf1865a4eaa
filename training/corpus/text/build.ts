/**
 * `babelfish corpus text`: builds the parallel text corpus from Debian's packages.
 *
 * Reads: sources (Bible modules, fortunes, WordNet, FreeDict, gettext catalogs),
 * then machine-translates monolingual sentences with apertium (batched, cached,
 * two processes), forms alignment units, assigns splits, and writes gzip TSV files,
 * manifest.json and the text section of training/CORPUS.md.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { integerFlag, parseCommandArgs } from '../../../src/cli/args.ts';
import { BabelfishError } from '../../../src/errors.ts';
import { canonicalPair } from '../languages.ts';
import { apertiumTranslate, stripApertiumMarks } from './apertium.ts';
import { alignVerse, joinedWordVocabulary, makeJoinedWordRepair, verseSentences } from './bibleAlign.ts';
import { cleanFor, hasApertiumMarks, normalizeFor, normalizeSentence, sentenceKey } from './clean.ts';
import { DEFAULT_TEXT_CORPUS_CONFIG, isTrainOnly, type TextCorpusConfig, type TextSource } from './config.ts';
import { CORPUS_DOC, writeCorpusDoc, type Manifest, type ManifestFile } from './corpusDoc.ts';
import { exportBibleModule, parseDiathekePlain } from './sources/bible.ts';
import { readFortuneSentences } from './sources/fortunes.ts';
import { readFreedictExamples } from './sources/freedict.ts';
import { pairDescriptions, readDdtp, type Description } from './sources/ddtp.ts';
import { gettextPairs, readGettextCatalogs } from './sources/gettext.ts';
import { readWordnetSentences } from './sources/wordnet.ts';
import { assignSplits, dedupe, unitHash, type Item, type Quota, type Split } from './split.ts';
import { writeTsv } from './tsv.ts';
import { readFile, writeFile } from 'node:fs/promises';

const USAGE = `babelfish corpus text [--out dir] [--seed n] [--cache dir]

Builds the parallel text corpus (en, es, fr, de) from Debian packages; see training/CORPUS.md
for the packages to install first. Apertium outputs are cached under --cache, so a rerun
after a kill continues where it stopped.`;

function log(msg: string): void {
  process.stderr.write(`[corpus text] ${msg}\n`);
}

function pairId(a: string, b: string): string {
  return `${a}-${b}`;
}

async function cachedText(file: string, make: () => Promise<string>): Promise<string> {
  const hit = await readFile(file, 'utf8').catch(() => null);
  if (hit !== null) return hit;
  const text = await make();
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, text);
  const { rename } = await import('node:fs/promises');
  await rename(`${file}.tmp`, file);
  return text;
}

interface Loaded {
  bibles: Map<string, { lang: string; verses: Map<string, string> }>;
  monolingual: Map<string, { lang: string; sentences: string[] }>;
  freedict: Array<{ id: string; src: string; tgt: string; pairs: Array<[string, string]> }>;
  /** One catalog map (msgid -> translations) per gettext source, in config order. */
  gettext: Array<{ id: string; messages: Map<string, Record<string, string>> }>;
  ddtp: Map<string, Record<string, Description>> | null;
}

function requireCommand(cmd: string, pkg: string): void {
  const dirs = (process.env.PATH ?? '').split(':');
  if (!dirs.some((d) => existsSync(path.join(d, cmd)))) {
    throw new BabelfishError('FILE_NOT_FOUND', `'${cmd}' not found: apt-get install ${pkg} (see training/CORPUS.md)`);
  }
}

async function loadSources(cfg: TextCorpusConfig): Promise<Loaded> {
  const loaded: Loaded = { bibles: new Map(), monolingual: new Map(), freedict: [], gettext: [], ddtp: null };
  for (const src of cfg.sources as TextSource[]) {
    if (src.kind === 'bible') {
      requireCommand('diatheke', 'diatheke ' + src.debianPackage);
      const raw = await cachedText(path.join(cfg.cacheDir, `bible-${src.module}.txt`), () => exportBibleModule(src.module));
      const verses = parseDiathekePlain(raw, src.module);
      if (verses.size === 0) throw new BabelfishError('FILE_NOT_FOUND', `Bible module ${src.module} is empty: apt-get install ${src.debianPackage}`);
      loaded.bibles.set(src.id, { lang: src.lang, verses });
      log(`${src.id}: ${verses.size} verses`);
    } else if (src.kind === 'fortunes') {
      const s = await readFortuneSentences(src.paths);
      loaded.monolingual.set(src.id, { lang: src.lang, sentences: s });
      log(`${src.id}: ${s.length} candidate sentences`);
    } else if (src.kind === 'wordnet') {
      const s = await readWordnetSentences(src.dir).catch(() => {
        throw new BabelfishError('FILE_NOT_FOUND', `WordNet data not found in ${src.dir}: apt-get install ${src.debianPackage}`);
      });
      loaded.monolingual.set(src.id, { lang: src.lang, sentences: s });
      log(`${src.id}: ${s.length} candidate sentences`);
    } else if (src.kind === 'freedict') {
      const pairs = await readFreedictExamples(src.dictFile).catch(() => {
        throw new BabelfishError('FILE_NOT_FOUND', `${src.dictFile} not found: apt-get install ${src.debianPackage}`);
      });
      loaded.freedict.push({ id: src.id, src: src.src, tgt: src.tgt, pairs });
      log(`${src.id}: ${pairs.length} example pairs`);
    } else if (src.kind === 'gettext') {
      const locales: Record<string, string> = {};
      const { languageByCode } = await import('../languages.ts');
      for (const l of cfg.languages) locales[l] = languageByCode(l)?.gettextLocale ?? l;
      const messages = await readGettextCatalogs(src.localeDir, Object.keys(src.domains), locales);
      loaded.gettext.push({ id: src.id, messages });
      log(`${src.id}: ${messages.size} messages`);
    } else if (src.kind === 'ddtp') {
      loaded.ddtp = await readDdtp(src.listsDir, cfg.languages).catch((e: Error) => {
        throw new BabelfishError('FILE_NOT_FOUND', `${e.message}: apt-get -o Acquire::Languages=${cfg.languages.join(',')} update`);
      });
      log(`${src.id}: ${loaded.ddtp.size} package descriptions`);
    }
  }
  return loaded;
}

/**
 * Repair of run-together words in a Bible text, with apertium's analyser of the
 * language (through its first mode from that language) as the dictionary: a word
 * it translates without an unknown-word mark is a known word.
 */
async function joinedWordRepair(lang: string, texts: string[], cfg: TextCorpusConfig): Promise<(s: string) => string> {
  const mode = cfg.apertium.find((m) => m.src === lang);
  if (!mode) return makeJoinedWordRepair(texts, { minPartCount: 5, isKnown: () => true });
  const words = joinedWordVocabulary(texts, 5);
  const out = await apertiumTranslate(mode.mode, words, { cacheDir: cfg.cacheDir, batchSize: 5000, workers: cfg.apertiumWorkers });
  const known = new Set<string>();
  words.forEach((w, i) => {
    if (!(out[i] ?? '*').includes('*')) known.add(w);
  });
  return makeJoinedWordRepair(texts, { minPartCount: 5, isKnown: (w) => known.has(w) });
}

/**
 * The held-out files to fill, in order: test per trained pair (en-es: a human Bible
 * half and a half of the rest), zero-shot tests, then dev. Train-only sources never count.
 */
export function corpusQuotas(cfg: TextCorpusConfig): Quota[] {
  const quotas: Quota[] = [];
  const heldOutOk = (it: Item): boolean => !isTrainOnly(cfg, it.source);
  for (const [a0, b0] of cfg.trainedPairs) {
    const id = pairId(...canonicalPair(a0, b0));
    if (id === 'en-es') {
      quotas.push({ pair: id, split: 'test', count: cfg.testSize, where: (it) => it.source === 'bible' });
      quotas.push({ pair: id, split: 'test', count: cfg.testSize, where: (it) => it.source !== 'bible' && heldOutOk(it) });
    } else {
      quotas.push({ pair: id, split: 'test', count: cfg.testSize, where: heldOutOk });
    }
  }
  for (const [a0, b0] of cfg.zeroShotPairs) {
    quotas.push({ pair: pairId(...canonicalPair(a0, b0)), split: 'test', count: cfg.zeroShotTestSize, zeroShot: true, where: heldOutOk });
  }
  for (const [a0, b0] of cfg.trainedPairs) quotas.push({ pair: pairId(...canonicalPair(a0, b0)), split: 'dev', count: cfg.devSize, where: heldOutOk });
  return quotas;
}

export interface BuildResult {
  manifest: Manifest;
}

export async function buildTextCorpus(cfg: TextCorpusConfig): Promise<BuildResult> {
  requireCommand('apertium', 'apertium');
  await mkdir(cfg.outDir, { recursive: true });
  await mkdir(cfg.cacheDir, { recursive: true });
  const loaded = await loadSources(cfg);
  const items: Item[] = [];
  const trained = new Set(cfg.trainedPairs.map(([a, b]) => pairId(...canonicalPair(a, b))));
  const zeroShot = new Set(cfg.zeroShotPairs.map(([a, b]) => pairId(...canonicalPair(a, b))));
  const add = (l1: string, s1: string, l2: string, s2: string, source: string, human: boolean, unit: string, zs = false): void => {
    if (!s1 || !s2 || sentenceKey(s1) === sentenceKey(s2)) return;
    const [a, b] = canonicalPair(l1, l2);
    const id = pairId(a, b);
    if (!(zs ? zeroShot.has(id) : trained.has(id))) return;
    const [x, y] = a === l1 ? [s1, s2] : [s2, s1];
    items.push({ pair: id, a: x, b: y, source, human, unit, ...(zs ? { zeroShot: true } : {}) });
  };

  // Bible: verse-aligned human pairs between every two modules.
  const bibleIds = [...loaded.bibles.keys()];
  /** Normalised verse text per module (not yet length-filtered). */
  const normVerses = new Map<string, Map<string, string>>();
  /** Sentence -> verse reference, for the apertium output of Bible sentences. */
  const bibleRefOf = new Map<string, Map<string, string>>();
  const bibleSentences = new Map<string, string[]>();
  for (const id of bibleIds) {
    const { lang, verses } = loaded.bibles.get(id)!;
    const norm = new Map<string, string>();
    for (const [ref, v] of verses) norm.set(ref, normalizeFor(lang, v));
    const repair = await joinedWordRepair(lang, [...norm.values()], cfg);
    let repaired = 0;
    for (const [ref, v] of norm) {
      const r = repair(v);
      if (r !== v) repaired++;
      norm.set(ref, r);
    }
    normVerses.set(id, norm);
    const refOf = new Map<string, string>();
    for (const [ref, v] of norm) for (const x of verseSentences(v, cfg)) if (!refOf.has(x)) refOf.set(x, ref);
    bibleRefOf.set(id, refOf);
    bibleSentences.set(id, [...refOf.keys()]);
    log(`${id}: ${repaired} verses with joined words split, ${refOf.size} usable sentences`);
  }
  for (let i = 0; i < bibleIds.length; i++) {
    for (let j = i + 1; j < bibleIds.length; j++) {
      const A = loaded.bibles.get(bibleIds[i]!)!;
      const B = loaded.bibles.get(bibleIds[j]!)!;
      const va = normVerses.get(bibleIds[i]!)!;
      const vb = normVerses.get(bibleIds[j]!)!;
      for (const [ref, sa] of va) {
        const sb = vb.get(ref);
        if (!sb) continue;
        for (const [x, y] of alignVerse(sa, sb, cfg)) add(A.lang, x, B.lang, y, 'bible', true, `bible:${ref}`);
      }
    }
  }
  log(`bible: ${items.length} aligned verse or clause pairs`);

  // FreeDict examples.
  for (const fd of loaded.freedict) {
    let n = 0;
    for (const [s, t] of fd.pairs) {
      const cs = cleanFor(fd.src, s, cfg);
      const ct = cleanFor(fd.tgt, t, cfg);
      if (!cs || !ct) continue;
      const enSide = fd.src === 'en' ? cs : ct;
      add(fd.src, cs, fd.tgt, ct, fd.id, true, `freedict:${sentenceKey(enSide)}`);
      n++;
    }
    log(`${fd.id}: ${n} clean pairs`);
  }

  // gettext: every two languages of one message; zero-shot pairs only as separate units,
  // and only from sources that may fill a test set.
  const gettext = gettextPairs(loaded.gettext, cfg.languages, (lang, text) => cleanFor(lang, text, cfg), sentenceKey);
  for (const p of gettext.pairs) {
    add(p.l1, p.s1, p.l2, p.s2, p.source, true, p.unit);
    if (!isTrainOnly(cfg, p.source)) add(p.l1, p.s1, p.l2, p.s2, p.source, true, p.unit, true);
  }
  for (const [id, n] of Object.entries(gettext.messagesPerSource)) log(`${id}: ${n} messages with two or more clean languages`);

  // Package descriptions: every two languages of one description, trained pairs only.
  if (loaded.ddtp) {
    const before = items.length;
    for (const [md5, rec] of loaded.ddtp) {
      const langs = cfg.languages.filter((l) => l in rec);
      for (let i = 0; i < langs.length; i++) {
        for (let j = i + 1; j < langs.length; j++) {
          const [la, lb] = [langs[i]!, langs[j]!];
          // The Bible's aligner: a block is one pair or splits into as many sentences on both sides.
          const align = (x: string, y: string): Array<[string, string]> => alignVerse(normalizeFor(la, x), normalizeFor(lb, y), cfg);
          for (const [x, y] of pairDescriptions(rec[la]!, rec[lb]!, align)) add(la, x, lb, y, 'ddtp', true, `ddtp:${md5}`);
        }
      }
    }
    log(`ddtp: ${items.length - before} description sentence pairs`);
  }

  // Apertium over monolingual sentences (and over Bible verses of one side).
  /** Kept (clean, unmarked) outputs of each mode with their unit, for sources named "apertium:<mode>". */
  const modeOutputs = new Map<string, Map<string, string>>();
  for (const mode of cfg.apertium) {
    for (const from of mode.from) {
      let sents: string[];
      const pivotUnits = from.startsWith('apertium:') ? modeOutputs.get(from.slice('apertium:'.length)) : undefined;
      if (pivotUnits) sents = [...pivotUnits.keys()];
      else if (bibleSentences.has(from)) sents = [...bibleSentences.get(from)!];
      else if (loaded.monolingual.has(from)) {
        const mono = loaded.monolingual.get(from)!;
        sents = mono.sentences.map((s) => cleanFor(mono.lang, s, cfg)).filter((s) => s);
      } else throw new BabelfishError('BAD_ARGUMENT', `apertium mode ${mode.mode}: unknown source ${from}`);
      const seen = new Set<string>();
      sents = sents.filter((s) => {
        const k = sentenceKey(s);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      sents.sort((x, y) => unitHash(cfg.seed, x) - unitHash(cfg.seed, y));
      sents = sents.slice(0, cfg.maxPerMonolingualSource);
      const t0 = Date.now();
      const out = await apertiumTranslate(mode.mode, sents, {
        cacheDir: cfg.cacheDir,
        batchSize: cfg.apertiumBatch,
        workers: cfg.apertiumWorkers,
        onProgress: (done, total, cached) => {
          const el = (Date.now() - t0) / 1000;
          const eta = done > 0 ? (el / done) * (total - done) : 0;
          log(`apertium ${mode.mode} ${from}: ${done}/${total} lines (${cached} batches cached), ETA ${eta.toFixed(0)} s`);
        },
      });
      let kept = 0;
      const outputs = modeOutputs.get(mode.mode) ?? new Map<string, string>();
      for (let i = 0; i < sents.length; i++) {
        const raw = out[i] ?? '';
        if (hasApertiumMarks(raw)) continue;
        const t = cleanFor(mode.tgt, raw, cfg);
        if (!t) continue;
        const ref = bibleRefOf.get(from)?.get(sents[i]!);
        const unit = pivotUnits?.get(sents[i]!) ?? (ref !== undefined ? `bible:${ref}` : `sent:${mode.src}:${sentenceKey(sents[i]!)}`);
        add(mode.src, sents[i]!, mode.tgt, t, `apertium:${mode.mode}:${from.replace(/^apertium:/, '')}`, false, unit);
        if (!outputs.has(t)) outputs.set(t, unit);
        kept++;
      }
      modeOutputs.set(mode.mode, outputs);
      log(`apertium ${mode.mode} ${from}: ${kept}/${sents.length} translations kept (no marks, clean)`);
    }
  }

  const unique = dedupe(items);
  log(`${unique.length} pairs after deduplication (${items.length - unique.length} repeats removed)`);
  const quotas = corpusQuotas(cfg);
  const langsOf = (pair: string): [string, string] => pair.split('-') as [string, string];
  const { items: placed, dropped } = assignSplits(unique, quotas, cfg.seed, langsOf);
  log(`splits assigned; ${dropped} pairs dropped because a sentence was held out elsewhere`);

  // Group, cap train (human pairs first), write.
  const groups = new Map<string, Array<Item & { split: Split }>>();
  for (const it of placed) {
    const k = `${it.pair}.${it.split}`;
    const g = groups.get(k);
    if (g) g.push(it);
    else groups.set(k, [it]);
  }
  for (const name of await readdir(cfg.outDir)) {
    if (/\.tsv(\.gz)?$/.test(name)) await rm(path.join(cfg.outDir, name));
  }
  const files: ManifestFile[] = [];
  const sortedKeys = [...groups.keys()].sort();
  for (const key of sortedKeys) {
    let list = groups.get(key)!;
    const [pair, split] = key.split('.') as [string, Split];
    if (split === 'train' && list.length > cfg.maxTrainPerPair) {
      // Human pairs first, and of each kind the train-only sources last (they came later,
      // so the pairs a file had before stay in it).
      const rank = (it: Item): number => (it.human ? 0 : 2) + (isTrainOnly(cfg, it.source) ? 1 : 0);
      const keyed = list.map((it) => ({ it, k: rank(it) + unitHash(cfg.seed, it.unit) }));
      list = keyed.sort((x, y) => x.k - y.k).slice(0, cfg.maxTrainPerPair).map((x) => x.it);
    }
    // Written in a seeded shuffled order, so a reader taking the first N lines gets a fair sample.
    list = list
      .map((it) => ({ it, k: unitHash(cfg.seed + 1, `${it.unit}\u0000${it.a}`) }))
      .sort((x, y) => x.k - y.k || (x.it.a < y.it.a ? -1 : x.it.a > y.it.a ? 1 : 0))
      .map((x) => x.it);
    const [src, tgt] = langsOf(pair);
    const file = `${pair}.${split}.tsv.gz`;
    await writeTsv(path.join(cfg.outDir, file), list.map((it) => [it.a, it.b]));
    const sources: Record<string, number> = {};
    for (const it of list) sources[it.source] = (sources[it.source] ?? 0) + 1;
    files.push({
      file, pair, src, tgt, split, count: list.length, human: list.filter((it) => it.human).length,
      zeroShot: zeroShot.has(pair), sources,
    });
    log(`wrote ${file}: ${list.length} pairs`);

    // en-es human test with apertium's own output for comparison.
    if (pair === 'en-es' && split === 'test') {
      const human = list.filter((it) => it.source === 'bible');
      const [enEs, esEn] = await Promise.all([
        apertiumTranslate('eng-spa', human.map((it) => it.a), { cacheDir: cfg.cacheDir, batchSize: cfg.apertiumBatch, workers: 1 }),
        apertiumTranslate('spa-eng', human.map((it) => it.b), { cacheDir: cfg.cacheDir, batchSize: cfg.apertiumBatch, workers: 1 }),
      ]);
      const hfile = `${pair}.test-human.tsv.gz`;
      await writeTsv(
        path.join(cfg.outDir, hfile),
        human.map((it, i) => [it.a, it.b, normalizeSentence(stripApertiumMarks(enEs[i]!)), normalizeSentence(stripApertiumMarks(esEn[i]!))]),
      );
      files.push({
        file: hfile, pair, src, tgt, split: 'test-human', count: human.length, human: human.length, zeroShot: false,
        sources: { bible: human.length },
        columns: ['en (human)', 'es (human)', 'apertium eng-spa of column 1', 'apertium spa-eng of column 2'],
      });
      log(`wrote ${hfile}: ${human.length} pairs with apertium baselines`);
    }
  }
  const manifest: Manifest = {
    version: 1,
    seed: cfg.seed,
    languages: cfg.languages,
    trainedPairs: cfg.trainedPairs.map(([a, b]) => pairId(...canonicalPair(a, b))),
    zeroShotPairs: cfg.zeroShotPairs.map(([a, b]) => pairId(...canonicalPair(a, b))),
    minWords: cfg.minWords,
    maxWords: cfg.maxWords,
    files,
  };
  await writeFile(path.join(cfg.outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  const doc = path.resolve(cfg.outDir) === path.resolve(DEFAULT_TEXT_CORPUS_CONFIG.outDir) ? CORPUS_DOC : path.join(cfg.outDir, 'CORPUS.md');
  await writeCorpusDoc(manifest, cfg, doc);
  return { manifest };
}

export async function runCorpusText(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    out: { type: 'string' },
    seed: { type: 'string' },
    cache: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const cfg: TextCorpusConfig = { ...DEFAULT_TEXT_CORPUS_CONFIG };
  if (values.out) cfg.outDir = path.resolve(values.out);
  if (values.cache) cfg.cacheDir = path.resolve(values.cache);
  cfg.seed = integerFlag('seed', values.seed) ?? cfg.seed;
  const t0 = Date.now();
  const { manifest } = await buildTextCorpus(cfg);
  const total = manifest.files.filter((f) => f.split !== 'test-human').reduce((n, f) => n + f.count, 0);
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${total} pairs in ${manifest.files.length} files under ${cfg.outDir}`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runCorpusText(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
