/**
 * Gathers a session's events into one record per utterance (transcript, translation,
 * translated speech, timings) and the session's errors: what offline callers of the
 * streaming pipeline (`babelfish translate`, the end-to-end evaluation) read back.
 */
import { concatFloat32 } from '../audio/concat.ts';
import type { PipelineEvent, StageTimings } from './session.ts';

export interface CollectedUtterance {
  utterance: number;
  transcript: string;
  lang: string;
  /** Seconds into the stream. */
  start: number;
  end: number;
  translation: string;
  audio: Float32Array;
  timings?: StageTimings;
  /** `performance.now()` when its first audio chunk arrived, if any did. */
  firstAudioAt?: number;
}

export class UtteranceCollector {
  readonly errors: { code: string; message: string }[] = [];
  private readonly byIndex = new Map<number, Omit<CollectedUtterance, 'audio'> & { parts: Float32Array[] }>();

  /** `defaultLang` stands for utterances whose transcript never came (an error mid-way). */
  constructor(private readonly defaultLang: string) {}

  /** The session's event callback. */
  readonly onEvent = (e: PipelineEvent): void => {
    switch (e.type) {
      case 'transcript':
        Object.assign(this.get(e.utterance), { transcript: e.text, lang: e.lang, start: e.start, end: e.end });
        break;
      case 'translation':
        this.get(e.utterance).translation = e.text;
        break;
      case 'audio': {
        const u = this.get(e.utterance);
        u.firstAudioAt ??= performance.now();
        u.parts.push(e.samples);
        break;
      }
      case 'audio-end':
        this.get(e.utterance).timings = e.timings;
        break;
      case 'error':
        this.errors.push({ code: e.code, message: e.message });
        break;
    }
  };

  /** Every utterance heard, in order, with its speech joined. */
  utterances(): CollectedUtterance[] {
    return [...this.byIndex.values()].sort((a, b) => a.utterance - b.utterance).map(({ parts, ...u }) => ({ ...u, audio: concatFloat32(parts) }));
  }

  private get(i: number) {
    let u = this.byIndex.get(i);
    if (!u) this.byIndex.set(i, (u = { utterance: i, transcript: '', lang: this.defaultLang, start: 0, end: 0, translation: '', parts: [] }));
    return u;
  }
}

/** The spoken utterances' audio joined by `gapSamples` of silence. */
export function joinSpeech(utterances: { audio: Float32Array }[], gapSamples: number): Float32Array {
  const gap = new Float32Array(gapSamples);
  return concatFloat32(utterances.filter((u) => u.audio.length > 0).flatMap((u, i) => (i ? [gap, u.audio] : [u.audio])));
}
