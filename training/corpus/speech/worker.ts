/**
 * Child process of the corpus builder: synthesises the jobs it is sent, one at
 * a time, and answers with their durations. Separate processes (not threads)
 * because espeak's wasm2js build and the pinned clock are per-process state.
 */
import { synthesizeUtterance } from './synthesize.ts';
import type { UtteranceJob } from './plan.ts';

export interface WorkerRequest {
  job: UtteranceJob;
  outDir: string;
  sampleRate: number;
}
export type WorkerReply = { id: string; duration: number } | { id: string; error: string };

process.on('message', (msg: WorkerRequest) => {
  synthesizeUtterance(msg.job, msg.outDir, msg.sampleRate).then(
    (r) => process.send!({ id: r.id, duration: r.duration } satisfies WorkerReply),
    (e: unknown) => process.send!({ id: msg.job.id, error: e instanceof Error ? e.stack ?? e.message : String(e) } satisfies WorkerReply),
  );
});
process.on('disconnect', () => process.exit(0));
