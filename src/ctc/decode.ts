/**
 * CTC decoders over per-frame log-probabilities (rows of C values, blank included).
 *
 * `greedyDecode` takes the best class per frame and collapses repeats and blanks.
 * `prefixBeamSearch` keeps, for each candidate label prefix, the probability of
 * all alignments ending in blank and ending in non-blank (Hannun et al. 2014), so
 * alignments that collapse to the same text are summed rather than competing;
 * `PrefixBeamSearch` is the same search fed frame by frame, for streaming.
 */

/** One frame's log-probabilities, C values. */
export type LogProbRow = ArrayLike<number>;

/** The frame-wise argmax path, repeats merged, blanks removed. */
export function greedyDecode(rows: readonly LogProbRow[], blank = 0): number[] {
  const out: number[] = [];
  let prev = -1;
  for (const row of rows) {
    let best = 0;
    for (let c = 1; c < row.length; c++) if (row[c] > row[best]) best = c;
    if (best !== prev && best !== blank) out.push(best);
    prev = best;
  }
  return out;
}

export interface BeamSearchOptions {
  beamWidth?: number;
  blank?: number;
  /** Log-probability bonus for appending `next` to `prefix` (e.g. a character n-gram). */
  lm?: (prefix: readonly number[], next: number) => number;
  lmWeight?: number;
  /** Log-probability bonus for ending the text after `prefix` (an LM's end of sentence), added once at the end. */
  lmEnd?: (prefix: readonly number[]) => number;
  /** Classes whose log-probability at a frame is below the frame's best minus this are skipped. */
  pruneLogProb?: number;
}

export interface BeamHypothesis {
  labels: number[];
  /** log P(labels | frames) plus the weighted LM bonus. */
  logProb: number;
}

/**
 * A label prefix, shared by every frame's beams: its extensions (and their LM bonus) are
 * made once, not again at each frame the prefix survives, and the prefix itself is the map key.
 */
interface PrefixNode {
  labels: number[];
  children: Map<number, { node: PrefixNode; bonus: number }>;
}

interface Beam {
  node: PrefixNode;
  /** Alignments ending in blank, and ending in the last label. */
  blank: number;
  nonBlank: number;
}

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = a > b ? a : b;
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

const total = (b: Beam) => logAdd(b.blank, b.nonBlank);

/**
 * Prefix beam search that takes frames as they arrive: `push` any number of rows at a time,
 * `best` is the leading prefix so far (a streaming partial), `hypotheses` the final ranking
 * with the end-of-text term. Pushing the rows in chunks gives exactly what pushing them at
 * once gives, since each frame only updates the beams left by the frame before.
 */
export class PrefixBeamSearch {
  private readonly beamWidth: number;
  private readonly blank: number;
  private readonly lmWeight: number;
  private readonly prune: number;
  private beams: Map<PrefixNode, Beam>;

  constructor(private readonly options: BeamSearchOptions = {}) {
    this.beamWidth = options.beamWidth ?? 8;
    this.blank = options.blank ?? 0;
    this.lmWeight = options.lmWeight ?? 1;
    this.prune = options.pruneLogProb ?? Infinity;
    const root: PrefixNode = { labels: [], children: new Map() };
    this.beams = new Map([[root, { node: root, blank: 0, nonBlank: -Infinity }]]);
  }

  push(rows: readonly LogProbRow[]): void {
    for (const row of rows) this.step(row);
  }

  /** The most probable prefix so far (no end-of-text term: the speaker may go on). */
  best(): number[] {
    let top: Beam | null = null;
    for (const b of this.beams.values()) if (!top || total(b) > total(top)) top = b;
    return top ? top.node.labels : [];
  }

  /** Hypotheses, best first; at most `beamWidth`, ranked with the end-of-text term. */
  hypotheses(): BeamHypothesis[] {
    const lmEnd = this.options.lmEnd;
    return [...this.beams.values()]
      .map((b) => ({ labels: b.node.labels, logProb: total(b) + (lmEnd ? this.lmWeight * lmEnd(b.node.labels) : 0) }))
      .sort((a, b) => b.logProb - a.logProb);
  }

  /** `node` extended by label c, made (with its LM bonus) the first time it is asked for. */
  private child(node: PrefixNode, c: number): { node: PrefixNode; bonus: number } {
    let ext = node.children.get(c);
    if (!ext) {
      const lm = this.options.lm;
      ext = { node: { labels: node.labels.concat(c), children: new Map() }, bonus: lm ? this.lmWeight * lm(node.labels, c) : 0 };
      node.children.set(c, ext);
    }
    return ext;
  }

  private step(row: LogProbRow): void {
    const { blank, prune } = this;
    const next = new Map<PrefixNode, Beam>();
    const at = (node: PrefixNode): Beam => {
      let b = next.get(node);
      if (!b) {
        b = { node, blank: -Infinity, nonBlank: -Infinity };
        next.set(node, b);
      }
      return b;
    };
    let rowMax = -Infinity;
    for (let c = 0; c < row.length; c++) if (row[c] > rowMax) rowMax = row[c];
    for (const beam of this.beams.values()) {
      const node = beam.node;
      const all = total(beam);
      const last = node.labels.length ? node.labels[node.labels.length - 1] : -1;
      for (let c = 0; c < row.length; c++) {
        const p = row[c];
        if (p < rowMax - prune) continue;
        if (c === blank) {
          const same = at(node);
          same.blank = logAdd(same.blank, all + p);
          continue;
        }
        const { node: extNode, bonus } = this.child(node, c);
        const ext = at(extNode);
        if (c === last) {
          // A repeat only extends the text after a blank; otherwise it merges into the same label.
          ext.nonBlank = logAdd(ext.nonBlank, beam.blank + p + bonus);
          const same = at(node);
          same.nonBlank = logAdd(same.nonBlank, beam.nonBlank + p);
        } else {
          ext.nonBlank = logAdd(ext.nonBlank, all + p + bonus);
        }
      }
    }
    const kept = [...next.values()].sort((a, b) => total(b) - total(a)).slice(0, this.beamWidth);
    this.beams = new Map(kept.map((b) => [b.node, b]));
  }
}

/** Hypotheses, best first; at most `beamWidth`. */
export function prefixBeamSearch(rows: readonly LogProbRow[], options: BeamSearchOptions = {}): BeamHypothesis[] {
  const search = new PrefixBeamSearch(options);
  search.push(rows);
  return search.hypotheses();
}
