/**
 * Corpus BLEU (Papineni et al. 2002) computed exactly as sacrebleu 2.x does by
 * default (`BLEU()`: 13a tokenisation, 4-grams, 'exp' smoothing, no effective
 * order, mixed case), so our numbers are comparable with published ones.
 *
 * References follow sacrebleu's layout: either one string per hypothesis, or a
 * list of reference *streams* (`refs[k][i]` is the k-th reference of sentence i).
 * Empty reference strings are dropped (variable number of references), as in
 * sacrebleu; a sentence with no reference at all is an error.
 */
import { BabelfishError } from '../errors.ts';
import { pyRstrip, pySplit } from './python-text.ts';
import { tokenize13a } from './tokenizer-13a.ts';

export type BleuSmoothMethod = 'exp' | 'floor' | 'add-k' | 'none';

export interface BleuOptions {
  /** '13a' (default) or 'none' (split on whitespace only). */
  tokenize?: '13a' | 'none';
  lowercase?: boolean;
  smoothMethod?: BleuSmoothMethod;
  /** For 'floor' (default 0.1) and 'add-k' (default 1). */
  smoothValue?: number;
  /** Stop at the highest order the hypothesis has n-grams of (sentence level). */
  effectiveOrder?: boolean;
  maxNgramOrder?: number;
}

export interface BleuScore {
  /** 0..100 */
  score: number;
  /** Per order, 0..100 (as sacrebleu reports them). */
  precisions: number[];
  bp: number;
  sysLen: number;
  refLen: number;
  /** Clipped matching n-grams per order. */
  counts: number[];
  /** Hypothesis n-grams per order. */
  totals: number[];
}

const SMOOTH_DEFAULTS: Record<BleuSmoothMethod, number> = { exp: 0, floor: 0.1, 'add-k': 1, none: 0 };

function preprocess(sentence: string, opts: Required<Pick<BleuOptions, 'tokenize' | 'lowercase'>>): string {
  const s = opts.lowercase ? sentence.toLowerCase() : sentence;
  const stripped = pyRstrip(s);
  return opts.tokenize === '13a' ? tokenize13a(stripped) : stripped;
}

/** Counts of all n-grams, 1 <= n <= maxOrder, keyed by the space-joined tokens. */
export function wordNgramCounts(tokens: string[], maxOrder: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = tokens.slice(i, i + n).join(' ');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** Reference length closest to the hypothesis length; ties go to the shorter reference. */
export function closestRefLength(hypLen: number, refLens: number[]): number {
  let closestDiff = -1;
  let closestLen = -1;
  for (const refLen of refLens) {
    const diff = Math.abs(hypLen - refLen);
    if (closestDiff === -1 || diff < closestDiff) {
      closestDiff = diff;
      closestLen = refLen;
    } else if (diff === closestDiff && refLen < closestLen) {
      closestLen = refLen;
    }
  }
  return closestLen;
}

/** sacrebleu's `my_log`: log(0) is a huge negative number, not -Infinity. */
function myLog(x: number): number {
  return x === 0 ? -9999999999 : Math.log(x);
}

/** BLEU from sufficient statistics (sacrebleu `BLEU.compute_bleu`). */
export function computeBleu(
  correctIn: number[],
  totalIn: number[],
  sysLen: number,
  refLen: number,
  options: Pick<BleuOptions, 'smoothMethod' | 'smoothValue' | 'effectiveOrder'> = {},
): BleuScore {
  const smoothMethod = options.smoothMethod ?? 'exp';
  const smoothValue = options.smoothValue ?? SMOOTH_DEFAULTS[smoothMethod];
  const maxOrder = correctIn.length;
  const correct = correctIn.slice();
  const total = totalIn.slice();

  let bp: number;
  if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0;
  else bp = 1;

  const precisions = new Array<number>(maxOrder).fill(0);
  // No match at any order: 0, whatever the smoothing (sacrebleu #141).
  if (!correct.some((c) => c !== 0)) {
    return { score: 0, precisions, bp, sysLen, refLen, counts: correct, totals: total };
  }

  let smoothMteval = 1;
  let effOrder = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    if (smoothMethod === 'add-k' && n > 1) {
      correct[n - 1] += smoothValue;
      total[n - 1] += smoothValue;
    }
    if (total[n - 1] === 0) break;
    if (options.effectiveOrder) effOrder = n;
    if (correct[n - 1] === 0) {
      if (smoothMethod === 'exp') {
        smoothMteval *= 2;
        precisions[n - 1] = 100 / (smoothMteval * total[n - 1]);
      } else if (smoothMethod === 'floor') {
        precisions[n - 1] = (100 * smoothValue) / total[n - 1];
      }
    } else {
      precisions[n - 1] = (100 * correct[n - 1]) / total[n - 1];
    }
  }

  let logSum = 0;
  for (let i = 0; i < effOrder; i++) logSum += myLog(precisions[i]);
  const score = bp * Math.exp(logSum / effOrder);
  return { score, precisions, bp, sysLen, refLen, counts: correct, totals: total };
}

/** Per-sentence statistics: [hypLen, refLen, correct[maxOrder], total[maxOrder]]. */
function segmentStatistics(hyp: string, refs: string[], maxOrder: number): number[] {
  let refNgrams: Map<string, number> | null = null;
  const refLens: number[] = [];
  for (const ref of refs) {
    const tokens = pySplit(ref);
    refLens.push(tokens.length);
    const counts = wordNgramCounts(tokens, maxOrder);
    if (refNgrams === null) refNgrams = counts;
    else for (const [ng, c] of counts) refNgrams.set(ng, Math.max(refNgrams.get(ng) ?? 0, c));
  }
  const hypTokens = pySplit(hyp);
  const hypLen = hypTokens.length;
  const refLen = closestRefLength(hypLen, refLens);
  const correct = new Array<number>(maxOrder).fill(0);
  const total = new Array<number>(maxOrder).fill(0);
  for (const [ng, count] of wordNgramCounts(hypTokens, maxOrder)) {
    let n = 1;
    for (let i = 0; i < ng.length; i++) if (ng.charCodeAt(i) === 32) n++;
    total[n - 1] += count;
    const r = refNgrams?.get(ng);
    if (r !== undefined) correct[n - 1] += Math.min(count, r);
  }
  return [hypLen, refLen, ...correct, ...total];
}

function referenceStreams(hypotheses: string[], references: string[] | string[][]): string[][] {
  const streams: string[][] =
    references.length > 0 && Array.isArray(references[0])
      ? (references as string[][])
      : [references as string[]];
  for (const stream of streams) {
    if (stream.length !== hypotheses.length) {
      throw new BabelfishError(
        'BAD_ARGUMENT',
        `BLEU: ${hypotheses.length} hypotheses but a reference stream has ${stream.length} sentences`,
      );
    }
  }
  return streams;
}

/** Reference strings of sentence i, empty ones dropped (sacrebleu's variable references). */
export function referencesOf(streams: string[][], i: number): string[] {
  const refs = streams.map((s) => s[i]).filter((r) => r !== undefined && r !== null && r !== '');
  if (refs.length === 0) {
    throw new BabelfishError('BAD_ARGUMENT', `Empty reference for sentence ${i + 1}`);
  }
  return refs;
}

export function corpusBleu(
  hypotheses: string[],
  references: string[] | string[][],
  options: BleuOptions = {},
): BleuScore {
  const maxOrder = options.maxNgramOrder ?? 4;
  const pre = { tokenize: options.tokenize ?? '13a', lowercase: options.lowercase ?? false } as const;
  const streams = referenceStreams(hypotheses, references);
  const sums = new Array<number>(2 + 2 * maxOrder).fill(0);
  for (let i = 0; i < hypotheses.length; i++) {
    const refs = referencesOf(streams, i).map((r) => preprocess(r, pre));
    const stats = segmentStatistics(preprocess(hypotheses[i], pre), refs, maxOrder);
    for (let k = 0; k < sums.length; k++) sums[k] += stats[k];
  }
  return computeBleu(sums.slice(2, 2 + maxOrder), sums.slice(2 + maxOrder), sums[0], sums[1], {
    smoothMethod: options.smoothMethod ?? 'exp',
    smoothValue: options.smoothValue,
    effectiveOrder: options.effectiveOrder ?? false,
  });
}

/**
 * Sentence BLEU with sacrebleu's `sentence_bleu` defaults, which differ from
 * the corpus ones in one place: effective order is on, so a short sentence
 * without 4-grams is not scored 0.
 */
export function sentenceBleu(hypothesis: string, references: string | string[], options: BleuOptions = {}): BleuScore {
  const refs = typeof references === 'string' ? [references] : references;
  return corpusBleu(
    [hypothesis],
    refs.map((r) => [r]),
    { effectiveOrder: true, ...options },
  );
}
