/**
 * Synthesizer checkpoints (training/common/adam-checkpoint.ts): `<runDir>/checkpoints/step-<n>/`
 * holds the model folder (model.json, weights.bin), `optimizer.bin` + `optimizer.json` (Adam
 * moments) and `state.json` (step, training config, voice map).
 */
import { Synthesizer } from '../../models/synthesizer/model.ts';
import type { Adam } from '../common/adam.ts';
import { loadLatestAdamCheckpoint, saveAdamCheckpoint, type AdamCheckpoint } from '../common/adam-checkpoint.ts';

export interface CheckpointState<C> {
  step: number;
  config: C;
  seed: number;
  /** Speaker name -> voice id, in id order. */
  voices: string[];
  metrics?: Record<string, number>;
}

export function saveCheckpoint<C>(runDir: string, model: Synthesizer, adam: Adam, state: CheckpointState<C>, keep = 2): Promise<string> {
  return saveAdamCheckpoint(runDir, model, adam, state, keep);
}

export type LoadedCheckpoint<C> = AdamCheckpoint<Synthesizer, CheckpointState<C>>;

/** The checkpoint `latest.json` points at, or null when the run has none. */
export function loadLatestCheckpoint<C>(runDir: string): Promise<LoadedCheckpoint<C> | null> {
  return loadLatestAdamCheckpoint(runDir, (dir) => Synthesizer.load(dir));
}
