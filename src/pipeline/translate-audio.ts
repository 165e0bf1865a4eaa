/**
 * Offline use of the streaming pipeline: a whole recording in, every utterance's
 * transcript, translation, timings and the translated speech out. The same session
 * code as the server, fed in 100 ms chunks, so offline and live results agree.
 */
import { FairScheduler } from './scheduler.ts';
import { UtteranceCollector, joinSpeech, type CollectedUtterance } from './utterance-collector.ts';
import { TranslationSession, DEFAULT_SESSION_OPTIONS, PIPELINE_SAMPLE_RATE, type StageTimings } from './session.ts';
import type { PipelineStages } from './stages.ts';

export type UtteranceResult = Omit<CollectedUtterance, 'firstAudioAt'>;

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
  const collector = new UtteranceCollector(options.from);
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
    collector.onEvent,
  );
  const chunk = Math.round(((options.chunkMs ?? 100) / 1000) * PIPELINE_SAMPLE_RATE);
  for (let i = 0; i < samples.length; i += chunk) session.push(samples.subarray(i, i + chunk));
  await session.end();

  const sampleRate = stages.vocoder.sampleRate;
  const utterances = collector.utterances().map(({ firstAudioAt: _, ...u }) => u);
  return { utterances, audio: joinSpeech(utterances, Math.round((options.gapSeconds ?? 0.3) * sampleRate)), sampleRate, errors: collector.errors };
}
