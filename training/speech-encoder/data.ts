/**
 * Training data for the speech encoder: manifest rows -> cached log-mel features ->
 * length-bucketed batches with SpecAugment.
 *
 * Features are computed once per audio file and cached as .npy (float32, [frames, bins];
 * numpy reads them) under the cache dir, keyed by the file's path, size, mtime and the
 * feature configuration, so a changed file or front end recomputes.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, writeFile, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { hzToMel } from '../../src/audio/mel.ts';
import { gaussian } from '../corpus/speech/random.ts';
import { decodeNpy, encodeNpy } from '../../src/audio/npy.ts';
import { BabelfishError } from '../../src/errors.ts';
import type { FeatureSource, LogMelFrames } from '../../models/speech-encoder/features.ts';
import { hasDigits, type Vocab } from '../../models/speech-encoder/vocab.ts';
import { readSpeechManifest, type SpeechManifestRow } from '../common/speech-manifest.ts';

/** One row of `manifest.<split>.jsonl`. */
export type ManifestRow = SpeechManifestRow;
export { readSpeechManifest as readManifest };

export interface Utterance {
  id: string;
  lang: string;
  text: string;
  labels: number[];
  frames: number;
  /** Where the cached features live (loaded per batch), or the features themselves. */
  featurePath?: string;
  features?: LogMelFrames;
}

export function readFeatures(u: Utterance): LogMelFrames {
  if (u.features) return u.features;
  return decodeNpy(readFileSync(u.featurePath!));
}

export interface LoadOptions {
  features: FeatureSource;
  /** Decodes an audio file to mono samples at `features.sampleRate`. */
  loadAudio: (path: string) => Promise<Float32Array>;
  /** Identifies the feature configuration in cache keys. */
  featureKey: string;
  cacheDir: string;
  vocab: Vocab;
  /** Longest utterance kept, in seconds. */
  maxSeconds?: number;
  limit?: number;
  log?: (line: string) => void;
}

/**
 * Manifest rows to utterances with cached features. Rows whose text has digits (the
 * audio says the number, the target cannot), empty targets, or overly long audio are
 * skipped and counted.
 */
export async function loadUtterances(rows: ManifestRow[], opt: LoadOptions): Promise<Utterance[]> {
  const out: Utterance[] = [];
  const skipped = { digits: 0, empty: 0, long: 0, tooShort: 0 };
  const started = Date.now();
  const take = opt.limit ? rows.slice(0, opt.limit) : rows;
  for (let i = 0; i < take.length; i++) {
    const row = take[i];
    if (hasDigits(row.text)) {
      skipped.digits++;
      continue;
    }
    const labels = opt.vocab.encode(row.text);
    if (!labels.length) {
      skipped.empty++;
      continue;
    }
    if (opt.maxSeconds && row.duration && row.duration > opt.maxSeconds) {
      skipped.long++;
      continue;
    }
    const st = statSync(row.audio, { throwIfNoEntry: false });
    if (!st) throw new BabelfishError('FILE_NOT_FOUND', `audio ${row.audio} listed in the manifest does not exist`);
    const key = createHash('sha1').update(`${row.audio}\0${st.size}\0${st.mtimeMs}\0${opt.featureKey}`).digest('hex');
    const path = join(opt.cacheDir, key.slice(0, 2), key + '.npy');
    let frames: number;
    if (existsSync(path)) {
      const buf = readFileSync(path, { encoding: null }).subarray(0, 128);
      frames = Number(/'shape': \((\d+),/.exec(Buffer.from(buf).toString('latin1'))![1]);
    } else {
      const f = opt.features.compute(await opt.loadAudio(row.audio));
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.tmp-${process.pid}`;
      await writeFile(tmp, encodeNpy(f));
      await rename(tmp, path);
      frames = f.frames;
    }
    // CTC needs at least one output frame (4 feature hops) per label and blanks between repeats.
    if (Math.ceil(Math.ceil(frames / 2) / 2) < labels.length) {
      skipped.tooShort++;
      continue;
    }
    out.push({ id: row.audio, lang: row.lang, text: row.text, labels, frames, featurePath: path });
    if (opt.log && (i + 1) % 200 === 0) {
      const rate = (i + 1) / ((Date.now() - started) / 1000);
      opt.log(`features ${i + 1}/${take.length} (${rate.toFixed(1)}/s, ETA ${Math.round((take.length - i - 1) / rate)}s)`);
    }
  }
  if (opt.log) opt.log(`loaded ${out.length} utterances; skipped ${JSON.stringify(skipped)}`);
  return out;
}

/** Per-bin mean and standard deviation over every frame of the utterances. */
export function featureStats(utts: Utterance[], bins: number): { mean: number[]; std: number[] } {
  const sum = new Float64Array(bins);
  const sq = new Float64Array(bins);
  let n = 0;
  for (const u of utts) {
    const f = readFeatures(u);
    for (let t = 0; t < f.frames; t++) {
      for (let b = 0; b < bins; b++) {
        const v = f.data[t * bins + b];
        sum[b] += v;
        sq[b] += v * v;
      }
    }
    n += f.frames;
  }
  const mean = Array.from(sum, (s) => s / Math.max(1, n));
  const std = Array.from(sq, (s, b) => Math.sqrt(Math.max(1e-8, s / Math.max(1, n) - mean[b] * mean[b])));
  return { mean, std };
}

export interface SpecAugmentConfig {
  timeMasks: number;
  /** Widest time mask in frames; also at most `timeMaskFraction` of the utterance. */
  timeMaskMax: number;
  timeMaskFraction: number;
  freqMasks: number;
  freqMaskMax: number;
}

/**
 * SpecAugment (Park et al. 2019) masks, in place, on raw features: masked cells get
 * the per-bin training mean, which the model's normalisation maps to 0.
 */
export function specAugment(f: LogMelFrames, cfg: SpecAugmentConfig, mean: number[] | null, rand: () => number): void {
  const fill = (t: number, b: number) => {
    f.data[t * f.bins + b] = mean ? mean[b] : 0;
  };
  for (let k = 0; k < cfg.freqMasks; k++) {
    const w = Math.floor(rand() * (cfg.freqMaskMax + 1));
    const start = Math.floor(rand() * Math.max(1, f.bins - w));
    for (let t = 0; t < f.frames; t++) for (let b = start; b < Math.min(f.bins, start + w); b++) fill(t, b);
  }
  const maxW = Math.min(cfg.timeMaskMax, Math.floor(cfg.timeMaskFraction * f.frames));
  for (let k = 0; k < cfg.timeMasks; k++) {
    const w = Math.floor(rand() * (maxW + 1));
    const start = Math.floor(rand() * Math.max(1, f.frames - w));
    for (let t = start; t < Math.min(f.frames, start + w); t++) for (let b = 0; b < f.bins; b++) fill(t, b);
  }
}

/**
 * A random smooth equaliser, in place: adds to every frame the same curve over the mel bins,
 * sum_k c_k cos(pi k (b + 1/2) / bins) for k = 1..order with c_k uniform in +-`amplitude`
 * (natural-log units: 0.5 is about 2.2 dB). Microphones, rooms, codecs and voices colour the
 * spectrum like this; the synthetic corpus barely does. Constant terms (k = 0) are left out:
 * the input level normalisation already fixes the overall level.
 */
export function randomEqualizer(f: LogMelFrames, order: number, amplitude: number, rand: () => number): void {
  if (order <= 0 || amplitude <= 0) return;
  const curve = new Float32Array(f.bins);
  for (let k = 1; k <= order; k++) {
    const c = (2 * rand() - 1) * amplitude;
    for (let b = 0; b < f.bins; b++) curve[b] += c * Math.cos((Math.PI * k * (b + 0.5)) / f.bins);
  }
  for (let t = 0; t < f.frames; t++) for (let b = 0; b < f.bins; b++) f.data[t * f.bins + b] += curve[b];
}

/**
 * Vocal tract length perturbation (Jaitly & Hinton 2013), in place: the spectrum of every
 * frame is stretched along frequency by `alpha`, S'(f) = S(f / alpha), as a speaker whose vocal
 * tract is 1/alpha as long would move the formants (women's and children's formants sit
 * 10-20% higher than men's). `centersHz` are the mel bins' centre frequencies (uniform in mel);
 * each output bin reads the input at f / alpha by linear interpolation in mel, clamped at the
 * ends. alpha = 1 leaves the frames unchanged.
 */
export function warpFrequency(f: LogMelFrames, alpha: number, centersHz: ArrayLike<number>): void {
  if (!(alpha > 0)) throw new Error(`warp factor must be positive, got ${alpha}`);
  if (centersHz.length !== f.bins) throw new Error(`${centersHz.length} bin centres for ${f.bins} bins`);
  if (alpha === 1 || f.bins < 2) return; // a single bin has nothing to move along
  const n = f.bins;
  const m0 = hzToMel(centersHz[0]);
  const step = (hzToMel(centersHz[n - 1]) - m0) / (n - 1);
  const lo = new Int32Array(n);
  const w = new Float32Array(n);
  for (let b = 0; b < n; b++) {
    const pos = Math.min(n - 1, Math.max(0, (hzToMel(centersHz[b] / alpha) - m0) / step));
    lo[b] = Math.min(n - 2, Math.floor(pos));
    w[b] = pos - lo[b];
  }
  const row = new Float32Array(n);
  for (let t = 0; t < f.frames; t++) {
    const base = t * n;
    row.set(f.data.subarray(base, base + n));
    for (let b = 0; b < n; b++) f.data[base + b] = row[lo[b]] * (1 - w[b]) + row[lo[b] + 1] * w[b];
  }
}

/**
 * A band limit, in place, as a narrowband channel leaves the spectrum: a Bluetooth headset in
 * its telephone mode or a phone line carries nothing above 3.4-4 kHz, and the audio reaches us
 * upsampled with that band empty; other codecs stop at 5-7 kHz. Every bin centred above
 * `cutoffHz` drops to `level` (ln units, far below the speech), or stays where it was if that is
 * lower already (a band limit only removes energy); bins within `transitionHz` below the cutoff
 * move part of the way, linearly in their centre frequency. `noise` adds N(0, noise^2) to the
 * emptied cells, as codecs and dither leave the band not quite flat.
 */
export function bandLimit(
  f: LogMelFrames,
  cutoffHz: number,
  level: number,
  centersHz: ArrayLike<number>,
  rand: () => number,
  transitionHz = 300,
  noise = 0.5,
): void {
  if (centersHz.length !== f.bins) throw new Error(`${centersHz.length} bin centres for ${f.bins} bins`);
  const weight = new Float32Array(f.bins); // 0 = untouched, 1 = emptied
  for (let b = 0; b < f.bins; b++) {
    const c = centersHz[b];
    weight[b] = c >= cutoffHz ? 1 : c > cutoffHz - transitionHz ? (c - (cutoffHz - transitionHz)) / transitionHz : 0;
  }
  for (let t = 0; t < f.frames; t++) {
    for (let b = 0; b < f.bins; b++) {
      const w = weight[b];
      if (w === 0) continue;
      const i = t * f.bins + b;
      const emptied = level + noise * gaussian(rand);
      const target = w * emptied + (1 - w) * f.data[i];
      if (target < f.data[i]) f.data[i] = target;
    }
  }
}

/**
 * The band-limit draw for one utterance: with probability `probability`, a cutoff (60% in the
 * telephone range 3.4-4 kHz, else 4-7 kHz) and the emptied band's level, 40-115 dB below the
 * utterance's loudest cell: measured on recorded prompts brought to 16 kHz, the empty band of an
 * 8 kHz recording lies 91-98 dB below it after ffmpeg's resampler or a GSM decoder and 108-112 dB
 * after ours, and a noisy line fills it higher. Returns null when this utterance keeps its full band.
 */
export function drawBandLimit(f: LogMelFrames, probability: number, rand: () => number): { cutoffHz: number; level: number } | null {
  if (!(probability > 0) || rand() >= probability) return null;
  const cutoffHz = rand() < 0.6 ? 3400 + 600 * rand() : 4000 + 3000 * rand();
  let peak = -Infinity;
  for (let i = 0; i < f.data.length; i++) if (f.data[i] > peak) peak = f.data[i];
  const belowDb = 40 + 75 * rand();
  return { cutoffHz, level: peak - (belowDb * Math.LN10) / 10 };
}

export interface Batch {
  /** Row-major [B, T, bins] raw features, zero-padded. */
  data: Float32Array;
  B: number;
  T: number;
  bins: number;
  lengths: number[];
  labels: number[][];
  langs: string[];
}

/**
 * Non-speech examples to add to a batch of `batchSize` utterances: on average
 * `fraction * batchSize` of them (a random rounding, so small batches get some too), each a
 * random crop of a pool clip no longer than the batch's longest utterance, with an empty target.
 */
export function nonSpeechExtras(pool: readonly Utterance[], batchSize: number, maxFrames: number, fraction: number, rand: () => number): Utterance[] {
  if (!pool.length || fraction <= 0) return [];
  const count = Math.floor(batchSize * fraction + rand());
  const out: Utterance[] = [];
  for (let k = 0; k < count; k++) {
    const u = pool[Math.floor(rand() * pool.length)];
    const f = readFeatures(u);
    const frames = Math.min(f.frames, maxFrames);
    const start = Math.floor(rand() * (f.frames - frames + 1));
    const data = f.data.subarray(start * f.bins, (start + frames) * f.bins);
    out.push({ id: `${u.id}@${start}`, lang: '', text: '', labels: [], frames, features: { data, frames, bins: f.bins } });
  }
  return out;
}

export function assembleBatch(utts: Utterance[], idx: number[], bins: number, augment?: (f: LogMelFrames) => void): Batch {
  const T = Math.max(...idx.map((i) => utts[i].frames));
  const data = new Float32Array(idx.length * T * bins);
  const lengths: number[] = [];
  idx.forEach((i, b) => {
    let f = readFeatures(utts[i]);
    if (augment) {
      f = { ...f, data: f.data.slice() };
      augment(f);
    }
    data.set(f.data.subarray(0, f.frames * bins), b * T * bins);
    lengths.push(f.frames);
  });
  return { data, B: idx.length, T, bins, lengths, labels: idx.map((i) => utts[i].labels), langs: idx.map((i) => utts[i].lang) };
}
