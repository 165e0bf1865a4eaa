/**
 * Unigram language-model subword vocabulary (Kudo 2018), trained the way
 * SentencePiece's `unigram_model_trainer` does it, over every language at once:
 *
 *  1. Split normalised sentences into words, each prefixed with the boundary
 *     marker U+2581 (so detokenisation is lossless), and count them. Pieces
 *     never cross a word, so the corpus is just a word -> count map.
 *  2. Seed: every substring of every word up to `maxPieceLength` code points,
 *     scored by frequency x length, best `seedSize` kept, plus every character.
 *  3. Repeat: a few EM steps (forward-backward over each word's lattice of
 *     pieces, expected counts, digamma M-step of the sparse Bayesian variant),
 *     then drop the pieces whose removal costs the least likelihood, keeping
 *     `shrinkingFactor` of them, until the vocabulary is near the target.
 *  4. Keep every character seen (total coverage) and the highest scoring
 *     pieces up to `vocabSize`; one last plain EM step gives log-probabilities.
 *
 * Deterministic: no randomness, and every tie is broken by the piece string.
 */
import { normalizeForSubwords, WORD_BOUNDARY } from './normalize.ts';

export interface UnigramTrainerOptions {
  /** Pieces to output (special tokens are not counted here). */
  vocabSize: number;
  /** Longest piece, in code points (the boundary marker counts). */
  maxPieceLength: number;
  /** Seed vocabulary size before pruning. */
  seedSize: number;
  /** Share of pieces kept by each pruning round (SentencePiece: 0.75). */
  shrinkingFactor: number;
  /** EM steps between pruning rounds. */
  emIterationsPerRound: number;
  /** Characters seen fewer times than this are left out (they become <unk>). 1 keeps all. */
  minCharFrequency: number;
  /**
   * Leave out characters beyond the Basic Multilingual Plane (emoji, rare CJK).
   * The USE Tokenizer's Viterbi works in UTF-16 units and treats an unreachable
   * position as score 0, so a piece made of a surrogate pair loses to two
   * <unk> halves anyway; excluding them keeps the vocabulary honest.
   */
  bmpOnly: boolean;
  /** Progress lines (stderr by default); null for silence. */
  log: ((line: string) => void) | null;
}

export const DEFAULT_UNIGRAM_TRAINER_OPTIONS: UnigramTrainerOptions = {
  vocabSize: 8000,
  maxPieceLength: 12,
  seedSize: 200_000,
  shrinkingFactor: 0.8,
  emIterationsPerRound: 2,
  minCharFrequency: 1,
  bmpOnly: true,
  log: (line) => process.stderr.write(`[unigram] ${line}\n`),
};

export type Vocabulary = [piece: string, logProb: number][];

export interface EmStepResult {
  /** Sum over words of count x log P(word) under the scores before this step. */
  logLikelihood: number;
  /** Number of pieces alive after the step. */
  pieces: number;
}

// SentencePiece drops pieces expected fewer than this many times in a Bayesian M-step.
const EXPECTED_FREQUENCY_THRESHOLD = 0.5;
// Score given to required characters that EM never used (SentencePiece: kUnkPenalty-like).
const MISSING_CHAR_PENALTY = 10;

/** Character classes a piece may not mix (SentencePiece's split_by_number / unicode script, simplified). */
function charClass(ch: string): number {
  if (/\p{N}/u.test(ch)) return 1;
  if (/[\p{L}\p{M}]/u.test(ch)) return 2;
  return 3;
}

/** Digamma by recurrence then the asymptotic series (as in SentencePiece). */
export function digamma(x0: number): number {
  let x = x0;
  let result = 0;
  for (; x < 7; ++x) result -= 1 / x;
  x -= 0.5;
  const xx = 1 / x;
  const xx2 = xx * xx;
  const xx4 = xx2 * xx2;
  result += Math.log(x) + xx2 / 24 - (7 / 960) * xx4 + (31 / 8064) * xx4 * xx2 - (127 / 30720) * xx4 * xx4;
  return result;
}

function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** Words of a normalised sentence, each with the boundary marker in front. */
export function sentenceWords(normalized: string): string[] {
  if (normalized.length === 0) return [];
  return normalized.split(' ').map((w) => WORD_BOUNDARY + w);
}

/**
 * Holds the word counts, the candidate pieces and, per word, every lattice
 * edge (start, end, piece) whose piece is still in the vocabulary.
 */
export class UnigramTrainer {
  readonly options: UnigramTrainerOptions;
  readonly words: string[] = [];
  readonly wordCounts: number[] = [];
  /** Code-point length of each word. */
  private wordLengths: Int32Array = new Int32Array(0);

  pieces: string[] = [];
  logProbs: Float64Array = new Float64Array(0);
  /** Single characters: never pruned. */
  private required: Uint8Array = new Uint8Array(0);

  private edgeOffsets: Int32Array = new Int32Array(1);
  private edgeStart: Int32Array = new Int32Array(0);
  private edgeEnd: Int32Array = new Int32Array(0);
  private edgePiece: Int32Array = new Int32Array(0);
  private maxWordLength = 0;

  constructor(sentences: Iterable<string>, options: Partial<UnigramTrainerOptions> = {}) {
    this.options = { ...DEFAULT_UNIGRAM_TRAINER_OPTIONS, ...options };
    const t0 = Date.now();
    const counts = new Map<string, number>();
    let n = 0;
    for (const s of sentences) {
      for (const w of sentenceWords(normalizeForSubwords(s))) counts.set(w, (counts.get(w) ?? 0) + 1);
      if (++n % 100_000 === 0) this.log(`read ${n} sentences, ${counts.size} distinct words`);
    }
    // Sorted so the result does not depend on sentence order.
    const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [w, c] of sorted) {
      this.words.push(w);
      this.wordCounts.push(c);
    }
    this.log(`${n} sentences, ${this.words.length} distinct words (${Date.now() - t0} ms)`);
    this.seed();
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /** Seed pieces: all characters, then the best substrings by frequency x length. */
  private seed(): void {
    const t0 = Date.now();
    const { maxPieceLength, seedSize, minCharFrequency, bmpOnly } = this.options;
    const excluded = (ch: string) => bmpOnly && ch.length > 1;
    const charCounts = new Map<string, number>();
    const subCounts = new Map<string, number>();
    this.wordLengths = new Int32Array(this.words.length);
    for (let wi = 0; wi < this.words.length; wi++) {
      const chars = Array.from(this.words[wi]);
      const f = this.wordCounts[wi];
      this.wordLengths[wi] = chars.length;
      this.maxWordLength = Math.max(this.maxWordLength, chars.length);
      const classes = chars.map(charClass);
      for (let i = 0; i < chars.length; i++) {
        if (excluded(chars[i])) continue;
        charCounts.set(chars[i], (charCounts.get(chars[i]) ?? 0) + f);
        // Multi-character pieces: an optional leading marker, then one character class.
        let sub = chars[i];
        const bodyStart = chars[i] === WORD_BOUNDARY ? i + 1 : i;
        for (let j = i + 1; j < chars.length && j - i < maxPieceLength; j++) {
          if (excluded(chars[j]) || (j > bodyStart && classes[j] !== classes[bodyStart])) break;
          sub += chars[j];
          subCounts.set(sub, (subCounts.get(sub) ?? 0) + f);
        }
      }
    }
    const chars = [...charCounts.entries()]
      .filter(([, c]) => c >= minCharFrequency)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const scored: [string, number][] = [];
    for (const [s, c] of subCounts) if (c > 1) scored.push([s, c * Array.from(s).length]);
    scored.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const subs = scored.slice(0, Math.max(0, seedSize - chars.length));

    this.pieces = [...chars.map(([c]) => c), ...subs.map(([s]) => s)];
    const scores = [...chars.map(([, c]) => c), ...subs.map(([, c]) => c)];
    const total = scores.reduce((a, b) => a + b, 0);
    this.logProbs = Float64Array.from(scores, (s) => Math.log(s) - Math.log(total));
    this.required = new Uint8Array(this.pieces.length);
    this.required.fill(1, 0, chars.length);
    this.log(
      `seeded ${this.pieces.length} pieces (${chars.length} characters, ${subCounts.size} substrings counted) in ${Date.now() - t0} ms`,
    );
    this.rebuildEdges(null);
  }

  /**
   * Lattice edges of every word over the current pieces. With `keep`, only
   * the old edges whose piece survives are kept, renumbered by `remap` (-1 = gone).
   */
  private rebuildEdges(remap: Int32Array | null): void {
    const t0 = Date.now();
    if (remap) {
      let k = 0;
      const offsets = new Int32Array(this.words.length + 1);
      for (let w = 0; w < this.words.length; w++) {
        offsets[w] = k;
        for (let e = this.edgeOffsets[w]; e < this.edgeOffsets[w + 1]; e++) {
          const p = remap[this.edgePiece[e]];
          if (p < 0) continue;
          this.edgeStart[k] = this.edgeStart[e];
          this.edgeEnd[k] = this.edgeEnd[e];
          this.edgePiece[k] = p;
          k++;
        }
      }
      offsets[this.words.length] = k;
      this.edgeOffsets = offsets;
      this.edgeStart = this.edgeStart.slice(0, k);
      this.edgeEnd = this.edgeEnd.slice(0, k);
      this.edgePiece = this.edgePiece.slice(0, k);
      return;
    }
    const index = new Map<string, number>();
    this.pieces.forEach((p, i) => index.set(p, i));
    const start: number[] = [];
    const end: number[] = [];
    const piece: number[] = [];
    const offsets = new Int32Array(this.words.length + 1);
    const maxLen = this.options.maxPieceLength;
    for (let w = 0; w < this.words.length; w++) {
      offsets[w] = start.length;
      const chars = Array.from(this.words[w]);
      // Edges ordered by start position: the forward pass relies on it.
      for (let i = 0; i < chars.length; i++) {
        let sub = '';
        for (let j = i; j < chars.length && j - i < maxLen; j++) {
          sub += chars[j];
          const id = index.get(sub);
          if (id !== undefined) {
            start.push(i);
            end.push(j + 1);
            piece.push(id);
          }
        }
      }
    }
    offsets[this.words.length] = start.length;
    this.edgeOffsets = offsets;
    this.edgeStart = Int32Array.from(start);
    this.edgeEnd = Int32Array.from(end);
    this.edgePiece = Int32Array.from(piece);
    this.log(`lattice: ${start.length} edges over ${this.words.length} words (${Date.now() - t0} ms)`);
  }

  /** Expected piece counts under the current scores, and the corpus log-likelihood. */
  expectedCounts(): { counts: Float64Array; logLikelihood: number } {
    const counts = new Float64Array(this.pieces.length);
    const alpha = new Float64Array(this.maxWordLength + 1);
    const beta = new Float64Array(this.maxWordLength + 1);
    const lp = this.logProbs;
    let ll = 0;
    for (let w = 0; w < this.words.length; w++) {
      const n = this.wordLengths[w];
      const e0 = this.edgeOffsets[w];
      const e1 = this.edgeOffsets[w + 1];
      alpha.fill(-Infinity, 0, n + 1);
      beta.fill(-Infinity, 0, n + 1);
      alpha[0] = 0;
      beta[n] = 0;
      for (let e = e0; e < e1; e++) {
        const s = this.edgeStart[e];
        const t = this.edgeEnd[e];
        alpha[t] = logAddExp(alpha[t], alpha[s] + lp[this.edgePiece[e]]);
      }
      for (let e = e1 - 1; e >= e0; e--) {
        const s = this.edgeStart[e];
        const t = this.edgeEnd[e];
        beta[s] = logAddExp(beta[s], beta[t] + lp[this.edgePiece[e]]);
      }
      const z = alpha[n];
      if (z === -Infinity) continue; // a word with a dropped rare character
      const f = this.wordCounts[w];
      ll += f * z;
      for (let e = e0; e < e1; e++) {
        const p = this.edgePiece[e];
        const a = alpha[this.edgeStart[e]] + lp[p] + beta[this.edgeEnd[e]] - z;
        counts[p] += f * Math.exp(a);
      }
    }
    return { counts, logLikelihood: ll };
  }

  /**
   * One EM step. `bayesian` (SentencePiece's choice) uses digamma in the M-step
   * and drops pieces expected fewer than 0.5 times, which favours a sparse
   * vocabulary but is not a pure likelihood ascent; otherwise plain maximum
   * likelihood, under which the likelihood never decreases.
   */
  emStep(bayesian = true): EmStepResult {
    const { counts, logLikelihood } = this.expectedCounts();
    const keep = new Int32Array(this.pieces.length).fill(-1);
    let sum = 0;
    let k = 0;
    for (let i = 0; i < this.pieces.length; i++) {
      if (this.required[i] || counts[i] >= (bayesian ? EXPECTED_FREQUENCY_THRESHOLD : Number.MIN_VALUE)) {
        keep[i] = k++;
        sum += counts[i];
      }
    }
    const newLogProbs = new Float64Array(k);
    const norm = bayesian ? digamma(sum) : Math.log(sum);
    let minLp = Infinity;
    for (let i = 0; i < this.pieces.length; i++) {
      const j = keep[i];
      if (j < 0 || counts[i] <= 0) continue;
      newLogProbs[j] = (bayesian ? digamma(counts[i]) : Math.log(counts[i])) - norm;
      minLp = Math.min(minLp, newLogProbs[j]);
    }
    for (let i = 0; i < this.pieces.length; i++) {
      const j = keep[i];
      if (j >= 0 && counts[i] <= 0) newLogProbs[j] = minLp - MISSING_CHAR_PENALTY;
    }
    this.applyKeep(keep, k, newLogProbs);
    return { logLikelihood, pieces: k };
  }

  private applyKeep(keep: Int32Array, k: number, newLogProbs: Float64Array): void {
    if (k === this.pieces.length) {
      this.logProbs = newLogProbs;
      return;
    }
    const pieces = new Array<string>(k);
    const required = new Uint8Array(k);
    for (let i = 0; i < keep.length; i++) {
      if (keep[i] < 0) continue;
      pieces[keep[i]] = this.pieces[i];
      required[keep[i]] = this.required[i];
    }
    this.pieces = pieces;
    this.required = required;
    this.logProbs = newLogProbs;
    this.rebuildEdges(keep);
  }

  /** Best segmentation (piece ids) of `chars` over the given lookup, skipping `exclude`. */
  private viterbi(chars: string[], index: Map<string, number>, excludeWhole: boolean): number[] | null {
    const n = chars.length;
    const best = new Float64Array(n + 1).fill(-Infinity);
    const back = new Int32Array(n + 1).fill(-1);
    const backPiece = new Int32Array(n + 1).fill(-1);
    best[0] = 0;
    const maxLen = this.options.maxPieceLength;
    for (let i = 0; i < n; i++) {
      if (best[i] === -Infinity) continue;
      let sub = '';
      for (let j = i; j < n && j - i < maxLen; j++) {
        sub += chars[j];
        if (excludeWhole && i === 0 && j === n - 1) continue;
        const id = index.get(sub);
        if (id === undefined) continue;
        const s = best[i] + this.logProbs[id];
        if (s > best[j + 1]) {
          best[j + 1] = s;
          back[j + 1] = i;
          backPiece[j + 1] = id;
        }
      }
    }
    if (best[n] === -Infinity) return null;
    const path: number[] = [];
    for (let t = n; t > 0; t = back[t]) path.push(backPiece[t]);
    return path.reverse();
  }

  /** Best path of every word (piece ids), from the precomputed lattices. */
  private viterbiFrequencies(): Float64Array {
    const freq = new Float64Array(this.pieces.length);
    const best = new Float64Array(this.maxWordLength + 1);
    const backEdge = new Int32Array(this.maxWordLength + 1);
    const lp = this.logProbs;
    for (let w = 0; w < this.words.length; w++) {
      const n = this.wordLengths[w];
      best.fill(-Infinity, 0, n + 1);
      best[0] = 0;
      for (let e = this.edgeOffsets[w]; e < this.edgeOffsets[w + 1]; e++) {
        const s = this.edgeStart[e];
        const t = this.edgeEnd[e];
        const v = best[s] + lp[this.edgePiece[e]];
        if (v > best[t]) {
          best[t] = v;
          backEdge[t] = e;
        }
      }
      if (best[n] === -Infinity) continue;
      const f = this.wordCounts[w];
      for (let t = n; t > 0; t = this.edgeStart[backEdge[t]]) freq[this.edgePiece[backEdge[t]]] += f;
    }
    return freq;
  }

  /**
   * SentencePiece's pruning: for each piece, the likelihood lost if its Viterbi
   * uses were re-segmented into its best alternative; keep the costliest
   * `shrinkingFactor` share (characters and pieces without alternative always).
   */
  prune(targetSize: number): number {
    const index = new Map<string, number>();
    this.pieces.forEach((p, i) => index.set(p, i));
    const alternatives: (number[] | null)[] = this.pieces.map((p, i) =>
      this.required[i] ? null : this.viterbi(Array.from(p), index, true),
    );
    const freq = this.viterbiFrequencies();
    let sum = 0;
    for (const f of freq) sum += f;
    const logSum = Math.log(sum);
    let vsum = 0;
    for (const c of this.wordCounts) vsum += c;

    const keepAlways: number[] = [];
    const candidates: [number, number][] = [];
    for (let i = 0; i < this.pieces.length; i++) {
      const alt = alternatives[i];
      if (this.required[i] || alt === null) {
        keepAlways.push(i);
        continue;
      }
      if (freq[i] === 0) continue; // never on a best path: free to drop
      const logProbPiece = Math.log(freq[i]) - logSum;
      const logSumAlt = Math.log(sum + freq[i] * (alt.length - 1));
      let logProbAlt = 0;
      for (const a of alt) logProbAlt += Math.log(freq[a] + freq[i]) - logSumAlt;
      const loss = (freq[i] / vsum) * (logProbPiece - logProbAlt);
      candidates.push([i, loss]);
    }
    candidates.sort((a, b) => b[1] - a[1] || (this.pieces[a[0]] < this.pieces[b[0]] ? -1 : 1));
    const size = Math.max(targetSize, Math.floor(this.options.shrinkingFactor * this.pieces.length));
    const kept = new Set(keepAlways);
    for (const [i] of candidates) {
      if (kept.size >= size) break;
      kept.add(i);
    }
    const keep = new Int32Array(this.pieces.length).fill(-1);
    const newLogProbs: number[] = [];
    let k = 0;
    for (let i = 0; i < this.pieces.length; i++) {
      if (!kept.has(i)) continue;
      keep[i] = k++;
      newLogProbs.push(this.logProbs[i]);
    }
    this.applyKeep(keep, k, Float64Array.from(newLogProbs));
    return k;
  }

  /** Required characters plus the best-scoring pieces, `vocabSize` in all. */
  private finalizePieces(): void {
    const order = this.pieces.map((_, i) => i);
    order.sort((a, b) => this.logProbs[b] - this.logProbs[a] || (this.pieces[a] < this.pieces[b] ? -1 : 1));
    const requiredCount = this.required.reduce((a, b) => a + b, 0);
    let room = Math.max(0, this.options.vocabSize - requiredCount);
    const keep = new Int32Array(this.pieces.length).fill(-1);
    const chosen = new Set<number>();
    for (const i of order) {
      if (this.required[i]) chosen.add(i);
      else if (room > 0) {
        chosen.add(i);
        room--;
      }
    }
    let k = 0;
    const newLogProbs: number[] = [];
    for (let i = 0; i < this.pieces.length; i++) {
      if (!chosen.has(i)) continue;
      keep[i] = k++;
      newLogProbs.push(this.logProbs[i]);
    }
    this.applyKeep(keep, k, Float64Array.from(newLogProbs));
  }

  /** The whole schedule: EM and pruning rounds, finalisation, a last plain EM step. */
  train(): Vocabulary {
    const t0 = Date.now();
    const { vocabSize, emIterationsPerRound } = this.options;
    // Prune to a little above the target so finalisation can choose (SentencePiece: 1.1x).
    const desired = Math.floor(vocabSize * 1.1);
    for (let round = 1; ; round++) {
      let last: EmStepResult = { logLikelihood: 0, pieces: this.pieces.length };
      for (let it = 0; it < emIterationsPerRound; it++) last = this.emStep(true);
      const perWord = last.logLikelihood / this.wordCounts.reduce((a, b) => a + b, 0);
      const elapsed = (Date.now() - t0) / 1000;
      // Rounds get cheaper as the lattice shrinks, so this ETA errs long.
      const roundsLeft = Math.max(0, Math.ceil(Math.log(desired / this.pieces.length) / Math.log(this.options.shrinkingFactor)));
      this.log(
        `round ${round}: ${this.pieces.length} pieces, log-likelihood/word ${perWord.toFixed(4)}, ${elapsed.toFixed(1)} s, ~${roundsLeft} rounds left (ETA <= ${Math.ceil((roundsLeft * elapsed) / round)} s)`,
      );
      if (this.pieces.length <= desired) break;
      const before = this.pieces.length;
      this.prune(desired);
      if (this.pieces.length >= before) break; // only characters and unprunable pieces left
    }
    this.finalizePieces();
    this.emStep(false);
    this.floorRareCharacters();
    this.log(`done: ${this.pieces.length} pieces in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return this.vocabulary();
  }

  /**
   * Characters that the final EM step barely used can end with absurd scores
   * (log 1e-40); like SentencePiece, give them the lowest real score minus a
   * penalty instead, so an unseen word still prefers longer known pieces.
   */
  private floorRareCharacters(): void {
    let minOther = Infinity;
    for (let i = 0; i < this.pieces.length; i++) if (!this.required[i]) minOther = Math.min(minOther, this.logProbs[i]);
    if (minOther === Infinity) return;
    const floor = minOther - MISSING_CHAR_PENALTY;
    for (let i = 0; i < this.pieces.length; i++) {
      if (this.required[i] && this.logProbs[i] < floor) this.logProbs[i] = floor;
    }
  }

  /** Pieces with their log-probabilities, most probable first. */
  vocabulary(): Vocabulary {
    const out: Vocabulary = this.pieces.map((p, i) => [p, this.logProbs[i]]);
    out.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return out;
  }
}

/** Train a unigram vocabulary over `sentences` (any mix of languages). */
export function trainUnigramVocabulary(
  sentences: Iterable<string>,
  options: Partial<UnigramTrainerOptions> = {},
): Vocabulary {
  return new UnigramTrainer(sentences, options).train();
}
