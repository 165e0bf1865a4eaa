/**
 * An optimizer's state in a checkpoint: `optimizer.bin` (tfjs weight encoding of its named
 * tensors) and `optimizer.json` (the trainer's own fields, then `weights`: the manifest
 * entries of optimizer.bin).
 */
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomic } from '../../src/write-atomic.ts';
import type { Adam } from './adam.ts';

export async function writeOptimizerState(dir: string, tensors: { name: string; tensor: tf.Tensor }[], fields: object): Promise<void> {
  const { data, specs } = await tf.io.encodeWeights(tensors);
  await writeAtomic(join(dir, 'optimizer.bin'), new Uint8Array(data));
  await writeAtomic(join(dir, 'optimizer.json'), JSON.stringify({ ...fields, weights: specs }));
}

/** optimizer.json's fields and the decoded tensors (the caller owns them). */
export async function readOptimizerState<F>(dir: string): Promise<{ fields: F; tensors: tf.NamedTensorMap }> {
  const fields = JSON.parse(await readFile(join(dir, 'optimizer.json'), 'utf8')) as F & { weights: tf.io.WeightsManifestEntry[] };
  const bin = await readFile(join(dir, 'optimizer.bin'));
  return { fields, tensors: tf.io.decodeWeights(new Uint8Array(bin).buffer, fields.weights) };
}

/** Our Adam's moments, with its update count and config in optimizer.json. */
export function writeAdamState(dir: string, adam: Adam): Promise<void> {
  return writeOptimizerState(dir, adam.stateTensors(), { step: adam.step, config: adam.config });
}

/** What `Adam.loadState` takes back. */
export async function readAdamState(dir: string): Promise<{ adamStep: number; adamTensors: Record<string, tf.Tensor> }> {
  const { fields, tensors } = await readOptimizerState<{ step: number }>(dir);
  return { adamStep: fields.step, adamTensors: tensors };
}
