/**
 * Speech-encoder checkpoints (the folder scheme of training/common/checkpoint.ts):
 * `<runDir>/checkpoints/step-<n>/` holds the model folder (model.json, weights.bin,
 * vocab.json), `optimizer.bin` + `optimizer.json` (Adam moments as tfjs-encoded weights) and
 * `state.json` (step, training config, RNG seed scheme).
 */
import type * as tf from '@tensorflow/tfjs';
import { SpeechEncoder } from '../../models/speech-encoder/model.ts';
import type { Adam } from '../common/adam.ts';
import { readLatestCheckpoint, readTrainState, writeCheckpoint, writeTrainState } from '../common/checkpoint.ts';
import { readAdamState, writeAdamState } from '../common/optimizer-state.ts';

export interface CheckpointState<C> {
  step: number;
  config: C;
  /** Everything random is derived from this seed and the step (batch order, SpecAugment). */
  seed: number;
  /** Metrics when the checkpoint was written. */
  metrics?: Record<string, number>;
}

export function saveCheckpoint<C>(runDir: string, encoder: SpeechEncoder, adam: Adam, state: CheckpointState<C>, keep = 2): Promise<string> {
  return writeCheckpoint(
    runDir,
    state.step,
    async (dir) => {
      await encoder.save(dir);
      await writeAdamState(dir, adam);
      await writeTrainState(dir, state);
    },
    keep,
  );
}

export interface LoadedCheckpoint<C> {
  dir: string;
  encoder: SpeechEncoder;
  state: CheckpointState<C>;
  adamStep: number;
  adamTensors: Record<string, tf.Tensor>;
}

/** The checkpoint `latest.json` points at, or null when the run has none. */
export function loadLatestCheckpoint<C>(runDir: string): Promise<LoadedCheckpoint<C> | null> {
  return readLatestCheckpoint(runDir, async (dir) => {
    const state = await readTrainState<CheckpointState<C>>(dir);
    const adam = await readAdamState(dir);
    return { encoder: await SpeechEncoder.load(dir), state, ...adam };
  });
}
