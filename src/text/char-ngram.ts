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

/**
 * Every context's followers, packed for a model of millions of n-grams: contexts as sorted
 * numeric codes (found by binary search), their followers and counts in flat arrays: 10 bytes
 * an n-gram and 20 a context. A Map of small objects and typed arrays cost about 500 bytes an
 * n-gram (four 7-gram models of 1.54M n-grams in all took 780 MB of heap; packed, the process
 * grows by about 80 MB loading them, parsing included).
 */
class ContextTable {
  private constructor(
    /** Sorted context codes (`ContextTable.code`). */
    private readonly codes: Float64Array,
    private readonly totals: Float64Array,
    /** Context i's followers are starts[i] .. starts[i + 1] - 1 of `followers` and `counts`. */
    private readonly starts: Uint32Array,
    readonly followers: Uint16Array,
    readonly counts: Float64Array,
  ) {}

  /** base^(order-1) must stay an exact integer in a float64. */
  static check(order: number, vocabSize: number): void {
    if (!(vocabSize >= 1 && vocabSize < 0xffff)) throw new RangeError(`vocabSize must be in 1..65534, got ${vocabSize}`);
    if (Math.pow(vocabSize + 1, order - 1) >= Number.MAX_SAFE_INTEGER) throw new RangeError(`order ${order} with ${vocabSize} symbols is too long a context to index`);
  }

  /** A context key (`keyOf` string) from `from` on as a number: digits id + 1 in base V + 1, so lengths never collide. */
  static code(key: string, vocabSize: number, from = 0): number {
    let c = 0;
    for (let i = from; i < key.length; i++) c = c * (vocabSize + 1) + idOf(key, i) + 1;
    return c;
  }

  /** From [context key, total, followers (a key string, ascending), counts] in any order: the JSON form. */
  static build(entries: CharNgramJson['contexts'], vocabSize: number): ContextTable {
    const coded = entries.map((e) => ({ code: ContextTable.code(e[0], vocabSize), e }));
    coded.sort((a, b) => a.code - b.code);
    let n = 0;
    for (const { e } of coded) {
      if (e[2].length !== e[3].length) throw new Error(`char n-gram context has ${e[2].length} followers but ${e[3].length} counts`);
      n += e[2].length;
    }
    const codes = new Float64Array(coded.length);
    const totals = new Float64Array(coded.length);
    const starts = new Uint32Array(coded.length + 1);
    const followers = new Uint16Array(n);
    const counts = new Float64Array(n);
    let at = 0;
    coded.forEach(({ code, e }, i) => {
      if (i > 0 && code === codes[i - 1]) throw new Error('char n-gram context listed twice');
      codes[i] = code;
      totals[i] = e[1];
      starts[i] = at;
      for (let j = 0; j < e[2].length; j++) followers[at + j] = idOf(e[2], j);
      counts.set(e[3], at);
      at += e[2].length;
    });
    starts[coded.length] = at;
    return new ContextTable(codes, totals, starts, followers, counts);
  }

  get size(): number {
    return this.codes.length;
  }

  /** The index of the context with this code, or -1. */
  find(code: number): number {
    let lo = 0;
    let hi = this.codes.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.codes[mid];
      if (c === code) return mid;
      if (c < code) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  total(i: number): number {
    return this.totals[i];
  }

  start(i: number): number {
    return this.starts[i];
  }

  end(i: number): number {
    return this.starts[i + 1];
  }

  /** Context i's code back to its key string. */
  key(i: number, vocabSize: number): string {
    let c = this.codes[i];
    let s = '';
    while (c > 0) {
      const d = c % (vocabSize + 1);
      s = String.fromCharCode(d - 1 + OFFSET) + s;
      c = (c - d) / (vocabSize + 1);
    }
    return s;
  }
}

export class CharNgramLM {
  readonly order: number;
  readonly vocabSize: number;
  readonly discounts: readonly number[];
  private readonly table: ContextTable;
  private readonly cache = new Map<string, Float64Array>();
  private static readonly CACHE_LIMIT = 20000;

  private constructor(order: number, vocabSize: number, discounts: number[], table: ContextTable) {
    this.order = order;
    this.vocabSize = vocabSize;
    this.discounts = discounts;
    this.table = table;
  }

  /** Counts n-grams of `sentences` (symbol ids 1..V-1, no boundaries) and smooths them. */
  static train(sentences: Iterable<ArrayLike<number>>, vocabSize: number, options: Partial<CharNgramOptions> = {}): CharNgramLM {
    const { order, minCount } = { ...DEFAULT_CHAR_NGRAM_OPTIONS, ...options };
    if (!(order >= 1)) throw new RangeError(`order must be >= 1, got ${order}`);
    ContextTable.check(order, vocabSize);
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
    const entries: CharNgramJson['contexts'] = [];
    for (const [ctx, g] of grouped) {
      g.kept.sort((a, b) => a[0] - b[0]);
      entries.push([ctx, g.total, keyOf(g.kept.map((e) => e[0])), g.kept.map((e) => e[1])]);
    }
    return new CharNgramLM(order, vocabSize, discounts, ContextTable.build(entries, vocabSize));
  }

  /** Number of stored n-grams (after pruning). */
  get size(): number {
    return this.table.followers.length;
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
    const { followers, counts } = this.table;
    for (let start = key.length; start >= 0; start--) {
      const i = this.table.find(ContextTable.code(key, V, start));
      if (i < 0) continue;
      const D = this.discounts[key.length - start];
      const total = this.table.total(i);
      const [from, to] = [this.table.start(i), this.table.end(i)];
      let kept = 0;
      for (let j = from; j < to; j++) kept += Math.max(counts[j] - D, 0);
      const gamma = 1 - kept / total;
      for (let w = 0; w < V; w++) p[w] *= gamma;
      for (let j = from; j < to; j++) p[followers[j]] += Math.max(counts[j] - D, 0) / total;
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

  /** Contexts in code order (shorter contexts first), so equal models write equal files. */
  toJSON(): CharNgramJson {
    const t = this.table;
    const contexts: CharNgramJson['contexts'] = [];
    for (let i = 0; i < t.size; i++) contexts.push([t.key(i, this.vocabSize), t.total(i), keyOf(t.followers, t.start(i), t.end(i)), Array.from(t.counts.subarray(t.start(i), t.end(i)))]);
    return { format: 'babelfish-char-ngram/1', order: this.order, vocabSize: this.vocabSize, discounts: [...this.discounts], contexts };
  }

  static fromJSON(json: CharNgramJson): CharNgramLM {
    if (json?.format !== 'babelfish-char-ngram/1') throw new Error(`not a babelfish-char-ngram/1 model (format ${String(json?.format)})`);
    ContextTable.check(json.order, json.vocabSize);
    return new CharNgramLM(json.order, json.vocabSize, json.discounts, ContextTable.build(json.contexts, json.vocabSize));
  }
}
