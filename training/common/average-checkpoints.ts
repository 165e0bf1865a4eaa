/**
 * Checkpoint averaging: the element-wise mean of the weights of several saved folders of one
 * model (the last few checkpoints of a run), as in Vaswani et al. 2017 and Popel & Bojar 2018.
 * The mean of nearby points of one trajectory sits nearer the middle of the valley than any of
 * them, which usually scores a little better at no training cost.
 *
 * Works on any babelfish model folder (model.json = { format, config, weightsManifest } +
 * weights.bin, see models/common/weights-io.ts): the folders must agree on format, config and
 * every weight's name and shape. The output takes the LAST folder's other files (vocabulary,
 * language models, ...) and its config; weights are written as float32.
 */
import * as tf from '@tensorflow/tfjs';
import { cp, readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BabelfishError } from '../../src/errors.ts';
import { writeModelFolder } from '../../models/common/weights-io.ts';

interface Saved {
  dir: string;
  format: string;
  config: unknown;
  indent: 0 | 1;
  specs: tf.io.WeightsManifestEntry[];
  data: ArrayBuffer;
}

/** Optimizer state and run bookkeeping: a checkpoint's, not a model's. */
const NOT_COPIED = new Set(['model.json', 'weights.bin', 'optimizer.bin', 'optimizer.json', 'state.json']);

async function readSaved(dir: string): Promise<Saved> {
  let text: string;
  let data: Buffer;
  try {
    text = await readFile(join(dir, 'model.json'), 'utf8');
    data = await readFile(join(dir, 'weights.bin'));
  } catch (e) {
    throw new BabelfishError('MODEL_NOT_FOUND', `no saved model in ${dir} (model.json + weights.bin)`, { cause: e });
  }
  const m = JSON.parse(text) as { format?: string; config?: unknown; weightsManifest?: tf.io.WeightsManifestConfig };
  if (typeof m.format !== 'string' || !m.config || !m.weightsManifest) throw new BabelfishError('MODEL_INVALID', `${dir}/model.json is not a babelfish model folder`);
  return { dir, format: m.format, config: m.config, indent: text.startsWith('{\n') ? 1 : 0, specs: m.weightsManifest.flatMap((g) => g.weights), data: new Uint8Array(data).buffer };
}

/** Averages the weights of `dirs` (at least one) into the folder `out` (replaced if it exists). */
export async function averageModelFolders(dirs: string[], out: string): Promise<{ weights: number; parameters: number }> {
  if (!dirs.length) throw new BabelfishError('BAD_ARGUMENT', 'average: no model folders given');
  if (dirs.some((d) => resolve(d) === resolve(out))) throw new BabelfishError('BAD_ARGUMENT', `average: the output ${out} is one of the inputs`);
  const saved: Saved[] = [];
  for (const d of dirs) saved.push(await readSaved(d));
  const first = saved[0];
  const layout = (s: Saved) => s.specs.map((w) => `${w.name}:${w.shape.join('x')}`).join(',');
  for (const s of saved.slice(1)) {
    if (s.format !== first.format) throw new BabelfishError('BAD_ARGUMENT', `average: ${s.dir} is a ${s.format}, ${first.dir} a ${first.format}`);
    if (JSON.stringify(s.config) !== JSON.stringify(first.config)) throw new BabelfishError('BAD_ARGUMENT', `average: ${s.dir} and ${first.dir} have different configs`);
    if (layout(s) !== layout(first)) throw new BabelfishError('BAD_ARGUMENT', `average: ${s.dir} and ${first.dir} have different weights (names or shapes)`);
  }

  // Sums in float64 so the mean of many folders loses nothing to rounding.
  const sums = new Map<string, Float64Array>();
  for (const s of saved) {
    const tensors = tf.io.decodeWeights(s.data, s.specs);
    try {
      for (const w of s.specs) {
        const values = tensors[w.name].dataSync();
        let sum = sums.get(w.name);
        if (!sum) sums.set(w.name, (sum = new Float64Array(values.length)));
        for (let i = 0; i < values.length; i++) sum[i] += values[i];
      }
    } finally {
      tf.dispose(Object.values(tensors));
    }
  }
  const last = saved[saved.length - 1];
  const means = first.specs.map((w) => ({ name: w.name, tensor: tf.tensor(Float32Array.from(sums.get(w.name)!, (v) => v / saved.length), w.shape) }));
  try {
    const { data, specs } = await tf.io.encodeWeights(means);
    await rm(out, { recursive: true, force: true });
    await writeModelFolder(out, {
      format: last.format,
      config: last.config,
      data: new Uint8Array(data),
      specs,
      indent: last.indent,
      companions: async (dir) => {
        for (const f of await readdir(last.dir)) if (!NOT_COPIED.has(f)) await cp(join(last.dir, f), join(dir, f), { recursive: true });
      },
    });
  } finally {
    tf.dispose(means.map((m) => m.tensor));
  }
  return { weights: means.length, parameters: [...sums.values()].reduce((n, s) => n + s.length, 0) };
}
