/**
 * The one shape every training script reads: a speech dataset is a name and
 * an async stream of items; a parallel text dataset is a name, its languages
 * and an async stream of sentence pairs. Readers for each on-disk format
 * (this corpus's manifests, LJSpeech, Common Voice, TSV parallel text) turn
 * files into these, so a training script never knows which format it got.
 */
import { loadAudio } from '../../src/audio/decode.ts';
import type { AudioData } from '../../src/audio/types.ts';

export interface SpeechItem {
  id: string;
  /** Absolute path of the audio file (any format ffmpeg reads; WAV without ffmpeg). */
  audioPath: string;
  /** ISO 639-1 code. */
  lang: string;
  text: string;
  speaker?: string;
  /** Seconds, when the source states it. */
  duration?: number;
}

export interface SpeechDataset {
  name: string;
  items(): AsyncIterable<SpeechItem>;
  /** Entries a reader passed over, by reason, for readers that skip some; complete once `items()` has been read to the end. */
  skipped?: Record<string, number>;
}

export interface SentencePair {
  source: string;
  target: string;
}

export interface ParallelTextDataset {
  name: string;
  /** Language of `source`. */
  src: string;
  /** Language of `target`. */
  tgt: string;
  pairs(): AsyncIterable<SentencePair>;
}

/** An item's audio, decoded to mono at `sampleRate` (16 kHz by default) through src/audio. */
export function loadItemAudio(item: SpeechItem, sampleRate = 16000): Promise<AudioData> {
  return loadAudio(item.audioPath, sampleRate);
}

/** Everything a dataset yields, in order (for small sets and tests). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}
