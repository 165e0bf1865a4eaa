/**
 * Training checkpoints: `<runDir>/checkpoints/step-<n>/` holds the model folder
 * (model.json, weights.bin, vocab.json), `optimizer.bin` + `optimizer.json` (Adam
 * moments as tfjs-encoded weights) and `state.json` (step, training config, RNG seed
 * scheme). A checkpoint only counts once `latest.json` names it, and that pointer is
 * replaced by rename, so a kill at any moment leaves the previous one intact.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BabelfishError } from '../../src/errors.ts';
import { SpeechEncoder } from '../../models/speech-encoder/model.ts';
import type { Adam } from '../common/adam.ts';

export interface CheckpointState<C> {
  step: number;
  config: C;
  /** Everything random is derived from this seed and the step (batch order, SpecAugment). */
  seed: number;
  /** Metrics when the checkpoint was written. */
  metrics?: Record<string, number>;
}

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

export async function saveCheckpoint<C>(runDir: string, encoder: SpeechEncoder, adam: Adam, state: CheckpointState<C>, keep = 2): Promise<string> {
  const root = join(runDir, 'checkpoints');
  const name = `step-${String(state.step).padStart(8, '0')}`;
  const dir = join(root, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await encoder.save(dir);
  const { data, specs } = await tf.io.encodeWeights(adam.stateTensors());
  await writeAtomic(join(dir, 'optimizer.bin'), new Uint8Array(data));
  await writeAtomic(join(dir, 'optimizer.json'), JSON.stringify({ step: adam.step, config: adam.config, weights: specs }));
  await writeAtomic(join(dir, 'state.json'), JSON.stringify(state, null, 1) + '\n');
  await writeAtomic(join(root, 'latest.json'), JSON.stringify({ dir: name, step: state.step }) + '\n');
  // Older checkpoints go only after the pointer moved on.
  const all = (await readdir(root)).filter((d) => /^step-\d+$/.test(d)).sort();
  for (const old of all.slice(0, Math.max(0, all.length - keep))) await rm(join(root, old), { recursive: true, force: true });
  return dir;
}

export interface LoadedCheckpoint<C> {
  dir: string;
  encoder: SpeechEncoder;
  state: CheckpointState<C>;
  adamStep: number;
  adamTensors: Record<string, tf.Tensor>;
}

/** The checkpoint `latest.json` points at, or null when the run has none. */
export async function loadLatestCheckpoint<C>(runDir: string): Promise<LoadedCheckpoint<C> | null> {
  const root = join(runDir, 'checkpoints');
  let pointer: { dir: string };
  try {
    pointer = JSON.parse(await readFile(join(root, 'latest.json'), 'utf8'));
  } catch {
    return null;
  }
  const dir = join(root, pointer.dir);
  try {
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as CheckpointState<C>;
    const opt = JSON.parse(await readFile(join(dir, 'optimizer.json'), 'utf8'));
    const bin = await readFile(join(dir, 'optimizer.bin'));
    const adamTensors = tf.io.decodeWeights(new Uint8Array(bin).buffer, opt.weights);
    const encoder = await SpeechEncoder.load(dir);
    return { dir, encoder, state, adamStep: opt.step, adamTensors };
  } catch (e) {
    throw new BabelfishError('MODEL_INVALID', `checkpoint ${dir} is unreadable: ${(e as Error).message}`, { cause: e });
  }
}
