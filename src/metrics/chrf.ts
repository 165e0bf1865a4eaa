/**
 * chrF (Popović 2015) computed as sacrebleu 2.x's `CHRF()` by default:
 * character n-grams up to 6, no word n-grams, beta 2, whitespace removed,
 * [hyp, ref, match] counts summed over the corpus before the F-score, and the
 * "effective order" averaging of precision and recall (sacrebleu's default,
 * `eps_smoothing=False`; chrF++.py's per-order eps smoothing is an option).
 * With several references, each sentence keeps the statistics of the
 * reference that gives it the best sentence-level F.
 *
 * References use the same layout as `corpusBleu` (string per sentence, or
 * reference streams).
 */
import { BabelfishError } from '../errors.ts';
import { referencesOf } from './bleu.ts';
import { codePoints, pySplit } from './python-text.ts';

export interface ChrfOptions {
  charOrder?: number;
  beta?: number;
  lowercase?: boolean;
  /** Keep whitespace inside character n-grams (default false). */
  whitespace?: boolean;
  /** chrF++.py / NLTK style smoothing instead of sacrebleu's effective order. */
  epsSmoothing?: boolean;
}

export interface ChrfScore {
  /** 0..100 */
  score: number;
  /** Flattened [hyp, ref, match] per order, summed over the corpus. */
  statistics: number[];
}

type Resolved = Required<ChrfOptions>;

function resolve(o: ChrfOptions): Resolved {
  return {
    charOrder: o.charOrder ?? 6,
    beta: o.beta ?? 2,
    lowercase: o.lowercase ?? false,
    whitespace: o.whitespace ?? false,
    epsSmoothing: o.epsSmoothing ?? false,
  };
}

/** Character n-gram counts for n = 1..maxOrder (code points, as Python slices). */
export function charNgramCounts(line: string, maxOrder: number, includeWhitespace: boolean): Map<string, number>[] {
  const chars = codePoints(includeWhitespace ? line : pySplit(line).join(''));
  const out: Map<string, number>[] = [];
  for (let n = 1; n <= maxOrder; n++) {
    const m = new Map<string, number>();
    for (let i = 0; i + n <= chars.length; i++) {
      const key = chars.slice(i, i + n).join('');
      m.set(key, (m.get(key) ?? 0) + 1);
    }
    out.push(m);
  }
  return out;
}

function matchStatistics(hyp: Map<string, number>, ref: Map<string, number>): [number, number, number] {
  let match = 0;
  let hypCount = 0;
  for (const [ng, c] of hyp) {
    hypCount += c;
    const r = ref.get(ng);
    if (r !== undefined) match += Math.min(c, r);
  }
  let refCount = 0;
  for (const c of ref.values()) refCount += c;
  // sacrebleu: hypothesis n-grams do not count when the reference has none of that order.
  return [ref.size > 0 ? hypCount : 0, refCount, match];
}

/** sacrebleu `CHRF._compute_f_score`. */
export function chrfFromStatistics(stats: number[], options: ChrfOptions = {}): number {
  const o = resolve(options);
  const order = stats.length / 3;
  const eps = 1e-16;
  const factor = o.beta ** 2;
  let score = 0;
  let effectiveOrder = 0;
  let avgPrec = 0;
  let avgRec = 0;
  for (let i = 0; i < order; i++) {
    const [nHyp, nRef, nMatch] = [stats[3 * i], stats[3 * i + 1], stats[3 * i + 2]];
    const prec = nHyp > 0 ? nMatch / nHyp : eps;
    const rec = nRef > 0 ? nMatch / nRef : eps;
    const denom = factor * prec + rec;
    score += denom > 0 ? ((1 + factor) * prec * rec) / denom : eps;
    if (nHyp > 0 && nRef > 0) {
      avgPrec += prec;
      avgRec += rec;
      effectiveOrder++;
    }
  }
  if (o.epsSmoothing) return (100 * score) / order;
  if (effectiveOrder === 0) {
    avgPrec = 0;
    avgRec = 0;
  } else {
    avgPrec /= effectiveOrder;
    avgRec /= effectiveOrder;
  }
  if (avgPrec + avgRec === 0) return 0;
  return (100 * ((1 + factor) * avgPrec * avgRec)) / (factor * avgPrec + avgRec);
}

export function corpusChrf(hypotheses: string[], references: string[] | string[][], options: ChrfOptions = {}): ChrfScore {
  const o = resolve(options);
  const streams: string[][] =
    references.length > 0 && Array.isArray(references[0]) ? (references as string[][]) : [references as string[]];
  for (const s of streams) {
    if (s.length !== hypotheses.length) {
      throw new BabelfishError('BAD_ARGUMENT', `chrF: ${hypotheses.length} hypotheses but a reference stream has ${s.length}`);
    }
  }
  const pre = (s: string) => (o.lowercase ? s.toLowerCase() : s);
  const totals = new Array<number>(3 * o.charOrder).fill(0);
  for (let i = 0; i < hypotheses.length; i++) {
    const hypNgrams = charNgramCounts(pre(hypotheses[i]), o.charOrder, o.whitespace);
    let best: number[] = [];
    let bestF = -1;
    for (const ref of referencesOf(streams, i)) {
      const refNgrams = charNgramCounts(pre(ref), o.charOrder, o.whitespace);
      const stats: number[] = [];
      for (let n = 0; n < o.charOrder; n++) stats.push(...matchStatistics(hypNgrams[n], refNgrams[n]));
      const f = chrfFromStatistics(stats, o);
      if (f > bestF) {
        bestF = f;
        best = stats;
      }
    }
    for (let k = 0; k < totals.length; k++) totals[k] += best[k];
  }
  return { score: chrfFromStatistics(totals, o), statistics: totals };
}

export function sentenceChrf(hypothesis: string, references: string | string[], options: ChrfOptions = {}): ChrfScore {
  const refs = typeof references === 'string' ? [references] : references;
  return corpusChrf(
    [hypothesis],
    refs.map((r) => [r]),
    options,
  );
}
