/**
 * Offline use of the streaming pipeline: a whole recording in, every utterance's
 * transcript, translation, timings and the translated speech out. The same session
 * code as the server, fed in 100 ms chunks, so offline and live results agree.
 */
import { FairScheduler } from './scheduler.ts';
import { TranslationSession, DEFAULT_SESSION_OPTIONS, PIPELINE_SAMPLE_RATE, type PipelineEvent, type StageTimings } from './session.ts';
import type { PipelineStages } from './stages.ts';

export interface UtteranceResult {
  utterance: number;
  transcript: string;
  lang: string;
  start: number;
  end: number;
  translation: string;
  audio: Float32Array;
  timings?: StageTimings;
}

export interface TranslateAudioResult {
  utterances: UtteranceResult[];
  /** All translated speech, utterances joined by `gapSeconds` of silence. */
  audio: Float32Array;
  sampleRate: number;
  errors: { code: string; message: string }[];
}

export async function translateAudio(
  stages: PipelineStages,
  samples: Float32Array,
  options: { from: string; to: string; voice?: number; endSilenceMs?: number; chunkMs?: number; gapSeconds?: number },
): Promise<TranslateAudioResult> {
  const byIndex = new Map<number, UtteranceResult & { parts: Float32Array[] }>();
  const errors: { code: string; message: string }[] = [];
  const get = (i: number) => {
    let u = byIndex.get(i);
    if (!u) byIndex.set(i, (u = { utterance: i, transcript: '', lang: options.from, start: 0, end: 0, translation: '', audio: new Float32Array(0), parts: [] }));
    return u;
  };
  const onEvent = (e: PipelineEvent) => {
    switch (e.type) {
      case 'transcript':
        Object.assign(get(e.utterance), { transcript: e.text, lang: e.lang, start: e.start, end: e.end });
        break;
      case 'translation':
        get(e.utterance).translation = e.text;
        break;
      case 'audio':
        get(e.utterance).parts.push(e.samples);
        break;
      case 'audio-end':
        get(e.utterance).timings = e.timings;
        break;
      case 'error':
        errors.push({ code: e.code, message: e.message });
        break;
    }
  };
  const session = new TranslationSession(
    stages,
    {
      id: 'offline',
      from: options.from,
      to: options.to,
      voice: options.voice,
      endSilenceMs: options.endSilenceMs ?? DEFAULT_SESSION_OPTIONS.endSilenceMs,
      maxUtteranceSeconds: DEFAULT_SESSION_OPTIONS.maxUtteranceSeconds,
      prerollMs: DEFAULT_SESSION_OPTIONS.prerollMs,
      scheduler: new FairScheduler(1),
    },
    onEvent,
  );
  const chunk = Math.round(((options.chunkMs ?? 100) / 1000) * PIPELINE_SAMPLE_RATE);
  for (let i = 0; i < samples.length; i += chunk) session.push(samples.subarray(i, i + chunk));
  await session.end();

  const sampleRate = stages.vocoder.sampleRate;
  const gap = new Float32Array(Math.round((options.gapSeconds ?? 0.3) * sampleRate));
  const utterances = [...byIndex.values()].sort((a, b) => a.utterance - b.utterance).map(({ parts, ...u }) => ({ ...u, audio: concat(parts) }));
  const spoken = utterances.filter((u) => u.audio.length > 0).flatMap((u, i) => (i ? [gap, u.audio] : [u.audio]));
  return { utterances, audio: concat(spoken), sampleRate, errors };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
