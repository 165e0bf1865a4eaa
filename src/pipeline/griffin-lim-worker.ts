/**
 * Worker-thread side of `GriffinLimWorker`: runs `melToAudio` on each request and sends the
 * samples back (transferred, not copied). Loaded through `griffin-lim-worker.mjs`, which
 * registers tsx first: worker threads do not inherit the parent's TypeScript loader.
 */
import { parentPort } from 'node:worker_threads';
import { melToAudio } from '../audio/griffin-lim.ts';
import type { FeatureConfig } from '../audio/config.ts';
import type { MelSpectrogram } from '../audio/types.ts';

export interface GriffinLimRequest {
  id: number;
  mel: MelSpectrogram;
  config: FeatureConfig;
  iterations?: number;
}

export type GriffinLimReply = { id: number; audio: Float32Array } | { id: number; error: { message: string; code?: string } };

parentPort!.on('message', (req: GriffinLimRequest) => {
  try {
    const audio = melToAudio(req.mel, req.config, req.iterations);
    parentPort!.postMessage({ id: req.id, audio } satisfies GriffinLimReply, [audio.buffer as ArrayBuffer]);
  } catch (e) {
    const err = e as Error & { code?: string };
    parentPort!.postMessage({ id: req.id, error: { message: err.message, code: err.code } } satisfies GriffinLimReply);
  }
});
