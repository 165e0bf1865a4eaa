/**
 * Levenshtein distance and the corpus error rates built on it: CER over
 * characters (code points) and WER over whitespace-separated words, both as
 * total edits / total reference length, the way ASR papers report them (a
 * mean of per-sentence rates would overweight short sentences).
 */
import { BabelfishError } from '../errors.ts';

/** Minimum number of substitutions, insertions and deletions turning `a` into `b`. */
export function editDistance(a: string[] | string, b: string[] | string): number {
  const x = typeof a === 'string' ? Array.from(a) : a;
  const y = typeof b === 'string' ? Array.from(b) : b;
  if (x.length === 0) return y.length;
  if (y.length === 0) return x.length;
  // Two rows suffice; the shorter sequence spans them to save memory on long inputs.
  const [long, short] = x.length >= y.length ? [x, y] : [y, x];
  let prev = new Int32Array(short.length + 1);
  let cur = new Int32Array(short.length + 1);
  for (let j = 0; j <= short.length; j++) prev[j] = j;
  for (let i = 1; i <= long.length; i++) {
    cur[0] = i;
    const li = long[i - 1];
    for (let j = 1; j <= short.length; j++) {
      const sub = prev[j - 1] + (li === short[j - 1] ? 0 : 1);
      const del = prev[j] + 1;
      const ins = cur[j - 1] + 1;
      cur[j] = sub < del ? (sub < ins ? sub : ins) : del < ins ? del : ins;
    }
    [prev, cur] = [cur, prev];
  }
  return prev[short.length];
}

function words(s: string): string[] {
  return s.split(/\s+/u).filter((w) => w.length > 0);
}

function corpusRate(hyps: string[], refs: string[], unit: (s: string) => string[], name: string): number {
  if (hyps.length !== refs.length) {
    throw new BabelfishError('BAD_ARGUMENT', `${name}: ${hyps.length} hypotheses but ${refs.length} references`);
  }
  let edits = 0;
  let length = 0;
  for (let i = 0; i < hyps.length; i++) {
    const r = unit(refs[i]);
    edits += editDistance(unit(hyps[i]), r);
    length += r.length;
  }
  if (length === 0) {
    throw new BabelfishError('BAD_ARGUMENT', `${name}: the references are empty, so the rate is undefined`);
  }
  return edits / length;
}

/** Character error rate (0 = perfect; can exceed 1 with many insertions). */
export function cer(hyps: string[], refs: string[]): number {
  return corpusRate(hyps, refs, (s) => Array.from(s), 'CER');
}

/** Word error rate over whitespace-separated words. */
export function wer(hyps: string[], refs: string[]): number {
  return corpusRate(hyps, refs, words, 'WER');
}
