/**
 * Streaming recognition: audio chunks of any size in, partial text out, final text at the end.
 *
 * State carried between chunks: the feature extractor's sample buffer, each strided
 * front-end convolution's not-yet-consumed input frames, each dilated block's last
 * (k - 1) * d normalised frames, the language head's running sum, and the decoder's
 * state. Because every layer is causal and the first state is the zero padding the batch
 * path uses, the logits equal the whole-signal ones. A block with lookahead (future taps)
 * also holds the residual frames whose future has not arrived yet, and outputs them later;
 * `finish` gives those blocks the zeros the batch path pads the utterance's end with, so
 * the last frames come out as they do there.
 *
 * Decoding is greedy, or (beam width > 1) a prefix beam search fed frame by frame, fused
 * with the language's character LM, so partials already get the LM's corrections and the
 * final text costs little at the end. With the language not given, the search that runs is
 * the one with the LM of the language the head currently prefers; when the preference
 * changes, that language's search catches up on the frames it has not seen (once), so every
 * search has always seen every frame with one LM, and the final text is exactly what
 * decoding the whole signal with the detected language's LM gives.
 *
 * Per chunk every layer is one matMul over all new frames of the chunk, so the tfjs
 * op count per chunk is fixed (about 25 per block), not per frame.
 */
import * as tf from '@tensorflow/tfjs';
import type { SpeechEncoder, TranscribeOptions } from './model.ts';
import type { FeatureStream, LogMelFrames } from './features.ts';
import {
  blockFromPadded,
  blockSpec,
  causalConv,
  contextFrames,
  convOutputs,
  frontEndSpecs,
  futureFrames,
  pastFrames,
  normalizeFeatures,
  outputHead,
  type ConvSpec,
  type Weights,
} from './network.ts';
import { layerNorm } from '../common/layer-norm.ts';
import { PrefixBeamSearch } from '../../src/ctc/decode.ts';

export interface StreamingResult {
  text: string;
  lang?: string;
  langProbs?: Record<string, number>;
  /** Encoder output frames produced. */
  frames: number;
}

export class StreamingRecognizer {
  private readonly encoder: SpeechEncoder;
  private readonly options: TranscribeOptions;
  private featureStream: FeatureStream | null;
  /** Unconsumed (already left-padded) input of each front-end conv, then each block's context. */
  private frontPending: tf.Tensor3D[];
  /** Per block: its normalised input frames still needed (past context, and those awaiting their future). */
  private blockContext: tf.Tensor3D[];
  /** Per block: residual frames awaiting their future frames (null: none). */
  private blockResidual: (tf.Tensor3D | null)[];
  private readonly frontSpecs: ConvSpec[];
  private langSum: tf.Tensor1D | null = null;
  private readonly logProbRows: Float32Array[] = [];
  private readonly logitRows: Float32Array[] = [];
  private greedyIds: number[] = [];
  private greedyPrev = -1;
  /** Beam searches by the language whose LM they use ('' for none), with the frames each has seen; null when greedy. */
  private readonly searches: Map<string, { search: PrefixBeamSearch; fed: number }> | null = null;
  private readonly beamWidth: number;
  private readonly givenLang: string | undefined;
  /** The language whose search the partial shows, set once per chunk. */
  private partialLang: string | undefined;
  private finished = false;

  constructor(encoder: SpeechEncoder, options: TranscribeOptions = {}) {
    encoder.checkLanguage(options.lang);
    this.encoder = encoder;
    this.options = options;
    this.featureStream = encoder.features ? encoder.features.stream() : null;
    const c = encoder.config;
    this.frontSpecs = frontEndSpecs(c);
    this.frontPending = [
      tf.zeros([1, contextFrames(this.frontSpecs[0]), c.numMels]),
      tf.zeros([1, contextFrames(this.frontSpecs[1]), c.frontEndChannels]),
    ];
    this.blockContext = c.dilations.map((_, i) => tf.zeros([1, pastFrames(blockSpec(c, i)), c.hidden]));
    this.blockResidual = c.dilations.map(() => null);
    this.givenLang = options.lang && options.lang !== 'auto' ? options.lang : undefined;
    this.beamWidth = encoder.beamWidthFor(options);
    if (this.beamWidth > 1) this.searches = new Map();
  }

  /** Languages without an LM share one plain beam search. */
  private searchKey(lang: string | undefined): string {
    return lang !== undefined && this.encoder.hasLanguageModel(lang, this.options.useLm !== false) ? lang : '';
  }

  /** Audio samples in (any count, the model's sample rate); the current partial hypothesis out. */
  async push(samples: Float32Array): Promise<string> {
    if (!this.featureStream) this.featureStream = this.encoder.requireFeatures().stream();
    return this.pushFeatures(this.featureStream.push(samples));
  }

  /** Raw log-mel frames in (for callers that compute features themselves). */
  pushFeatures(feats: LogMelFrames): string {
    if (this.finished) throw new Error('StreamingRecognizer: push after finish');
    if (feats.frames > 0) this.step(feats);
    return this.partial();
  }

  /** The transcript of everything heard so far: the leading beam, or the greedy path. */
  partial(): string {
    if (!this.searches) return this.encoder.vocab.decode(this.greedyIds);
    return this.encoder.vocab.decode(this.searchFor(this.partialLang).best());
  }

  /** The beam search with `lang`'s LM, brought up to date with every frame heard. */
  private searchFor(lang: string | undefined): PrefixBeamSearch {
    const key = this.searchKey(lang);
    let entry = this.searches!.get(key);
    if (!entry) {
      entry = { search: new PrefixBeamSearch(this.encoder.beamSearchOptions(this.beamWidth, key || undefined, this.options.useLm !== false)), fed: 0 };
      this.searches!.set(key, entry);
    }
    if (entry.fed < this.logProbRows.length) {
      entry.search.push(this.logProbRows.slice(entry.fed));
      entry.fed = this.logProbRows.length;
    }
    return entry.search;
  }

  /** The language the language head prefers on what it has heard so far. */
  private leadingLanguage(): string | undefined {
    return this.encoder.resolveLanguage(this.languageProbs()).lang;
  }

  /** The language head's probabilities over the frames so far (its pooled input is a running sum). */
  private languageProbs(): Float32Array | null {
    if (!this.langSum || !this.logProbRows.length || !this.encoder.config.languages.length) return null;
    const sum = this.langSum;
    const n = this.logProbRows.length;
    const p = tf.tidy(() => tf.softmax(tf.add(tf.matMul(tf.div(sum, n).reshape([1, -1]), this.w['lang/w'] as tf.Tensor2D), this.w['lang/b'])));
    const probs = p.dataSync() as Float32Array;
    p.dispose();
    return probs;
  }

  /** Per-frame logits produced so far, [frames][V] (mainly for tests and diagnostics). */
  logits(): Float32Array[] {
    return this.logitRows;
  }

  /** No more audio: the final text (beam search if asked) and the language. Frees the state. */
  async finish(): Promise<StreamingResult> {
    return this.finishSync();
  }

  finishSync(): StreamingResult {
    if (this.blockResidual.some((r) => r !== null)) this.step(null);
    const langProbs = this.languageProbs();
    // the language first: the beam search uses that language's LM
    const language = this.encoder.resolveLanguage(langProbs, this.givenLang);
    const useLm = this.options.useLm !== false;
    const chosen =
      this.searches && !this.givenLang
        ? this.encoder.chooseLanguageBySearch(langProbs, useLm, this.beamWidth, (lang) => this.searchFor(lang).hypotheses()[0])
        : null;
    if (chosen) language.lang = chosen.lang;
    const final = chosen ? chosen.hypothesis : this.searches ? this.searchFor(language.lang).hypotheses()[0] : null;
    const text = this.searches ? this.encoder.vocab.decode(final?.labels ?? []) : this.partial();
    this.dispose();
    this.finished = true;
    return { text, ...language, frames: this.logProbRows.length };
  }

  /** Frees the carried tensors (finish does it too). */
  dispose(): void {
    tf.dispose([...this.frontPending, ...this.blockContext, ...this.blockResidual.filter((r): r is tf.Tensor3D => r !== null)]);
    this.frontPending = [];
    this.blockContext = [];
    this.blockResidual = [];
    if (this.langSum) this.langSum.dispose();
    this.langSum = null;
  }

  private get w(): Weights {
    return this.encoder.weights as Weights;
  }

  /**
   * New feature frames through the network (null: the end of the utterance, which flushes the
   * blocks that look ahead); the output frames that became ready go to the decoders.
   */
  private step(feats: LogMelFrames | null): void {
    const c = this.encoder.config;
    const w = this.w;
    type State = { pending: tf.Tensor3D[]; context?: tf.Tensor3D[]; residual?: (tf.Tensor3D | null)[]; logits?: tf.Tensor2D; langSum?: tf.Tensor1D };
    // every tensor that outlives the step is tf.keep'd inside: tidy frees the rest
    const run = (): State => {
      // the front end: strided causal convs, each keeping the input frames its next output needs
      let x: tf.Tensor3D | null = null;
      const pending: tf.Tensor3D[] = [];
      if (feats) {
        x = normalizeFeatures(tf.tensor3d(feats.data.subarray(0, feats.frames * feats.bins), [1, feats.frames, feats.bins]), c);
        for (let l = 0; l < 2; l++) {
          const spec = this.frontSpecs[l];
          const xp = tf.concat([this.frontPending[l], x], 1) as tf.Tensor3D;
          const n = convOutputs(xp.shape[1], spec);
          pending.push(tf.keep(n ? (tf.slice(xp, [0, n * spec.stride, 0], [1, -1, -1]) as tf.Tensor3D) : xp));
          if (!n) return { pending: pending.concat(this.frontPending.slice(l + 1).map((t) => tf.keep(t.clone()))) };
          x = tf.relu(causalConv(xp, w[`front${l}/w`], w[`front${l}/b`], spec, n)) as tf.Tensor3D;
        }
      } else pending.push(...this.frontPending.map((t) => tf.keep(t.clone())));
      // the blocks: each outputs the frames whose future it has seen (all of them at the end)
      const context: tf.Tensor3D[] = [];
      const residual: (tf.Tensor3D | null)[] = [];
      for (let i = 0; i < c.dilations.length; i++) {
        const spec = blockSpec(c, i);
        const parts = [this.blockContext[i]];
        if (x) parts.push(layerNorm(x, w[`block${i}/ln/g`], w[`block${i}/ln/b`]) as tf.Tensor3D);
        if (!feats && futureFrames(spec)) parts.push(tf.zeros([1, futureFrames(spec), c.hidden]));
        const lnp = parts.length > 1 ? (tf.concat(parts, 1) as tf.Tensor3D) : parts[0]!;
        const held = [this.blockResidual[i], x].filter((t): t is tf.Tensor3D => t !== null);
        const xr = held.length > 1 ? (tf.concat(held, 1) as tf.Tensor3D) : (held[0] ?? null);
        const n = lnp.shape[1] - contextFrames(spec);
        if (n <= 0 || !xr) {
          context.push(tf.keep(lnp.clone()));
          residual.push(xr ? tf.keep(xr.clone()) : null);
          x = null;
          continue;
        }
        context.push(tf.keep(tf.slice(lnp, [0, n, 0], [1, -1, -1]) as tf.Tensor3D));
        residual.push(n < xr.shape[1] ? tf.keep(tf.slice(xr, [0, n, 0], [1, -1, -1]) as tf.Tensor3D) : null);
        x = blockFromPadded(n < xr.shape[1] ? (tf.slice(xr, [0, 0, 0], [1, n, -1]) as tf.Tensor3D) : xr, lnp, w, i, spec, n);
      }
      if (!x) return { pending, context, residual };
      const { logits, top } = outputHead(x, w);
      const topSum = tf.sum(top, [0, 1]) as tf.Tensor1D;
      const langSum = tf.keep(this.langSum ? tf.add(this.langSum, topSum) : topSum) as tf.Tensor1D;
      return { pending, context, residual, logits: tf.keep(logits.squeeze([0]) as tf.Tensor2D), langSum };
    };
    let newState!: State;
    tf.tidy(() => {
      newState = run();
    });

    tf.dispose(this.frontPending);
    this.frontPending = newState.pending;
    if (!newState.context || !newState.residual) return;
    tf.dispose([...this.blockContext, ...this.blockResidual.filter((r): r is tf.Tensor3D => r !== null)]);
    this.blockContext = newState.context;
    this.blockResidual = newState.residual;
    if (!newState.logits || !newState.langSum) return;
    if (this.langSum) this.langSum.dispose();
    this.langSum = newState.langSum;

    const [T, V] = newState.logits.shape;
    const flat = newState.logits.dataSync() as Float32Array;
    newState.logits.dispose();
    for (let t = 0; t < T; t++) {
      const row = flat.slice(t * V, (t + 1) * V);
      // log-softmax in JS: V is small and this saves a tfjs round trip per chunk.
      let m = -Infinity;
      for (let v = 0; v < V; v++) if (row[v] > m) m = row[v];
      let s = 0;
      for (let v = 0; v < V; v++) s += Math.exp(row[v] - m);
      const lse = m + Math.log(s);
      const lp = new Float32Array(V);
      let best = 0;
      for (let v = 0; v < V; v++) {
        lp[v] = row[v] - lse;
        if (row[v] > row[best]) best = v;
      }
      this.logitRows.push(row);
      this.logProbRows.push(lp);
      if (best !== this.greedyPrev && best !== 0) this.greedyIds.push(best);
      this.greedyPrev = best;
    }
    // decode as the frames arrive, so the partial is ready and the end has little left to do
    if (this.searches) {
      this.partialLang = this.givenLang ?? this.leadingLanguage();
      this.searchFor(this.partialLang);
    }
  }
}
