/**
 * Pivot back-translations for the directions the corpus has no parallel text for
 * (`babelfish corpus back-translations`).
 *
 * A multilingual model trained on en-de, en-es and es-fr translates en>fr "zero-shot", and
 * does it badly: its output drifts into the languages it was trained to write from English
 * (Johnson et al. 2017 saw the same; Gu et al. 2019 trace it to the model learning that an
 * English source means a German or Spanish target). The remedy of Lakew et al. 2017 and of
 * ROBT (Zhang et al. 2020) is to show it the missing directions with synthetic sources: for
 * en>fr, take the French side of an es-fr pair and put the model's own translation of the
 * Spanish side into English in front of it. The target is always real text, so the model
 * learns to write good French from imperfect English, the direction back-translation is
 * known to be safe in (Sennrich et al. 2016).
 *
 * The synthetic source is made through trained directions only (a pivot path, two hops at
 * most here: es>en>de for de>fr), never through the zero-shot direction itself. No human or
 * apertium parallel text of the pair is used, so these directions stay zero-resource; the
 * model card says which numbers came before and after.
 *
 * Output: `<from>-<to>.train.tsv.gz` per direction (synthetic source, real target), one-way:
 * training reads them as that direction only (`train translator --back-translations DIR`).
 * Each finished direction is written atomically and skipped when the command is run again.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initBackend } from '../../src/backend.ts';
import { BabelfishError } from '../../src/errors.ts';
import { parseCommandArgs } from '../../src/cli/args.ts';
import { pathExists, projectRoot } from '../../src/paths.ts';
import { mulberry32 } from '../../src/random.ts';
import { Translator } from '../../models/translator/model.ts';
import { listParallelFiles } from '../corpus/text/parallel.ts';
import { shuffled } from '../corpus/speech/random.ts';
import { readTsv, writeTsv } from '../corpus/text/tsv.ts';

export interface BackTranslationOptions {
  modelDir: string;
  dataDir: string;
  outDir: string;
  /** Synthetic pairs per zero-shot direction (before filtering). */
  sentences: number;
  seed: number;
  /** Beam of each hop; 1 = greedy (ROBT's choice: cheap, and the target side is real anyway). */
  beam: number;
  log?: (line: string) => void;
}

export const DEFAULT_BACK_TRANSLATION_OPTIONS: BackTranslationOptions = {
  modelDir: join(projectRoot, 'models', 'translator', 'default'),
  dataDir: join(projectRoot, 'training', 'data', 'text'),
  outDir: join(projectRoot, 'data', 'back-translations'),
  sentences: 8000,
  seed: 1,
  beam: 1,
};

export interface PivotPlan {
  /** The zero-shot direction this plan feeds. */
  from: string;
  to: string;
  /** The trained pair whose `to` side is kept (`a-b`, as its file is named). */
  pair: string;
  /** Languages the kept pair's other side is translated through: path[0] is that side's language, the last is `from`. */
  path: string[];
}

/**
 * For every direction between `languages` that no trained pair covers, the trained pair
 * holding its target language whose other side reaches its source language in the fewest
 * trained hops (breadth-first over trained directions; ties go to the pair listed first).
 * Directions no pivot reaches are left out.
 */
export function pivotPlans(trainedPairs: string[], languages: string[]): PivotPlan[] {
  const edges = new Map<string, string[]>();
  const trained = new Set<string>();
  for (const p of trainedPairs) {
    const [a, b] = p.split('-');
    trained.add(`${a}>${b}`).add(`${b}>${a}`);
    edges.set(a, [...(edges.get(a) ?? []), b]);
    edges.set(b, [...(edges.get(b) ?? []), a]);
  }
  const shortestPath = (start: string, goal: string): string[] | null => {
    const prev = new Map<string, string | null>([[start, null]]);
    const queue = [start];
    while (queue.length) {
      const x = queue.shift()!;
      if (x === goal) {
        const path: string[] = [];
        for (let n: string | null = x; n !== null; n = prev.get(n)!) path.unshift(n);
        return path;
      }
      for (const y of edges.get(x) ?? []) if (!prev.has(y)) (prev.set(y, x), queue.push(y));
    }
    return null;
  };
  const plans: PivotPlan[] = [];
  for (const from of languages) {
    for (const to of languages) {
      if (from === to || trained.has(`${from}>${to}`)) continue;
      let best: PivotPlan | null = null;
      for (const p of trainedPairs) {
        const [a, b] = p.split('-');
        if (a !== to && b !== to) continue;
        const other = a === to ? b : a;
        if (other === from) continue;
        const path = shortestPath(other, from);
        if (path && (!best || path.length < best.path.length)) best = { from, to, pair: p, path };
      }
      if (best) plans.push(best);
    }
  }
  return plans;
}

/**
 * Whether a synthetic source is worth training on: not empty, not the pivot sentence copied
 * through, and within a factor of three of the real target's length (a hop that looped or
 * stopped early makes a pair that teaches nothing).
 */
export function keepSynthetic(source: string, pivot: string, target: string): boolean {
  const s = source.trim();
  if (!s || s === pivot.trim()) return false;
  const ratio = s.length / Math.max(1, target.trim().length);
  return ratio >= 1 / 3 && ratio <= 3;
}

/** What the builder needs of a translator (the shipped one, or a stand-in in tests). */
export interface TextTranslator {
  readonly languages: readonly string[];
  translate(sentences: string[], options: { from: string; to: string; beam: number }): Promise<{ text: string }[]>;
}

/** Writes the back-translations; `translator` replaces loading `options.modelDir`. */
export async function buildBackTranslations(options: Partial<BackTranslationOptions> = {}, translator?: TextTranslator): Promise<{ written: string[]; skipped: string[] }> {
  const o = { ...DEFAULT_BACK_TRANSLATION_OPTIONS, ...options };
  const log = o.log ?? ((l: string) => process.stderr.write(l + '\n'));
  let loaded: Translator | null = null;
  if (!translator) {
    await initBackend();
    loaded = await Translator.load(o.modelDir);
  }
  const model: TextTranslator = translator ?? loaded!;
  try {
    const files = (await listParallelFiles(o.dataDir)).filter((f) => f.split === 'train');
    if (!files.length) throw new BabelfishError('FILE_NOT_FOUND', `no <a>-<b>.train.tsv[.gz] files in ${o.dataDir}`);
    const plans = pivotPlans(
      files.map((f) => `${f.src}-${f.tgt}`),
      [...model.languages],
    );
    await mkdir(o.outDir, { recursive: true });
    const written: string[] = [];
    const skipped: string[] = [];
    for (const [k, plan] of plans.entries()) {
      const out = join(o.outDir, `${plan.from}-${plan.to}.train.tsv.gz`);
      if (await pathExists(out)) {
        log(`[back-translate] ${plan.from}>${plan.to}: ${out} exists, skipped`);
        skipped.push(out);
        continue;
      }
      const f = files.find((x) => `${x.src}-${x.tgt}` === plan.pair)!;
      const rows = (await readTsv(f.path)).filter((r) => r.length >= 2 && r[0] && r[1]);
      const targetCol = f.src === plan.to ? 0 : 1;
      const picked = shuffled(mulberry32(o.seed * 1000 + k), rows).slice(0, o.sentences);
      const pivots = picked.map((r) => r[1 - targetCol]);
      const targets = picked.map((r) => r[targetCol]);
      log(`[back-translate] ${plan.from}>${plan.to}: ${picked.length} ${plan.to} sentences of ${plan.pair}, sources through ${plan.path.join('>')}`);
      let text = pivots;
      for (let h = 1; h < plan.path.length; h++) {
        const next: string[] = [];
        const t0 = performance.now();
        const chunk = 256;
        for (let i = 0; i < text.length; i += chunk) {
          const part = await model.translate(text.slice(i, i + chunk), { from: plan.path[h - 1], to: plan.path[h], beam: o.beam });
          next.push(...part.map((t) => t.text));
          const secs = (performance.now() - t0) / 1000;
          const rate = next.length / secs;
          log(`[back-translate] ${plan.from}>${plan.to} hop ${plan.path[h - 1]}>${plan.path[h]} ${next.length}/${text.length} (${rate.toFixed(1)}/s, ETA ${((text.length - next.length) / rate).toFixed(0)} s)`);
        }
        text = next;
      }
      const kept: string[][] = [];
      text.forEach((s, i) => keepSynthetic(s, pivots[i], targets[i]) && kept.push([s.replace(/[\t\n\r]+/g, ' '), targets[i]]));
      await writeTsv(out, kept);
      log(`[back-translate] ${plan.from}>${plan.to}: kept ${kept.length}/${picked.length} -> ${out}`);
      written.push(out);
    }
    await writeFile(
      join(o.outDir, 'manifest.json'),
      JSON.stringify({ model: translator ? 'given' : o.modelDir, data: o.dataDir, sentences: o.sentences, seed: o.seed, beam: o.beam, plans, created: new Date().toISOString() }, null, 1) + '\n',
    );
    return { written, skipped };
  } finally {
    loaded?.dispose();
  }
}

export const BACK_TRANSLATE_USAGE = `usage: babelfish corpus back-translations [--model DIR] [--data DIR] [--out DIR]
                                         [--sentences N] [--seed N] [--beam N]

For each direction the parallel corpus has no pair for (zero-shot), takes real sentences
of that direction's target language from a trained pair and translates their other side
into the source language with the model, through trained directions only (a pivot path).
Writes <from>-<to>.train.tsv.gz (synthetic source, real target) per direction into --out
(data/back-translations); directions already written are skipped, so a killed run resumes.
Train on them with: babelfish train translator --back-translations DIR.
  --model DIR      translator making the sources (models/translator/default)
  --data DIR       parallel corpus (training/data/text)
  --sentences N    pairs per direction before filtering (8000)
  --beam N         beam of each hop (1: greedy)
  --seed N         which sentences are drawn (1)`;

export async function runBackTranslations(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    model: { type: 'string' },
    data: { type: 'string' },
    out: { type: 'string' },
    sentences: { type: 'string' },
    seed: { type: 'string' },
    beam: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(BACK_TRANSLATE_USAGE + '\n');
    return 0;
  }
  const count = (k: 'sentences' | 'seed' | 'beam', min: number): number | undefined => {
    const v = values[k];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new BabelfishError('BAD_ARGUMENT', `--${k} must be an integer >= ${min}, got ${v}`);
    return n;
  };
  const o: Partial<BackTranslationOptions> = {};
  if (values.model) o.modelDir = values.model;
  if (values.data) o.dataDir = values.data;
  if (values.out) o.outDir = values.out;
  const sentences = count('sentences', 1);
  const seed = count('seed', 0);
  const beam = count('beam', 1);
  if (sentences !== undefined) o.sentences = sentences;
  if (seed !== undefined) o.seed = seed;
  if (beam !== undefined) o.beam = beam;
  await buildBackTranslations(o);
  return 0;
}
