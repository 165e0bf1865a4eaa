/**
 * Vocoder checkpoints: `<out>/checkpoints/step-<n>/` holds the model folder (model.json,
 * weights.bin, config.json), `optimizer.bin` + `optimizer.json` (tf.train.adam's state, in
 * its own variable order) and `state.json` (step, training options). A checkpoint counts only
 * once `latest.json` names it, and that pointer is replaced by rename, so a kill at any moment
 * leaves the previous checkpoint whole.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BabelfishError } from '../../src/errors.ts';
import { Vocoder } from '../../models/vocoder/model.ts';

export interface TrainState<O> {
  step: number;
  options: O;
  /** Figures when the checkpoint was written. */
  metrics?: Record<string, number>;
  /** Seconds of training so far (over all resumed runs). */
  seconds: number;
}

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

export async function saveCheckpoint<O>(out: string, vocoder: Vocoder, optimizer: tf.Optimizer, state: TrainState<O>, keep = 2): Promise<string> {
  const root = join(out, 'checkpoints');
  const name = `step-${String(state.step).padStart(8, '0')}`;
  const dir = join(root, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await vocoder.save(dir);
  const named = await optimizer.getWeights();
  const { data, specs } = await tf.io.encodeWeights(named.map((w, i) => ({ name: `opt${i}`, tensor: w.tensor })));
  await writeAtomic(join(dir, 'optimizer.bin'), new Uint8Array(data));
  await writeAtomic(join(dir, 'optimizer.json'), JSON.stringify({ names: named.map((w) => w.name), weights: specs }));
  await writeAtomic(join(dir, 'state.json'), JSON.stringify(state, null, 1) + '\n');
  await writeAtomic(join(root, 'latest.json'), JSON.stringify({ dir: name, step: state.step }) + '\n');
  const all = (await readdir(root)).filter((d) => /^step-\d+$/.test(d)).sort();
  for (const old of all.slice(0, Math.max(0, all.length - keep))) await rm(join(root, old), { recursive: true, force: true });
  return dir;
}

export interface LoadedCheckpoint<O> {
  dir: string;
  vocoder: Vocoder;
  state: TrainState<O>;
  /** Adam's state, in the order getWeights gave it (for setWeights). */
  optimizerWeights: { name: string; tensor: tf.Tensor }[];
}

/** The checkpoint latest.json names, or null when the run has none yet. */
export async function loadLatestCheckpoint<O>(out: string): Promise<LoadedCheckpoint<O> | null> {
  const root = join(out, 'checkpoints');
  let pointer: { dir: string };
  try {
    pointer = JSON.parse(await readFile(join(root, 'latest.json'), 'utf8'));
  } catch {
    return null;
  }
  const dir = join(root, pointer.dir);
  try {
    const vocoder = await Vocoder.load(dir);
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as TrainState<O>;
    const meta = JSON.parse(await readFile(join(dir, 'optimizer.json'), 'utf8')) as { names: string[]; weights: tf.io.WeightsManifestEntry[] };
    const bin = await readFile(join(dir, 'optimizer.bin'));
    const tensors = tf.io.decodeWeights(new Uint8Array(bin).buffer, meta.weights);
    const optimizerWeights = meta.names.map((name, i) => ({ name, tensor: tensors[`opt${i}`] }));
    return { dir, vocoder, state, optimizerWeights };
  } catch (e) {
    throw new BabelfishError('MODEL_INVALID', `checkpoint ${dir} is unreadable: ${(e as Error).message}`, { cause: e });
  }
}
