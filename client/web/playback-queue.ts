/**
 * Gapless playback of audio that arrives in chunks: each chunk is scheduled to start
 * exactly where the previous one ends on the AudioContext clock. When the network falls
 * behind (the queue ran dry), playback restarts a little in the future instead of in
 * the past, which would clip the chunk's start. Pure scheduling, tested in Node; the
 * page supplies `now()` and the sink.
 */
export interface ScheduledChunk {
  start: number; // seconds on the audio clock
  duration: number;
}

export class PlaybackQueue {
  private endTime = 0;
  /** Seconds scheduled ahead of the clock; for the "buffered" indicator. */
  queued(now: number): number {
    return Math.max(0, this.endTime - now);
  }

  /** `lead`: how far ahead to start after an underrun, absorbing jitter. */
  constructor(private readonly lead = 0.05) {}

  schedule(samples: number, sampleRate: number, now: number): ScheduledChunk {
    const duration = samples / sampleRate;
    const start = this.endTime < now ? now + this.lead : this.endTime;
    this.endTime = start + duration;
    return { start, duration };
  }

  reset(): void {
    this.endTime = 0;
  }
}
