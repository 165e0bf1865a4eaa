/**
 * Vocoder checkpoints (the folder scheme of training/common/checkpoint.ts):
 * `<out>/checkpoints/step-<n>/` holds the model folder (model.json, weights.bin, config.json),
 * `optimizer.bin` + `optimizer.json` (tf.train.adam's state, in its own variable order, its
 * names in `names`) and `state.json` (step, training options).
 */
import type * as tf from '@tensorflow/tfjs';
import { Vocoder } from '../../models/vocoder/model.ts';
import { readLatestCheckpoint, readTrainState, writeCheckpoint, writeTrainState } from '../common/checkpoint.ts';
import { readOptimizerState, writeOptimizerState } from '../common/optimizer-state.ts';

export interface TrainState<O> {
  step: number;
  options: O;
  /** Figures when the checkpoint was written. */
  metrics?: Record<string, number>;
  /** Seconds of training so far (over all resumed runs). */
  seconds: number;
}

export function saveCheckpoint<O>(out: string, vocoder: Vocoder, optimizer: tf.Optimizer, state: TrainState<O>, keep = 2): Promise<string> {
  return writeCheckpoint(
    out,
    state.step,
    async (dir) => {
      await vocoder.save(dir);
      // tfjs names the state after the variables, which are numbered per process: stored apart, keyed by position.
      const named = await optimizer.getWeights();
      await writeOptimizerState(
        dir,
        named.map((w, i) => ({ name: `opt${i}`, tensor: w.tensor })),
        { names: named.map((w) => w.name) },
      );
      await writeTrainState(dir, state);
    },
    keep,
  );
}

export interface LoadedCheckpoint<O> {
  dir: string;
  vocoder: Vocoder;
  state: TrainState<O>;
  /** Adam's state, in the order getWeights gave it (for setWeights). */
  optimizerWeights: { name: string; tensor: tf.Tensor }[];
}

/** The checkpoint latest.json names, or null when the run has none yet. */
export function loadLatestCheckpoint<O>(out: string): Promise<LoadedCheckpoint<O> | null> {
  return readLatestCheckpoint(out, async (dir) => {
    const vocoder = await Vocoder.load(dir);
    const state = await readTrainState<TrainState<O>>(dir);
    const { fields, tensors } = await readOptimizerState<{ names: string[] }>(dir);
    return { vocoder, state, optimizerWeights: fields.names.map((name, i) => ({ name, tensor: tensors[`opt${i}`] })) };
  });
}
