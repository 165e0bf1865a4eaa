/**
 * A checkpoint of a model trained with our Adam (the speech encoder and the synthesizer): in
 * the step folder of checkpoint.ts, the model's own saved folder, Adam's state
 * (optimizer-state.ts) and `state.json`.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Adam } from './adam.ts';
import { readLatestCheckpoint, readTrainState, writeCheckpoint, writeTrainState } from './checkpoint.ts';
import { readAdamState, writeAdamState } from './optimizer-state.ts';

export function saveAdamCheckpoint(runDir: string, model: { save(dir: string): Promise<void> }, adam: Adam, state: { step: number }, keep = 2): Promise<string> {
  return writeCheckpoint(
    runDir,
    state.step,
    async (dir) => {
      await model.save(dir);
      await writeAdamState(dir, adam);
      await writeTrainState(dir, state);
    },
    keep,
  );
}

export interface AdamCheckpoint<M, S> {
  dir: string;
  model: M;
  state: S;
  /** What `Adam.loadState` takes back (the tensors are the caller's). */
  adamStep: number;
  adamTensors: Record<string, tf.Tensor>;
}

/** The checkpoint `latest.json` points at, or null when the run has none. */
export function loadLatestAdamCheckpoint<M, S>(runDir: string, loadModel: (dir: string) => Promise<M>): Promise<AdamCheckpoint<M, S> | null> {
  return readLatestCheckpoint(runDir, async (dir) => {
    const state = await readTrainState<S>(dir);
    const adam = await readAdamState(dir);
    return { model: await loadModel(dir), state, ...adam };
  });
}
