/**
 * Speech-encoder checkpoints (training/common/adam-checkpoint.ts): `<runDir>/checkpoints/step-<n>/`
 * holds the model folder (model.json, weights.bin, vocab.json), `optimizer.bin` +
 * `optimizer.json` (Adam moments as tfjs-encoded weights) and `state.json` (step, training
 * config, RNG seed scheme).
 */
import { SpeechEncoder } from '../../models/speech-encoder/model.ts';
import type { Adam } from '../common/adam.ts';
import { loadLatestAdamCheckpoint, saveAdamCheckpoint, type AdamCheckpoint } from '../common/adam-checkpoint.ts';

export interface CheckpointState<C> {
  step: number;
  config: C;
  /** Everything random is derived from this seed and the step (batch order, SpecAugment). */
  seed: number;
  /** Metrics when the checkpoint was written. */
  metrics?: Record<string, number>;
}

export function saveCheckpoint<C>(runDir: string, encoder: SpeechEncoder, adam: Adam, state: CheckpointState<C>, keep = 2): Promise<string> {
  return saveAdamCheckpoint(runDir, encoder, adam, state, keep);
}

export type LoadedCheckpoint<C> = AdamCheckpoint<SpeechEncoder, CheckpointState<C>>;

/** The checkpoint `latest.json` points at, or null when the run has none. */
export function loadLatestCheckpoint<C>(runDir: string): Promise<LoadedCheckpoint<C> | null> {
  return loadLatestAdamCheckpoint(runDir, (dir) => SpeechEncoder.load(dir));
}
