/**
 * The WaveNet vocoder: build / load / save, and its task verb `vocode` (log-mel frames to
 * 16 kHz audio), whole or streamed in chunks as they are generated.
 *
 * Saved folder: `model.json` (format, config, tfjs weights manifest), `weights.bin`
 * (tfjs weight encoding, float32) and `config.json` (the config alone, for people).
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { BabelfishError } from '../../src/errors.ts';
import { writeAtomic } from '../../src/write-atomic.ts';
import { encodeWeights, initialVariables, loadVariables, readModelFolder, variableNamer, writeModelFolder } from '../common/weights-io.ts';
import { mulawDecode } from '../../src/audio/mulaw.ts';
import { MelLpc, deEmphasize } from '../../src/audio/lpc.ts';
import type { MelSpectrogram } from '../../src/audio/types.ts';
import { periodClasses, vocoderConfig, type VocoderConfig } from './config.ts';
import { conditionFrames, frameOf, initialWeights, pitchLogits, samplesForFrames, utteranceContext, weightShapes, type VocoderWeights } from './network.ts';
import { classPeriod } from '../../src/audio/pitch.ts';
import { FastWaveNetGenerator, type FlatWeights } from './fast-generator.ts';

export type { MelSpectrogram };

/** A `--temperature` flag's value: absent is 1 (sample the model); else a finite number >= 0. */
export function parseTemperature(flag: string | undefined): number {
  const temperature = flag === undefined ? 1 : Number(flag);
  if (!Number.isFinite(temperature) || temperature < 0) throw new BabelfishError('BAD_ARGUMENT', '--temperature must be a number >= 0');
  return temperature;
}

export interface VocodeOptions {
  /** Softmax temperature; 0 takes the most likely code (tends to buzz), 1 samples the model. */
  temperature?: number;
  /** Seed of the sampler, so a run can be repeated. */
  seed?: number;
  /** Samples per streamed chunk (default 1600: 100 ms). */
  chunkSamples?: number;
  /** Longest output accepted, in seconds (default 60); longer input is an error, never an endless run. */
  maxSeconds?: number;
  /**
   * With long-term prediction: the temperature of frames the pitch head calls voiced (default:
   * `temperature`). LPCNet samples voiced speech colder so its pulses stand out of the noise.
   */
  voicedTemperature?: number;
  /** 'lpc' excitation: LPCNet's probability floor (see FastWaveNetGenerator.setFloor; default 0). */
  floor?: number;
}

export const MODEL_FORMAT = 'babelfish-wavenet-vocoder/1';

/** tfjs variable names are global; several vocoders may live in one process. */
const uniqueName = variableNamer('vocoder');

export class Vocoder {
  readonly config: VocoderConfig;
  /** Trainable variables, by weight name (see network.ts). */
  readonly weights: Record<string, tf.Variable>;

  constructor(config: VocoderConfig, weights: Record<string, tf.Variable>) {
    this.config = config;
    this.weights = weights;
  }

  static build(overrides: Partial<VocoderConfig> = {}): Vocoder {
    const config = vocoderConfig(overrides);
    return new Vocoder(config, initialVariables(weightShapes(config), initialWeights(config), uniqueName));
  }

  static async load(dir: string): Promise<Vocoder> {
    const folder = await readModelFolder<VocoderConfig>(dir, MODEL_FORMAT, 'vocoder');
    const config = vocoderConfig(folder.config);
    return new Vocoder(config, loadVariables(folder, weightShapes(config), uniqueName));
  }

  async save(dir: string): Promise<void> {
    const { data, specs } = await encodeWeights(weightShapes(this.config), this.weights);
    const config = savedConfig(this.config);
    const companions = (d: string) => writeAtomic(join(d, 'config.json'), JSON.stringify(config, null, 1) + '\n');
    await writeModelFolder(dir, { format: MODEL_FORMAT, config, data, specs, indent: 1, companions });
  }

  /**
   * A new vocoder with some config fields changed: weights whose name and shape both
   * models share are copied, the others start as a fresh model's (see initialWeights).
   */
  withConfig(overrides: Partial<VocoderConfig>): Vocoder {
    const config = vocoderConfig({ ...this.config, ...overrides });
    const fresh = initialVariables(weightShapes(config), initialWeights(config), uniqueName);
    for (const [name, v] of Object.entries(fresh)) {
      const old = this.weights[name];
      if (old && old.shape.join() === v.shape.join()) v.assign(old);
    }
    return new Vocoder(config, fresh);
  }

  dispose(): void {
    tf.dispose(Object.values(this.weights));
  }

  /** Bytes of the float32 weights. */
  get sizeBytes(): number {
    return weightShapes(this.config).reduce((a, [, s]) => a + 4 * s.reduce((x, y) => x * y, 1), 0);
  }

  /** The weights as flat arrays (a snapshot), for the fast generator. */
  flatWeights(): FlatWeights {
    const out: FlatWeights = {};
    for (const [name, v] of Object.entries(this.weights)) out[name] = Float32Array.from(v.dataSync() as Float32Array);
    return out;
  }

  /** A fresh fast generator over the current weights. */
  fastGenerator(): FastWaveNetGenerator {
    return new FastWaveNetGenerator(this.config, this.flatWeights());
  }

  /** Per-frame gate conditioning of every layer, [frames * L * 2R] (conv biases not included). */
  conditioning(mel: MelSpectrogram): Float32Array {
    this.checkMel(mel);
    if (mel.frames === 0) return new Float32Array(0);
    const out = tf.tidy(() => conditionFrames(this.weights as VocoderWeights, this.config, utteranceContext(mel.data, mel.frames, mel.bins)));
    const flat = Float32Array.from(out.dataSync() as Float32Array);
    out.dispose();
    return flat;
  }

  /**
   * Long-term prediction: the pitch head's period per frame (0 = unvoiced), from its most
   * likely class, then a 3-frame median: a lone octave jump or voicing flip is more likely the
   * head's error than the voice's.
   */
  pitchPeriods(mel: MelSpectrogram): Int32Array {
    this.checkMel(mel);
    const c = this.config;
    if (c.pitchBins <= 0) throw new BabelfishError('BAD_ARGUMENT', 'this vocoder has no pitch head');
    if (mel.frames === 0) return new Int32Array(0);
    const cls = tf.tidy(() => pitchLogits(this.weights as VocoderWeights, c, utteranceContext(mel.data, mel.frames, mel.bins)).argMax(1));
    const k = periodClasses(c);
    const raw = Array.from(cls.dataSync() as Int32Array, (x) => classPeriod(x, k));
    cls.dispose();
    return medianOf3(raw);
  }

  private checkMel(mel: MelSpectrogram): void {
    if (mel.bins !== this.config.numMels) {
      throw new BabelfishError('BAD_ARGUMENT', `mel has ${mel.bins} bins, the vocoder expects ${this.config.numMels}`);
    }
    if (!Number.isInteger(mel.frames) || mel.frames < 0 || mel.data.length < mel.frames * mel.bins) {
      throw new BabelfishError('BAD_ARGUMENT', `mel data holds fewer than frames x bins = ${mel.frames} x ${mel.bins} values`);
    }
  }

  /**
   * The fast generator's loop shared by both excitation modes: for each run of samples that
   * share a mel frame (cut at chunk boundaries), `prepare(f)` sets the frame's inputs and
   * `fill(n, buf, offset)` generates n samples into the chunk buffer; full chunks are yielded
   * as they are made, with a turn of the event loop between them so a server stays responsive.
   */
  private async *chunks<B extends Int32Array | Float32Array>(
    mel: MelSpectrogram,
    options: VocodeOptions,
    newBuffer: (n: number) => B,
    prepare: (frame: number) => void,
    fill: (n: number, buf: B, offset: number) => void,
  ): AsyncGenerator<B> {
    const c = this.config;
    const total = samplesForFrames(mel.frames, c);
    const chunk = Math.max(1, Math.floor(options.chunkSamples ?? 1600));
    let buf = newBuffer(chunk);
    let filled = 0;
    let t = 0;
    while (t < total) {
      const f = frameOf(t, mel.frames, c);
      let end = t + 1;
      while (end < total && frameOf(end, mel.frames, c) === f) end++;
      end = Math.min(end, t + (chunk - filled));
      prepare(f);
      fill(end - t, buf, filled);
      filled += end - t;
      t = end;
      if (filled === chunk || t === total) {
        yield buf.slice(0, filled) as B;
        filled = 0;
        buf = newBuffer(chunk);
        await new Promise((r) => setImmediate(r));
      }
    }
  }

  /** Checks a mel and the output length bound; returns the number of samples it will make. */
  private outputLength(mel: MelSpectrogram, options: VocodeOptions): number {
    this.checkMel(mel);
    const c = this.config;
    const total = samplesForFrames(mel.frames, c);
    const maxSeconds = options.maxSeconds ?? 60;
    if (total > maxSeconds * c.sampleRate) {
      throw new BabelfishError('BAD_ARGUMENT', `mel of ${mel.frames} frames would make ${(total / c.sampleRate).toFixed(1)} s of audio; the limit is ${maxSeconds} s (split the text)`);
    }
    return total;
  }

  /**
   * Generates the mu-law codes for a mel ('none' excitation), in chunks of at most
   * chunkSamples, as they are made.
   */
  async *streamCodes(mel: MelSpectrogram, options: VocodeOptions = {}): AsyncGenerator<Int32Array> {
    const c = this.config;
    if (c.excitation !== 'none') throw new BabelfishError('BAD_ARGUMENT', `a vocoder with ${c.excitation} excitation makes samples, not sample codes (use stream)`);
    if (this.outputLength(mel, options) === 0) return;
    const temperature = options.temperature ?? 1;
    const cond = this.conditioning(mel);
    const width = c.dilations.length * 2 * c.residualChannels;
    const gen = this.fastGenerator();
    gen.reset(options.seed ?? 1);
    let prev = silenceCode(c.quantizationChannels);
    yield* this.chunks(
      mel,
      options,
      (n) => new Int32Array(n),
      (f) => gen.setConditioning(cond.subarray(f * width, (f + 1) * width)),
      (n, buf, offset) => void (prev = gen.generate(prev, n, temperature, buf, offset)),
    );
  }

  /** 'lpc' excitation: pre-emphasised samples from the generator, de-emphasised chunk by chunk. */
  private async *streamExcited(mel: MelSpectrogram, options: VocodeOptions): AsyncGenerator<Float32Array> {
    const c = this.config;
    if (this.outputLength(mel, options) === 0) return;
    const temperature = options.temperature ?? 1;
    const voicedTemperature = options.voicedTemperature ?? temperature;
    const cond = this.conditioning(mel);
    const taps = new MelLpc({ order: c.lpcOrder, preEmphasis: c.preEmphasis }).predictors(mel);
    const periods = c.pitchBins > 0 ? this.pitchPeriods(mel) : null;
    const width = c.dilations.length * 2 * c.residualChannels;
    const gen = this.fastGenerator();
    gen.reset(options.seed ?? 1);
    gen.setFloor(options.floor ?? 0);
    let last = 0;
    let frameTemperature = temperature;
    const chunks = this.chunks(
      mel,
      options,
      (n) => new Float32Array(n),
      (f) => {
        gen.setConditioning(cond.subarray(f * width, (f + 1) * width));
        gen.setPredictor(taps.subarray(f * c.lpcOrder, (f + 1) * c.lpcOrder));
        if (periods) gen.setPeriod(periods[f]);
        frameTemperature = periods && periods[f] > 0 ? voicedTemperature : temperature;
      },
      (n, buf, offset) => gen.generateExcited(n, frameTemperature, buf, offset),
    );
    for await (const chunk of chunks) {
      last = deEmphasize(chunk, c.preEmphasis, last, chunk);
      for (let i = 0; i < chunk.length; i++) chunk[i] = chunk[i] > 1 ? 1 : chunk[i] < -1 ? -1 : chunk[i];
      yield chunk;
    }
  }

  /** Streams audio chunks (Float32Array in [-1, 1]) as they are generated. */
  async *stream(mel: MelSpectrogram, options: VocodeOptions = {}): AsyncGenerator<Float32Array> {
    if (this.config.excitation === 'lpc') {
      yield* this.streamExcited(mel, options);
      return;
    }
    for await (const codes of this.streamCodes(mel, options)) yield mulawDecode(codes, this.config.quantizationChannels);
  }

  /** Callback form of `stream`; resolves with the number of samples produced. */
  async vocodeStream(mel: MelSpectrogram, onChunk: (chunk: Float32Array) => void | Promise<void>, options: VocodeOptions = {}): Promise<number> {
    let n = 0;
    for await (const chunk of this.stream(mel, options)) {
      n += chunk.length;
      await onChunk(chunk);
    }
    return n;
  }

  /** The whole utterance's audio. */
  async vocode(mel: MelSpectrogram, options: VocodeOptions = {}): Promise<Float32Array> {
    const parts: Float32Array[] = [];
    const n = await this.vocodeStream(mel, (c) => void parts.push(c), options);
    const out = new Float32Array(n);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

/**
 * The config as saved: a plain ('none' excitation) vocoder leaves out the lpc fields, so its
 * folder is byte for byte what it was before the lpc mode existed (and loads as 'none').
 */
function savedConfig(c: VocoderConfig): Partial<VocoderConfig> {
  const { pitchBins, minPeriod: _a, maxPeriod: _b, pitchHidden: _h, pulses: _u, ...rest } = c;
  if (pitchBins > 0) return c;
  // likewise an lpc vocoder without long-term prediction leaves out the pitch fields
  if (c.excitation !== 'none') return rest;
  const { excitation: _e, lpcOrder: _o, preEmphasis: _p, ...plain } = rest;
  return plain;
}

/** Each value replaced by the median of it and its two neighbours (the ends kept). */
export function medianOf3(v: readonly number[]): Int32Array {
  const out = Int32Array.from(v);
  for (let i = 1; i + 1 < v.length; i++) {
    const [a, b, d] = [v[i - 1], v[i], v[i + 1]];
    out[i] = Math.max(Math.min(a, b), Math.min(Math.max(a, b), d));
  }
  return out;
}

/** The code of a zero sample: the input before the first generated sample. */
export function silenceCode(classes: number): number {
  return classes >> 1;
}

export const buildVocoder = (overrides: Partial<VocoderConfig> = {}) => Vocoder.build(overrides);
export const loadVocoder = (dir: string) => Vocoder.load(dir);
