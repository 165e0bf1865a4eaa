/**
 * Batched beam search over any autoregressive model given as a `step` function, so it
 * is tested against brute force apart from the LSTM.
 *
 * Rows of the model state are live hypotheses of all sentences still searching; after
 * each step the state is re-gathered (`select`) to the surviving hypotheses' parents, and
 * finished sentences drop out of the batch.
 *
 * Scoring: GNMT length normalisation (Wu et al. 2016): score = log P(y) / lp(|y|),
 * lp(n) = ((5 + n) / 6)^alpha, |y| counting </s>. alpha = 0 is the raw log-probability,
 * alpha = 1 is close to the per-token average; one knob covers both, which is why we pick it.
 *
 * Termination (as fairseq): </s> candidates are finalised only when they rank within the
 * beam; a sentence stops when it has `beam` finished hypotheses, or when its hypotheses
 * reach `maxLen` tokens (counting </s>), at which point the live ones are finalised as
 * they stand. So beam 1 is exactly greedy decoding, and a beam as wide as the number of
 * sequences is exact search.
 */
import { DEFAULT_DECODING } from './config.ts';

export interface StepResult<S> {
  /** Row-major [rows, vocabSize] log-probabilities of the next token. */
  logProbs: Float32Array;
  /** Optional per-row data recorded with the chosen token (e.g. its attention weights). */
  extras?: Float32Array[];
  state: S;
}

export interface BeamModel<S> {
  vocabSize: number;
  /** Advances every row by one token; `prev[r]` is row r's last token. Must not keep `state` alive. */
  step(prev: Int32Array, state: S): Promise<StepResult<S>> | StepResult<S>;
  /** New state holding rows `rows` of `state` (rows may repeat). */
  select(state: S, rows: Int32Array): S;
  dispose(state: S): void;
}

export interface BeamSearchOptions {
  beam: number;
  bos: number;
  eos: number;
  /** Longest hypothesis in tokens including </s>: one bound or one per sentence. */
  maxLen: number | number[];
  /** GNMT alpha; 0 = none. */
  lengthPenalty?: number;
  /** Never repeat an n-gram of this many tokens within a hypothesis (0 = off). */
  noRepeatNgram?: number;
}

export interface Hypothesis {
  /** Generated tokens without </s>. */
  tokens: number[];
  /** Whether the hypothesis ended with </s> (false when cut at maxLen). */
  finished: boolean;
  logProb: number;
  score: number;
  /** One entry per generated token (including </s>), when the model supplies extras. */
  extras?: Float32Array[];
}

interface Node {
  token: number;
  parent: Node | null;
  extra?: Float32Array;
  length: number;
}

export function gnmtPenalty(length: number, alpha: number): number {
  return alpha === 0 ? 1 : Math.pow((5 + length) / 6, alpha);
}

/**
 * Tokens that would complete an n-gram already in `tokens` (n = `n`): the token after each
 * earlier occurrence of the last n-1 tokens (as fairseq's no-repeat-ngram rule).
 */
export function repeatedNgramTokens(tokens: readonly number[], n: number): Set<number> {
  if (n < 1) return new Set();
  if (n === 1) return new Set(tokens);
  const banned = new Set<number>();
  const L = tokens.length;
  // every complete n-gram tokens[i .. i+n-1] whose first n-1 tokens equal the last n-1
  for (let i = 0; i + n - 1 < L; i++) {
    let same = true;
    for (let j = 0; j < n - 1 && same; j++) same = tokens[i + j] === tokens[L - n + 1 + j];
    if (same) banned.add(tokens[i + n - 1]);
  }
  return banned;
}

function trace(node: Node | null): { tokens: number[]; extras: (Float32Array | undefined)[] } {
  const tokens: number[] = [];
  const extras: (Float32Array | undefined)[] = [];
  for (let n = node; n; n = n.parent) {
    tokens.push(n.token);
    extras.push(n.extra);
  }
  return { tokens: tokens.reverse(), extras: extras.reverse() };
}

interface Live {
  node: Node | null;
  logProb: number;
  row: number;
}

/**
 * Searches for each of `count` sentences; `initial` holds one row per sentence.
 * Returns per sentence up to `beam` hypotheses, best first.
 */
export async function beamSearch<S>(model: BeamModel<S>, initial: S, count: number, options: BeamSearchOptions): Promise<Hypothesis[][]> {
  const K = Math.max(1, Math.floor(options.beam));
  const alpha = options.lengthPenalty ?? DEFAULT_DECODING.lengthPenalty;
  const noRepeat = options.noRepeatNgram ?? 0;
  const V = model.vocabSize;
  const maxLen = (s: number) => Math.max(1, Array.isArray(options.maxLen) ? options.maxLen[s] : options.maxLen);
  const finished: Hypothesis[][] = Array.from({ length: count }, () => []);
  // live[s]: live hypotheses of sentence s (empty when done)
  let live: Live[][] = Array.from({ length: count }, (_, s) => [{ node: null, logProb: 0, row: s }]);
  let state = initial;
  let rowsNow = count;

  const finalize = (s: number, node: Node, logProb: number, ended: boolean) => {
    const { tokens, extras } = trace(node);
    const hyp: Hypothesis = {
      tokens: ended ? tokens.slice(0, -1) : tokens,
      finished: ended,
      logProb,
      score: logProb / gnmtPenalty(node.length, alpha),
    };
    if (extras.every((e) => e !== undefined)) hyp.extras = extras as Float32Array[];
    finished[s].push(hyp);
  };

  try {
    for (let t = 1; rowsNow > 0; t++) {
      const prev = new Int32Array(rowsNow);
      for (const hyps of live) for (const h of hyps) prev[h.row] = h.node ? h.node.token : options.bos;
      const out = await model.step(prev, state);
      model.dispose(state);
      state = out.state;
      const lp = out.logProbs;

      const nextLive: Live[][] = Array.from({ length: count }, () => []);
      const parentRows: number[] = [];
      for (let s = 0; s < count; s++) {
        const hyps = live[s];
        if (!hyps.length) continue;
        // top 2K candidates (score, hyp index, token), kept sorted descending
        const limit = 2 * K;
        const cScore: number[] = [];
        const cHyp: number[] = [];
        const cTok: number[] = [];
        for (let k = 0; k < hyps.length; k++) {
          const base = hyps[k].logProb;
          const off = hyps[k].row * V;
          const banned = noRepeat > 0 ? repeatedNgramTokens(trace(hyps[k].node).tokens, noRepeat) : null;
          for (let v = 0; v < V; v++) {
            if (banned?.has(v)) continue;
            const sc = base + lp[off + v];
            if (!(sc > -Infinity)) continue;
            if (cScore.length === limit && sc <= cScore[limit - 1]) continue;
            let i = cScore.length === limit ? limit - 1 : cScore.length;
            if (cScore.length < limit) {
              cScore.push(sc);
              cHyp.push(k);
              cTok.push(v);
            }
            while (i > 0 && cScore[i - 1] < sc) {
              cScore[i] = cScore[i - 1];
              cHyp[i] = cHyp[i - 1];
              cTok[i] = cTok[i - 1];
              i--;
            }
            cScore[i] = sc;
            cHyp[i] = k;
            cTok[i] = v;
          }
        }
        const atLimit = t >= maxLen(s);
        const kept: Live[] = [];
        for (let i = 0; i < cScore.length; i++) {
          const parent = hyps[cHyp[i]];
          const node: Node = { token: cTok[i], parent: parent.node, extra: out.extras?.[parent.row], length: t };
          if (cTok[i] === options.eos) {
            if (i < K) finalize(s, node, cScore[i], true);
          } else if (kept.length < K) {
            kept.push({ node, logProb: cScore[i], row: parent.row });
          }
        }
        if (finished[s].length >= K || !kept.length) continue;
        if (atLimit) {
          for (const h of kept) finalize(s, h.node!, h.logProb, false);
          continue;
        }
        for (const h of kept) {
          const parentRow = h.row;
          h.row = parentRows.length;
          parentRows.push(parentRow);
          nextLive[s].push(h);
        }
      }
      live = nextLive;
      const identity = parentRows.length === rowsNow && parentRows.every((r, i) => r === i);
      if (parentRows.length && !identity) {
        const selected = model.select(state, Int32Array.from(parentRows));
        model.dispose(state);
        state = selected;
      }
      rowsNow = parentRows.length;
    }
  } finally {
    model.dispose(state);
  }
  return finished.map((hs) => hs.sort((a, b) => b.score - a.score).slice(0, K));
}

/** Greedy decoding: beam search with a beam of one (identical by construction and by test). */
export function greedySearch<S>(model: BeamModel<S>, initial: S, count: number, options: Omit<BeamSearchOptions, 'beam'>): Promise<Hypothesis[][]> {
  return beamSearch(model, initial, count, { ...options, beam: 1 });
}
