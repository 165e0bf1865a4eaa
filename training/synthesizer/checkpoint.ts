/**
 * Synthesizer checkpoints (the folder scheme of training/common/checkpoint.ts):
 * `<runDir>/checkpoints/step-<n>/` holds the model folder (model.json, weights.bin),
 * `optimizer.bin` + `optimizer.json` (Adam moments) and `state.json` (step, training config,
 * voice map).
 */
import type * as tf from '@tensorflow/tfjs';
import { Synthesizer } from '../../models/synthesizer/model.ts';
import type { Adam } from '../common/adam.ts';
import { readLatestCheckpoint, readTrainState, writeCheckpoint, writeTrainState } from '../common/checkpoint.ts';
import { readAdamState, writeAdamState } from '../common/optimizer-state.ts';

export interface CheckpointState<C> {
  step: number;
  config: C;
  seed: number;
  /** Speaker name -> voice id, in id order. */
  voices: string[];
  metrics?: Record<string, number>;
}

export function saveCheckpoint<C>(runDir: string, model: Synthesizer, adam: Adam, state: CheckpointState<C>, keep = 2): Promise<string> {
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

export interface LoadedCheckpoint<C> {
  dir: string;
  model: Synthesizer;
  state: CheckpointState<C>;
  adamStep: number;
  adamTensors: Record<string, tf.Tensor>;
}

/** The checkpoint `latest.json` points at, or null when the run has none. */
export function loadLatestCheckpoint<C>(runDir: string): Promise<LoadedCheckpoint<C> | null> {
  return readLatestCheckpoint(runDir, async (dir) => {
    const state = await readTrainState<CheckpointState<C>>(dir);
    const adam = await readAdamState(dir);
    return { model: await Synthesizer.load(dir), state, ...adam };
  });
}
