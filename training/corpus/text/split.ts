/**
 * Split assignment for the parallel corpus, pure and deterministic from a seed.
 *
 * Items come in units: all translations of one Bible verse, one gettext message,
 * one monolingual sentence and its machine translations. A unit goes to one split
 * as a whole, so a verse in en-es test is also in es-fr test. Afterwards every
 * sentence of every language gets exactly one split (the most held-out one it
 * occurs in: test, then dev, then train) and items that disagree are dropped, so
 * no sentence is in two splits anywhere in the corpus.
 */
import { createHash } from 'node:crypto';
import { sentenceKey } from './clean.ts';

export type Split = 'train' | 'dev' | 'test';

export interface Item {
  /** Canonical pair id, e.g. "en-es". */
  pair: string;
  /** Sentence in the pair's first language. */
  a: string;
  /** Sentence in the pair's second language. */
  b: string;
  /** Source id from the config (a human source, or "apertium:<mode>:<source>"). */
  source: string;
  human: boolean;
  /** Alignment unit this item belongs to (verse id, message id, source sentence). */
  unit: string;
  /** Present only in zero-shot test units. */
  zeroShot?: boolean;
}

export interface Quota {
  /** Which items this quota counts. */
  pair: string;
  split: Split;
  count: number;
  where?: (item: Item) => boolean;
  /** A unit taken for a zero-shot quota keeps only its zero-shot items. */
  zeroShot?: boolean;
}

/** A number in [0, 1) from the seed and a key, stable across runs and machines. */
export function unitHash(seed: number, key: string): number {
  const h = createHash('sha1').update(`${seed}\u0000${key}`).digest();
  return h.readUInt32BE(0) / 2 ** 32;
}

export interface SplitResult {
  items: Array<Item & { split: Split }>;
  dropped: number;
}

/**
 * Fills each quota in turn with whole units taken in hash order, then puts every
 * remaining unit in train. Zero-shot items only survive in units taken by a zero-shot quota.
 */
export function assignSplits(items: Item[], quotas: Quota[], seed: number, pairLangs: (pair: string) => [string, string]): SplitResult {
  const byUnit = new Map<string, Item[]>();
  for (const it of items) {
    const list = byUnit.get(it.unit);
    if (list) list.push(it);
    else byUnit.set(it.unit, [it]);
  }
  const order = [...byUnit.keys()]
    .map((k) => [k, unitHash(seed, k)] as const)
    .sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : 1))
    .map((x) => x[0]);
  const unitSplit = new Map<string, { split: Split; zeroShot: boolean }>();
  const counted = (q: Quota, it: Item): boolean =>
    it.pair === q.pair && (q.zeroShot ? it.zeroShot === true : it.zeroShot !== true) && (q.where ? q.where(it) : true);
  for (const q of quotas) {
    let have = 0;
    for (const [unit, s] of unitSplit) {
      if (s.split === q.split && s.zeroShot === (q.zeroShot === true)) have += byUnit.get(unit)!.filter((it) => counted(q, it)).length;
    }
    for (const unit of order) {
      if (have >= q.count) break;
      if (unitSplit.has(unit)) continue;
      const n = byUnit.get(unit)!.filter((it) => counted(q, it)).length;
      if (n === 0) continue;
      unitSplit.set(unit, { split: q.split, zeroShot: q.zeroShot === true });
      have += n;
    }
  }
  const placed: Array<Item & { split: Split }> = [];
  for (const unit of order) {
    const s = unitSplit.get(unit) ?? { split: 'train' as Split, zeroShot: false };
    for (const it of byUnit.get(unit)!) {
      if ((it.zeroShot === true) !== s.zeroShot) continue;
      placed.push({ ...it, split: s.split });
    }
  }
  return resolveSentenceSplits(placed, pairLangs);
}

const RANK: Record<Split, number> = { train: 0, dev: 1, test: 2 };

/** Gives each (language, sentence) the most held-out split it occurs in and drops items that disagree. */
export function resolveSentenceSplits(
  placed: Array<Item & { split: Split }>,
  pairLangs: (pair: string) => [string, string],
): SplitResult {
  const sentenceSplit = new Map<string, Split>();
  const note = (lang: string, s: string, split: Split): void => {
    const k = `${lang}\u0000${sentenceKey(s)}`;
    const cur = sentenceSplit.get(k);
    if (cur === undefined || RANK[split] > RANK[cur]) sentenceSplit.set(k, split);
  };
  for (const it of placed) {
    const [la, lb] = pairLangs(it.pair);
    note(la, it.a, it.split);
    note(lb, it.b, it.split);
  }
  const kept: Array<Item & { split: Split }> = [];
  for (const it of placed) {
    const [la, lb] = pairLangs(it.pair);
    const sa = sentenceSplit.get(`${la}\u0000${sentenceKey(it.a)}`);
    const sb = sentenceSplit.get(`${lb}\u0000${sentenceKey(it.b)}`);
    if (sa === it.split && sb === it.split) kept.push(it);
  }
  return { items: kept, dropped: placed.length - kept.length };
}

/** Removes repeated pairs (same sentences up to case and punctuation) within each pair, keeping the first. */
export function dedupe(items: Item[]): Item[] {
  const seen = new Set<string>();
  const out: Item[] = [];
  for (const it of items) {
    const k = `${it.pair}\u0000${sentenceKey(it.a)}\u0000${sentenceKey(it.b)}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(it);
  }
  return out;
}
