/**
 * Vocoder training data: utterances as mu-law codes plus their log-mel frames, and random
 * fixed-length windows of them for teacher-forced training.
 *
 * Mel sources: the ground-truth `logMelSpectrogram` of each wav (default), or, with
 * `--finetune-mel <dir>`, the synthesizer's *predicted* mel for the same utterances
 * (Tacotron 2's recipe: teacher-forced/ground-truth-aligned predictions, so frames line up
 * with the audio). That folder holds `manifest.jsonl` rows `{ "audio": wav, "mel": file }`,
 * paths relative to the folder, the mel file .npy float32 [frames, 80] (what `train synthesizer
 * --predict-mels` writes) or raw little-endian float32.
 */
import { readFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { BabelfishError } from '../../src/errors.ts';
import { logMelSpectrogram } from '../../src/audio/features.ts';
import { mulawDecode, mulawEncode } from '../../src/audio/mulaw.ts';
import { loadAudio } from '../../src/audio/decode.ts';
import { decodeNpy, isNpy } from '../../src/audio/npy.ts';
import type { MelSpectrogram } from '../../src/audio/types.ts';
import { frameOf, melContext } from '../../models/vocoder/network.ts';
import { MelLpc, preEmphasize, predictSample } from '../../src/audio/lpc.ts';
import { silenceCode } from '../../models/vocoder/model.ts';
import { condOffset, periodClasses, type VocoderConfig } from '../../models/vocoder/config.ts';
import { epochMarks, frameCentres, periodClass, trackPitch } from '../../src/audio/pitch.ts';

export interface VocoderUtterance {
  id: string;
  /** mu-law codes of the audio (in 'lpc' mode, of the pre-emphasised audio). */
  codes: Uint8Array;
  mel: MelSpectrogram;
  /**
   * 'lpc' mode (then `codes` is the history the network sees, see toUtterance): mu-law codes of
   * each sample's prediction p(t), target residual e(t) = x(t) - p(t), and the residual as it
   * entered the history (e(t) plus the training noise).
   */
  excitation?: { pred: Uint8Array; exc: Uint8Array; excIn: Uint8Array };
  /** Long-term prediction: the NCCF pitch period of each mel frame's audio (0 = unvoiced). */
  period?: Int32Array;
  /** Pulses: 1 on the residual's glottal epochs (src/audio/pitch.ts epochMarks). */
  pulse?: Uint8Array;
}

export interface ManifestRow {
  audio: string;
  split?: string;
  augment?: unknown;
  mel?: string;
}

export async function readJsonl(path: string): Promise<ManifestRow[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new BabelfishError('FILE_NOT_FOUND', `cannot read manifest ${path}`, { cause: e });
  }
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((line, i) => {
      let row: ManifestRow;
      try {
        row = JSON.parse(line);
      } catch {
        throw new BabelfishError('BAD_ARGUMENT', `${path}:${i + 1}: not JSON`);
      }
      if (typeof row.audio !== 'string') throw new BabelfishError('BAD_ARGUMENT', `${path}:${i + 1}: a row needs an audio path`);
      return row;
    });
}

/** A path from a manifest: relative to the manifest's folder, else to the working directory. */
export function resolveFrom(manifest: string, p: string): string {
  if (isAbsolute(p)) return p;
  const near = resolve(dirname(manifest), p);
  return existsSync(near) ? near : resolve(p);
}

/**
 * An utterance as training targets. In 'lpc' mode the audio is pre-emphasised, and the
 * network's history is built as generation builds it: each sample is its frame's prediction
 * (the frame frameOf assigns) plus a quantised residual, x^(t) = p(t) + mulaw(e(t)), with
 * p(t) from the earlier x^ and the target residual e(t) = x(t) - p(t) of the true sample.
 *
 * `inputNoise` (mu-law steps; LPCNet's recipe): the residual that enters the history (and the
 * previous-residual input) is moved by up to that many codes, the amount drawn per utterance.
 * Teacher forcing alone shows the network only perfect histories; in generation its own draws
 * are the history, and a model that never saw an error lets the predictor's resonances run
 * away (bursts and clipping after 500 steps without it). Since the target is always the true
 * sample minus the prediction, the noisy history teaches it to steer back to the signal.
 */
export function toUtterance(id: string, audio: Float32Array, mel: MelSpectrogram, c: VocoderConfig, inputNoise = 0, rand: () => number = Math.random): VocoderUtterance {
  const classes = c.quantizationChannels;
  if (c.excitation !== 'lpc') return { id, codes: Uint8Array.from(mulawEncode(audio, classes)), mel };
  const x = preEmphasize(audio, c.preEmphasis);
  const order = c.lpcOrder;
  const taps = new MelLpc({ order, preEmphasis: c.preEmphasis }).predictors(mel);
  const table = mulawDecode(Int32Array.from({ length: classes }, (_, i) => i), classes);
  const amount = inputNoise * rand();
  const history = new Float32Array(x.length);
  const one = new Float32Array(1);
  const code = (v: number) => {
    one[0] = v;
    return mulawEncode(one, classes)[0];
  };
  const codes = new Uint8Array(x.length);
  const pred = new Uint8Array(x.length);
  const exc = new Uint8Array(x.length);
  const excIn = new Uint8Array(x.length);
  const residual = new Float32Array(x.length);
  for (let t = 0; t < x.length; t++) {
    const f = frameOf(t, mel.frames, c);
    const p = mel.frames ? predictSample(taps.subarray(f * order, (f + 1) * order), history, t) : 0;
    pred[t] = code(p);
    residual[t] = x[t] - p;
    exc[t] = code(residual[t]);
    excIn[t] = amount > 0 ? Math.min(classes - 1, Math.max(0, exc[t] + Math.round((2 * rand() - 1) * amount))) : exc[t];
    const h = p + table[excIn[t]];
    history[t] = h > 1 ? 1 : h < -1 ? -1 : h;
    codes[t] = code(history[t]);
  }
  const out: VocoderUtterance = { id, codes, mel, excitation: { pred, exc, excIn } };
  if (c.pitchBins > 0) {
    const period = framePeriods(audio, mel.frames, c);
    out.period = period;
    if (c.pulses) out.pulse = epochMarks(residual, (t) => period[frameOf(t, mel.frames, c)]);
  }
  return out;
}

/** The measured pitch period under each mel frame (at the centre of its analysis window). */
export function framePeriods(audio: Float32Array, frames: number, c: VocoderConfig): Int32Array {
  return trackPitch(audio, frameCentres(frames, c.hop, c.melWindow), { minPeriod: c.minPeriod, maxPeriod: c.maxPeriod }).period;
}

/** A predicted-mel file: .npy, or headerless float32 frames of `bins`. */
export function readMelFile(path: string, bins: number): MelSpectrogram {
  const buf = readFileSync(path);
  let mel: MelSpectrogram;
  try {
    if (isNpy(buf)) mel = decodeNpy(buf);
    else {
      const bytes = buf.subarray(0, buf.byteLength - (buf.byteLength % 4));
      const data = new Float32Array(Uint8Array.from(bytes).buffer);
      if (data.length % bins) throw new Error(`${data.length} floats is not a whole number of ${bins}-bin frames`);
      mel = { data, frames: data.length / bins, bins };
    }
  } catch (e) {
    throw new BabelfishError('BAD_ARGUMENT', `${path}: ${(e as Error).message}`);
  }
  if (mel.bins !== bins) throw new BabelfishError('BAD_ARGUMENT', `${path}: ${mel.bins} mel bins, the vocoder takes ${bins}`);
  return mel;
}

export async function loadUtterance(id: string, wavPath: string, c: VocoderConfig, melPath?: string, inputNoise = 0, rand?: () => number): Promise<VocoderUtterance> {
  const { samples } = await loadAudio(wavPath, c.sampleRate);
  const mel = melPath ? readMelFile(melPath, c.numMels) : logMelSpectrogram(samples);
  return toUtterance(id, samples, mel, c, inputNoise, rand);
}

/** Global mean and standard deviation of all mel values (the conditioning's normalisation). */
export function melStats(utts: readonly VocoderUtterance[]): { mean: number; std: number } {
  let n = 0;
  let s = 0;
  let s2 = 0;
  for (const u of utts) {
    const d = u.mel.data.subarray(0, u.mel.frames * u.mel.bins);
    for (let i = 0; i < d.length; i++) {
      s += d[i];
      s2 += d[i] * d[i];
    }
    n += d.length;
  }
  const mean = n ? s / n : 0;
  return { mean, std: n ? Math.sqrt(Math.max(1e-6, s2 / n - mean * mean)) : 1 };
}

/**
 * A training batch: B windows of T samples, T a multiple of hop, each starting on a frame
 * boundary (sample offset + k * hop), so sample i of a window is conditioned on window frame
 * floor(i / hop), exactly as frameOf() assigns it in generation. (Only an utterance's first
 * `offset` samples are never a training target: 7.5 ms of leading silence.)
 */
export interface WindowBatch {
  /** [B * T] the code before each target (the input). */
  prev: Int32Array;
  /** [B * T] the codes to predict (in 'lpc' mode, of the residual). */
  target: Int32Array;
  /** 'lpc' mode: [B * T] codes of the prediction p(t) and of the previous residual e(t-1). */
  pred?: Int32Array;
  prevExc?: Int32Array;
  /** Long-term prediction: [B * T] codes of the residual one measured period back, e(t-P) (silence where unvoiced). */
  ltp?: Int32Array;
  /** Pulses: [B * T] 1 on glottal epochs, else 0. */
  pulse?: Int32Array;
  /** Long-term prediction: [B * framesPerWindow] the pitch head's target class per window frame. */
  pitchClass?: Int32Array;
  /** [B * framesPerWindow * 3M] each window frame with its neighbours (see melContext). */
  context: Float32Array;
  batch: number;
  window: number;
  framesPerWindow: number;
}

export function checkWindow(T: number, c: VocoderConfig): void {
  if (!Number.isInteger(T) || T < c.hop || T % c.hop) throw new BabelfishError('BAD_ARGUMENT', `the training window (${T}) must be a positive multiple of the hop (${c.hop})`);
}

/** Random frame-aligned windows, uniform over all such positions of utterances long enough. */
export function sampleBatch(utts: readonly VocoderUtterance[], B: number, T: number, c: VocoderConfig, rand: () => number): WindowBatch {
  checkWindow(T, c);
  const offset = condOffset(c);
  const positions = (u: VocoderUtterance) => Math.floor((u.codes.length - offset - T) / c.hop) + 1;
  const usable = utts.filter((u) => positions(u) > 0 && u.mel.frames > 0);
  if (!usable.length) throw new BabelfishError('BAD_ARGUMENT', `no utterance is at least ${T + offset} samples long (lower --window)`);
  const weights = usable.map(positions);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const nF = T / c.hop;
  const M = c.numMels;
  const out: WindowBatch = {
    prev: new Int32Array(B * T),
    target: new Int32Array(B * T),
    context: new Float32Array(B * nF * 3 * M),
    batch: B,
    window: T,
    framesPerWindow: nF,
  };
  const lpc = c.excitation === 'lpc';
  if (lpc) {
    out.pred = new Int32Array(B * T);
    out.prevExc = new Int32Array(B * T);
  }
  const ltp = c.pitchBins > 0;
  if (ltp) {
    out.ltp = new Int32Array(B * T);
    out.pitchClass = new Int32Array(B * nF);
  }
  if (c.pulses) out.pulse = new Int32Array(B * T);
  const classes = periodClasses(c);
  const silence = silenceCode(c.quantizationChannels);
  for (let b = 0; b < B; b++) {
    let r = Math.floor(rand() * totalWeight);
    let k = 0;
    while (k < usable.length - 1 && r >= weights[k]) r -= weights[k++];
    const u = usable[k];
    const frame0 = Math.min(r, weights[k] - 1);
    const s0 = offset + frame0 * c.hop;
    const index = Array.from({ length: nF }, (_, j) => frame0 + j);
    out.context.set(melContext(u.mel.data, u.mel.frames, M, index), b * nF * 3 * M);
    if (ltp && !u.period) throw new BabelfishError('INTERNAL', `utterance ${u.id} was loaded without its pitch`);
    if (ltp) for (let j = 0; j < nF; j++) out.pitchClass![b * nF + j] = periodClass(u.period![Math.min(index[j], u.mel.frames - 1)], classes);
    for (let i = 0; i < T; i++) {
      const t = s0 + i;
      out.prev[b * T + i] = t > 0 ? u.codes[t - 1] : silence;
      if (lpc) {
        const e = u.excitation;
        if (!e) throw new BabelfishError('INTERNAL', `utterance ${u.id} was loaded without its excitation`);
        out.target[b * T + i] = e.exc[t];
        out.pred![b * T + i] = e.pred[t];
        out.prevExc![b * T + i] = t > 0 ? e.excIn[t - 1] : silence;
        if (ltp) {
          const P = u.period![frameOf(t, u.mel.frames, c)];
          out.ltp![b * T + i] = P > 0 && t >= P ? e.excIn[t - P] : silence;
        }
        if (c.pulses) {
          if (!u.pulse) throw new BabelfishError('INTERNAL', `utterance ${u.id} was loaded without its pulse marks`);
          out.pulse![b * T + i] = u.pulse[t];
        }
      } else out.target[b * T + i] = u.codes[t];
    }
  }
  return out;
}

/** Sines of random pitch, with their real log-mel: a tiny data set the model can learn in seconds. */
export function syntheticUtterances(n: number, seconds: number, c: VocoderConfig, rand: () => number): VocoderUtterance[] {
  const len = Math.round(seconds * c.sampleRate);
  return Array.from({ length: n }, (_, k) => {
    const hz = 150 + 650 * rand();
    const phase = rand() * 2 * Math.PI;
    const x = Float32Array.from({ length: len }, (_, t) => 0.5 * Math.sin(phase + (2 * Math.PI * hz * t) / c.sampleRate));
    return toUtterance(`sine-${k}-${hz.toFixed(0)}hz`, x, logMelSpectrogram(x), c);
  });
}

/** Manifest files of a speech corpus folder (`manifest.<split>.jsonl`). */
export async function corpusManifests(dir: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new BabelfishError('FILE_NOT_FOUND', `no speech corpus at ${dir} (build one with \`babelfish corpus speech\`)`, { cause: e });
  }
  const found = names.filter((f) => /^manifest\..+\.jsonl$/.test(f)).map((f) => join(dir, f));
  if (!found.length) throw new BabelfishError('FILE_NOT_FOUND', `${dir} has no manifest.<split>.jsonl`);
  return found.sort();
}
