/**
 * Training data for the synthesizer: manifest rows -> symbol ids + cached log-mel targets.
 *
 * Mels are computed once per audio file with src/audio's `logMelSpectrogram` (the features
 * the vocoder is conditioned on) and cached as raw float32 under the cache dir, keyed by the
 * file's path, size, mtime and the feature configuration.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BabelfishError } from '../../src/errors.ts';
import { DEFAULT_FEATURE_CONFIG } from '../../src/audio/config.ts';
import { logMelSpectrogram } from '../../src/audio/features.ts';
import { resample } from '../../src/audio/resample.ts';
import { decodeWav } from '../../src/audio/wav.ts';
import { downmix } from '../../src/audio/pcm.ts';
import { SymbolTable, utteranceIds } from '../../models/synthesizer/symbols.ts';
import type { TrainItem } from './step.ts';
import { readWordStarts } from './word-timing.ts';
import { readSpeechManifest, type SpeechManifestRow } from '../common/speech-manifest.ts';

/** One row of `manifest.<split>.jsonl` (the speech corpus). */
export type ManifestRow = SpeechManifestRow;
export { readSpeechManifest as readManifest };

/** A WAV file's bytes as mono samples at `rate` (the corpus writes 16 kHz PCM16 WAV). */
export function wavToMono(buf: Uint8Array, rate: number): Float32Array {
  const { sampleRate, channels } = decodeWav(buf);
  const x = downmix(channels);
  return sampleRate === rate ? x : resample(x, sampleRate, rate);
}

export interface LoadOptions {
  cacheDir: string;
  symbols: SymbolTable;
  languages: readonly string[];
  /** Speaker name -> voice id (extended with new speakers when `growVoices`). */
  voices: Map<string, number>;
  growVoices: boolean;
  /**
   * Skip rows with added noise, reverb or telephone band: a synthesizer should learn clean
   * speech (the corpus augments for the speech encoder's sake). Speed-perturbed rows stay.
   */
  cleanOnly?: boolean;
  /** Longest utterance kept, in frames. */
  maxFrames: number;
  limit?: number;
  log?: (line: string) => void;
  /** The manifest's path (align files are relative to it). */
  manifestPath?: string;
}

export interface RawItem extends Omit<TrainItem, 'mel'> {
  /** Natural-log mel [frames x 80] (not normalised). */
  logMel: Float32Array;
  text: string;
  /** espeak's word start times (s), when the corpus saved them. */
  wordStarts: number[] | null;
}

const FEATURE_KEY = JSON.stringify(DEFAULT_FEATURE_CONFIG);

async function cachedMel(audio: string, cacheDir: string): Promise<{ data: Float32Array; frames: number }> {
  const st = statSync(audio, { throwIfNoEntry: false });
  if (!st) throw new BabelfishError('FILE_NOT_FOUND', `audio ${audio} listed in the manifest does not exist`);
  const key = createHash('sha1').update(`${audio}\0${st.size}\0${st.mtimeMs}\0${FEATURE_KEY}`).digest('hex');
  const path = join(cacheDir, key.slice(0, 2), key + '.f32');
  const bins = DEFAULT_FEATURE_CONFIG.nMels;
  if (existsSync(path)) {
    const b = readFileSync(path);
    const data = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    return { data, frames: data.length / bins };
  }
  const mel = logMelSpectrogram(wavToMono(readFileSync(audio), DEFAULT_FEATURE_CONFIG.sampleRate), DEFAULT_FEATURE_CONFIG);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, new Uint8Array(mel.data.buffer, mel.data.byteOffset, mel.frames * bins * 4));
  await rename(tmp, path);
  return { data: mel.data.slice(0, mel.frames * bins), frames: mel.frames };
}

/** Noise, reverb or the telephone band: rows the synthesizer never learns from (speed changes are fine). */
export function isDegraded(row: ManifestRow): boolean {
  const a = row.augment;
  return !!a && !!(a.noise || a.reverb || a.telephone);
}

/** Manifest rows to training items; rows with no speakable text or too long audio are skipped and counted. */
export async function loadItems(rows: ManifestRow[], opt: LoadOptions): Promise<RawItem[]> {
  const out: RawItem[] = [];
  const skipped = { language: 0, empty: 0, long: 0, short: 0, voice: 0, augmented: 0 };
  const dropped = new Set<string>();
  const started = Date.now();
  const take = opt.limit ? rows.slice(0, opt.limit) : rows;
  for (let i = 0; i < take.length; i++) {
    const row = take[i]!;
    if (opt.cleanOnly !== false && isDegraded(row)) {
      skipped.augmented++;
      continue;
    }
    const lang = opt.languages.indexOf(row.lang);
    if (lang < 0) {
      skipped.language++;
      continue;
    }
    const n = utteranceIds(opt.symbols, row.text, row.lang);
    n.dropped.forEach((c) => dropped.add(c));
    if (!n.ids.length) {
      skipped.empty++;
      continue;
    }
    const speaker = row.speaker ?? 'default';
    if (!opt.voices.has(speaker)) {
      if (!opt.growVoices) {
        skipped.voice++;
        continue;
      }
      opt.voices.set(speaker, opt.voices.size);
    }
    const mel = await cachedMel(row.audio, opt.cacheDir);
    if (mel.frames > opt.maxFrames) {
      skipped.long++;
      continue;
    }
    if (mel.frames < n.ids.length) {
      skipped.short++;
      continue;
    }
    const wordStarts = opt.manifestPath ? readWordStarts(row.align, opt.manifestPath) : null;
    out.push({ id: row.id ?? row.audio, ids: n.ids, lang, voice: opt.voices.get(speaker)!, logMel: mel.data, frames: mel.frames, text: n.text, wordStarts });
    if (opt.log && (i + 1) % 200 === 0) {
      const rate = (i + 1) / ((Date.now() - started) / 1000);
      opt.log(`mels ${i + 1}/${take.length} (${rate.toFixed(1)}/s, ETA ${Math.round((take.length - i - 1) / rate)}s)`);
    }
  }
  if (opt.log) opt.log(`loaded ${out.length} utterances; skipped ${JSON.stringify(skipped)}${dropped.size ? `; dropped characters ${JSON.stringify([...dropped].join(''))}` : ''}`);
  return out;
}

/** Per-bin mean and standard deviation, and a silence level (the 2nd percentile of all values). */
export function melStats(items: RawItem[], bins: number): { mean: number[]; std: number[]; silence: number } {
  const sum = new Float64Array(bins);
  const sq = new Float64Array(bins);
  let n = 0;
  const sample: number[] = [];
  for (const it of items) {
    for (let t = 0; t < it.frames; t++) {
      for (let b = 0; b < bins; b++) {
        const v = it.logMel[t * bins + b]!;
        sum[b] += v;
        sq[b] += v * v;
      }
      if (t % 7 === 0) for (let b = 0; b < bins; b += 5) sample.push(it.logMel[t * bins + b]!);
    }
    n += it.frames;
  }
  const mean = Array.from(sum, (s) => s / Math.max(1, n));
  const std = Array.from(sq, (s, b) => Math.sqrt(Math.max(1e-4, s / Math.max(1, n) - mean[b]! * mean[b]!)));
  sample.sort((a, b) => a - b);
  return { mean, std, silence: sample.length ? sample[Math.floor(sample.length * 0.02)]! : Math.log(1e-5) };
}

/** Normalised copies for training. */
export function normalizeItems(items: RawItem[], mean: number[], std: number[]): TrainItem[] {
  const bins = mean.length;
  return items.map((it) => {
    const mel = new Float32Array(it.frames * bins);
    for (let i = 0; i < mel.length; i++) mel[i] = (it.logMel[i]! - mean[i % bins]!) / std[i % bins]!;
    return { id: it.id, ids: it.ids, lang: it.lang, voice: it.voice, mel, frames: it.frames };
  });
}
