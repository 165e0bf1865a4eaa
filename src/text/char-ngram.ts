/**
 * A character n-gram language model with interpolated Kneser-Ney smoothing
 * (Chen & Goodman 1998), over integer symbol ids, for biasing CTC beam search.
 *
 * Symbols are ids 0..V-1. Id 0 is the sentence boundary: it is the context
 * before the first symbol and the symbol predicted after the last one (for a
 * CTC vocabulary id 0 is the blank, which never occurs inside a transcript,
 * so it is free for this job).
 *
 *   P(w | h) = max(c(h w) - D_k, 0) / c(h·) + gamma(h) * P(w | h')
 *
 * where h' drops the oldest symbol of h, k = |h w|, and c is the raw count for
 * the highest order and for n-grams that start at the sentence boundary
 * (nothing can precede it), and the continuation count (how many distinct
 * symbols precede h w) otherwise. The order-1 distribution interpolates with
 * the uniform one. D_k = n1 / (n1 + 2 n2) from the count-of-counts of order k.
 *
 * Pruning drops n-grams of order >= 3 whose count is below `minCount`; their
 * discounted mass moves to gamma(h), so every distribution still sums to one:
 *   gamma(h) = 1 - sum over kept w of max(c(h w) - D, 0) / c(h·).
 */
export interface CharNgramOptions {
  /** n: the longest n-gram (context of n - 1 symbols). */
  order: number;
  /** N-grams of order >= 3 seen fewer times than this are pruned. 1 keeps all. */
  minCount: number;
}

export const DEFAULT_CHAR_NGRAM_OPTIONS: CharNgramOptions = { order: 6, minCount: 2 };

export const BOUNDARY = 0;

/** One context's followers: symbols and their (raw or continuation) counts, after pruning. */
interface ContextEntry {
  total: number;
  followers: Int32Array;
  counts: Float64Array;
}

/** The on-disk form (JSON): contexts as strings of symbol characters, see `keyOf`. */
export interface CharNgramJson {
  format: 'babelfish-char-ngram/1';
  order: number;
  vocabSize: number;
  /** D_k for k = 1..order, index k - 1. */
  discounts: number[];
  /** [context, total, followers, counts] per context, every order. */
  contexts: [string, number, string, number[]][];
}

// Symbols map to single UTF-16 code units so a context is a short string key.
const OFFSET = 0x100;
const keyOf = (ids: ArrayLike<number>, from = 0, to = ids.length): string => {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(ids[i] + OFFSET);
  return s;
};
const idOf = (key: string, i: number): number => key.charCodeAt(i) - OFFSET;

export class CharNgramLM {
  readonly order: number;
  readonly vocabSize: number;
  readonly discounts: readonly number[];
  private readonly table: Map<string, ContextEntry>;
  private readonly cache = new Map<string, Float64Array>();
  private static readonly CACHE_LIMIT = 20000;

  private constructor(order: number, vocabSize: number, discounts: number[], table: Map<string, ContextEntry>) {
    this.order = order;
    this.vocabSize = vocabSize;
    this.discounts = discounts;
    this.table = table;
  }

  /** Counts n-grams of `sentences` (symbol ids 1..V-1, no boundaries) and smooths them. */
  static train(sentences: Iterable<ArrayLike<number>>, vocabSize: number, options: Partial<CharNgramOptions> = {}): CharNgramLM {
    const { order, minCount } = { ...DEFAULT_CHAR_NGRAM_OPTIONS, ...options };
    if (!(order >= 1)) throw new RangeError(`order must be >= 1, got ${order}`);
    // raw counts of every n-gram, orders 1..n; the context never reaches back past the boundary
    const raw = new Map<string, number>();
    for (const s of sentences) {
      const seq = new Int32Array(s.length + 2);
      seq[0] = BOUNDARY;
      for (let i = 0; i < s.length; i++) {
        if (!(s[i] > 0 && s[i] < vocabSize)) throw new RangeError(`symbol ${s[i]} outside 1..${vocabSize - 1}`);
        seq[i + 1] = s[i];
      }
      seq[seq.length - 1] = BOUNDARY;
      for (let i = 1; i < seq.length; i++) {
        for (let k = 1; k <= order && i - k + 1 >= 0; k++) {
          const key = keyOf(seq, i - k + 1, i + 1);
          raw.set(key, (raw.get(key) ?? 0) + 1);
        }
      }
    }
    // modified counts: raw for order n and boundary-initial n-grams, else continuation counts
    const counts = new Map<string, number>();
    for (const [key, c] of raw) {
      const initial = key.length >= 2 && idOf(key, 0) === BOUNDARY;
      if (key.length === order || initial) counts.set(key, c);
      // every distinct left neighbour (the boundary included) adds one to the shorter n-gram
      if (key.length >= 2) {
        const lower = key.slice(1);
        counts.set(lower, (counts.get(lower) ?? 0) + 1);
      }
    }
    const discounts: number[] = [];
    for (let k = 1; k <= order; k++) {
      let n1 = 0;
      let n2 = 0;
      for (const [key, c] of counts) {
        if (key.length !== k) continue;
        if (c === 1) n1++;
        else if (c === 2) n2++;
      }
      discounts.push(n1 + n2 > 0 ? Math.min(0.95, Math.max(0.05, n1 / (n1 + 2 * n2))) : 0.5);
    }
    const grouped = new Map<string, { total: number; kept: [number, number][] }>();
    for (const [key, c] of counts) {
      const ctx = key.slice(0, -1);
      let g = grouped.get(ctx);
      if (!g) grouped.set(ctx, (g = { total: 0, kept: [] }));
      g.total += c;
      if (key.length < 3 || c >= minCount) g.kept.push([idOf(key, key.length - 1), c]);
    }
    const table = new Map<string, ContextEntry>();
    for (const [ctx, g] of grouped) {
      g.kept.sort((a, b) => a[0] - b[0]);
      table.set(ctx, { total: g.total, followers: Int32Array.from(g.kept, (e) => e[0]), counts: Float64Array.from(g.kept, (e) => e[1]) });
    }
    return new CharNgramLM(order, vocabSize, discounts, table);
  }

  /** Number of stored n-grams (after pruning). */
  get size(): number {
    let n = 0;
    for (const e of this.table.values()) n += e.followers.length;
    return n;
  }

  /** log P(next | context), natural log; the context is the symbols so far (only the last n - 1 matter). */
  logProb(context: ArrayLike<number>, next: number): number {
    return this.distribution(context)[next];
  }

  /** log P(boundary | context): how likely the sentence ends here. */
  logProbEnd(context: ArrayLike<number>): number {
    return this.distribution(context)[BOUNDARY];
  }

  /**
   * Log-probabilities of every next symbol after `context` (a sentence prefix without the
   * leading boundary). Cached by the effective context.
   */
  distribution(context: ArrayLike<number>): Float64Array {
    const keep = Math.min(context.length, this.order - 1);
    // a prefix shorter than n - 1 is preceded by the boundary
    const key = (context.length < this.order - 1 ? String.fromCharCode(BOUNDARY + OFFSET) : '') + keyOf(context, context.length - keep);
    let d = this.cache.get(key);
    if (!d) {
      d = this.computeDistribution(key);
      if (this.cache.size >= CharNgramLM.CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, d);
    }
    return d;
  }

  private computeDistribution(key: string): Float64Array {
    const V = this.vocabSize;
    // from the empty context (uniform below it) up to the full one
    const p = new Float64Array(V).fill(1 / V);
    for (let start = key.length; start >= 0; start--) {
      const ctx = key.slice(start);
      const e = this.table.get(ctx);
      if (!e) continue;
      const D = this.discounts[ctx.length];
      let kept = 0;
      for (let j = 0; j < e.followers.length; j++) kept += Math.max(e.counts[j] - D, 0);
      const gamma = 1 - kept / e.total;
      for (let w = 0; w < V; w++) p[w] *= gamma;
      for (let j = 0; j < e.followers.length; j++) p[e.followers[j]] += Math.max(e.counts[j] - D, 0) / e.total;
    }
    for (let w = 0; w < V; w++) p[w] = Math.log(p[w]);
    return p;
  }

  /** Average log-probability per symbol (boundary at the end included) of `sentences`, natural log. */
  averageLogProb(sentences: Iterable<ArrayLike<number>>): number {
    let sum = 0;
    let n = 0;
    for (const s of sentences) {
      for (let i = 0; i <= s.length; i++) {
        const ctx = Array.prototype.slice.call(s, 0, i) as number[];
        sum += i < s.length ? this.logProb(ctx, s[i]) : this.logProbEnd(ctx);
        n++;
      }
    }
    return n ? sum / n : 0;
  }

  toJSON(): CharNgramJson {
    const contexts: CharNgramJson['contexts'] = [];
    for (const [ctx, e] of this.table) contexts.push([ctx, e.total, keyOf(e.followers), Array.from(e.counts)]);
    return { format: 'babelfish-char-ngram/1', order: this.order, vocabSize: this.vocabSize, discounts: [...this.discounts], contexts };
  }

  static fromJSON(json: CharNgramJson): CharNgramLM {
    if (json?.format !== 'babelfish-char-ngram/1') throw new Error(`not a babelfish-char-ngram/1 model (format ${String(json?.format)})`);
    const table = new Map<string, ContextEntry>();
    for (const [ctx, total, followers, counts] of json.contexts) {
      if (followers.length !== counts.length) throw new Error(`char n-gram context has ${followers.length} followers but ${counts.length} counts`);
      table.set(ctx, { total, followers: Int32Array.from({ length: followers.length }, (_, i) => idOf(followers, i)), counts: Float64Array.from(counts) });
    }
    return new CharNgramLM(json.order, json.vocabSize, json.discounts, table);
  }
}
