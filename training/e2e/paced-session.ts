/**
 * One recording through the streaming pipeline (the same `TranslationSession` the server
 * runs) as if it were spoken live, to measure what a listener would wait.
 *
 * Audio goes in 100 ms chunks and each chunk's model work is finished before the next is
 * pushed, while a simulated clock keeps real time: chunk i arrives at (i + 1) x 100 ms, its
 * work starts at max(arrival, the clock) and takes what it took. So recognition that keeps up
 * with the speaker costs nothing extra, and recognition slower than real time shows up as the
 * backlog a live stream would have built. Latency is the simulated time of an utterance's first
 * audio chunk minus the end of its speech (the VAD's true end, before the endpointing
 * hangover): endpointing, the last recogniser step, translation, synthesis and the first
 * vocoder block, as the user hears it.
 */
import { FairScheduler } from '../../src/pipeline/scheduler.ts';
import { UtteranceCollector, joinSpeech, type CollectedUtterance } from '../../src/pipeline/utterance-collector.ts';
import { concatFloat32 } from '../../src/audio/concat.ts';
import { DEFAULT_SESSION_OPTIONS, PIPELINE_SAMPLE_RATE, TranslationSession } from '../../src/pipeline/session.ts';
import type { PipelineStages, SpeechRecognizerStage } from '../../src/pipeline/stages.ts';

/** A scheduler that knows how many jobs are queued or running, so a caller can wait for quiet. */
class CountingScheduler extends FairScheduler {
  inflight = 0;
  override run<T>(owner: string, job: () => Promise<T>): Promise<T> {
    this.inflight++;
    return super.run(owner, job).finally(() => {
      this.inflight--;
    });
  }

  /** Resolves once no job is queued or running (checked between macrotasks, after promise chains settle). */
  async idle(): Promise<void> {
    do await new Promise((r) => setImmediate(r));
    while (this.inflight > 0);
  }
}

/** Times (`start`, `end`) are seconds into the fed stream, which starts with `leadSeconds` of silence. */
export type PacedUtterance = Omit<CollectedUtterance, 'utterance' | 'firstAudioAt'> & {
  /** Seconds from the end of speech to the first translated audio, on the simulated live clock. */
  latency: number | null;
};

export interface PacedRunResult {
  utterances: PacedUtterance[];
  /** Every utterance's text and audio, joined. */
  transcript: string;
  translation: string;
  audio: Float32Array;
  sampleRate: number;
  /** Seconds of the recording (without the added silence). */
  inputSeconds: number;
  /** Recogniser compute (every streamed chunk and the final decode), seconds. */
  asrSeconds: number;
  errors: { code: string; message: string }[];
}

export interface PacedRunOptions {
  from: string;
  to: string;
  voice?: number;
  chunkMs?: number;
  /** Silence before the recording (the VAD's pre-roll sees quiet, as live). */
  leadSeconds?: number;
  /** Silence after it: longer than the endpointing hangover, so the VAD ends the utterance itself. */
  tailSeconds?: number;
  /** Silence between utterances in the joined audio. */
  gapSeconds?: number;
}

export async function translatePaced(stages: PipelineStages, samples: Float32Array, options: PacedRunOptions): Promise<PacedRunResult> {
  const sr = PIPELINE_SAMPLE_RATE;
  const scheduler = new CountingScheduler(1);
  let asrMs = 0;
  const timed = async <T>(f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      asrMs += performance.now() - t0;
    }
  };
  const inner = stages.recognizer;
  const recognizer: SpeechRecognizerStage = {
    languages: inner.languages,
    detectsLanguage: inner.detectsLanguage,
    open(lang) {
      const s = inner.open(lang);
      return { push: (x) => timed(() => s.push(x)), finish: () => timed(() => s.finish()) };
    },
  };

  const collector = new UtteranceCollector(options.from);
  const session = new TranslationSession(
    { ...stages, recognizer },
    {
      id: 'eval',
      from: options.from,
      to: options.to,
      voice: options.voice,
      endSilenceMs: DEFAULT_SESSION_OPTIONS.endSilenceMs,
      maxUtteranceSeconds: DEFAULT_SESSION_OPTIONS.maxUtteranceSeconds,
      prerollMs: DEFAULT_SESSION_OPTIONS.prerollMs,
      scheduler,
    },
    collector.onEvent,
  );

  const lead = new Float32Array(Math.round((options.leadSeconds ?? 0.3) * sr));
  const tail = new Float32Array(Math.round((options.tailSeconds ?? 1.0) * sr));
  const stream = concatFloat32([lead, samples, tail]);
  const chunk = Math.max(1, Math.round(((options.chunkMs ?? 100) / 1000) * sr));
  // Wall-clock windows of model work and where each sits on the simulated live clock.
  const windows: { wall0: number; wall1: number; sim0: number }[] = [];
  let clock = 0;
  const step = async (arrival: number, work: () => Promise<void>) => {
    const sim0 = Math.max(clock, arrival);
    const wall0 = performance.now();
    await work();
    const wall1 = performance.now();
    windows.push({ wall0, wall1, sim0 });
    clock = sim0 + (wall1 - wall0) / 1000;
  };
  for (let i = 0; i < stream.length; i += chunk) {
    const part = stream.subarray(i, i + chunk);
    await step(Math.min(stream.length, i + chunk) / sr, async () => {
      session.push(part);
      await scheduler.idle();
    });
  }
  await step(stream.length / sr, () => session.end());

  const simulated = (wall: number): number | null => {
    const w = windows.find((x) => wall >= x.wall0 && wall <= x.wall1);
    return w ? w.sim0 + (wall - w.wall0) / 1000 : null;
  };
  const utterances: PacedUtterance[] = collector.utterances().map(({ utterance: _, firstAudioAt, ...u }) => {
    const at = firstAudioAt === undefined ? null : simulated(firstAudioAt);
    return { ...u, latency: at === null ? null : Math.max(0, at - u.end) };
  });
  const sampleRate = stages.vocoder.sampleRate;
  const join = (xs: string[]) => xs.map((x) => x.trim()).filter(Boolean).join(' ');
  return {
    utterances,
    transcript: join(utterances.map((u) => u.transcript)),
    translation: join(utterances.map((u) => u.translation)),
    audio: joinSpeech(utterances, Math.round((options.gapSeconds ?? 0.3) * sampleRate)),
    sampleRate,
    inputSeconds: samples.length / sr,
    asrSeconds: asrMs / 1000,
    errors: collector.errors,
  };
}
