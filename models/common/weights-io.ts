/**
 * A saved model folder as every babelfish model writes it: `weights.bin` (tfjs weight
 * encoding, in the order of the model's weight list), companion files of the model's own
 * (vocabulary, a readable config), then `model.json` = { format, config, weightsManifest }.
 * model.json goes last and names the weights, so a folder that has it is whole.
 *
 * Also the model side of it: trainable variables from initial values or from a saved folder,
 * named uniquely per process (tfjs variable names are global and several models of a kind
 * may be loaded at once).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BabelfishError } from '../../src/errors.ts';
import { writeAtomic } from '../../src/write-atomic.ts';
import type { WeightShapes } from './init.ts';

export type Variables = Record<string, tf.Variable>;

/** `<prefix><n>/<name>`, n counting every variable made through this namer. */
export function variableNamer(prefix: string): (name: string) => string {
  let n = 0;
  return (name) => `${prefix}${n++}/${name}`;
}

/** Trainable float32 variables holding `init`, in `shapes` order. */
export function initialVariables(shapes: WeightShapes, init: Record<string, Float32Array>, name: (weight: string) => string): Variables {
  const out: Variables = {};
  for (const [w, shape] of shapes) out[w] = tf.tidy(() => tf.variable(tf.tensor(init[w], shape), true, name(w)));
  return out;
}

/**
 * The weights in `shapes` order, tfjs-encoded, with their manifest entries. With `float16` the
 * bytes are IEEE half floats marked as float16-quantised, which tfjs (and `loadVariables`) widen
 * back to float32 on load: half the size on disk, for a relative error of at most 2^-11.
 */
export async function encodeWeights(
  shapes: WeightShapes,
  weights: Record<string, tf.Tensor>,
  options: { float16?: boolean } = {},
): Promise<{ data: Uint8Array; specs: tf.io.WeightsManifestEntry[] }> {
  const encoded = await tf.io.encodeWeights(shapes.map(([name]) => ({ name, tensor: weights[name] })));
  const data = new Uint8Array(encoded.data);
  if (!options.float16) return { data, specs: encoded.specs };
  const f32 = new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4);
  const f16 = new Uint16Array(f32.length);
  for (let i = 0; i < f32.length; i++) f16[i] = toHalf(f32[i]);
  return { data: new Uint8Array(f16.buffer), specs: encoded.specs.map((s) => ({ ...s, quantization: { dtype: 'float16' } })) };
}

/** One float's bits, reused: toHalf runs once per weight of a model. */
const floatBox = new Float32Array(1);
const bitsBox = new Uint32Array(floatBox.buffer);

/** IEEE 754 half from a float (round to nearest even), for float16 weight storage. */
export function toHalf(f: number): number {
  floatBox[0] = f;
  const x = bitsBox[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

export interface ModelFolderContents<C> {
  format: string;
  config: C;
  /** weights.bin's bytes and their manifest entries (see `encodeWeights`). */
  data: Uint8Array;
  specs: tf.io.WeightsManifestEntry[];
  /** model.json's JSON.stringify indent; each model keeps the one its saved folders have. */
  indent: 0 | 1;
  /** Writes the model's own files, after weights.bin and before model.json. */
  companions?: (dir: string) => Promise<void>;
}

export async function writeModelFolder<C>(dir: string, m: ModelFolderContents<C>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeAtomic(join(dir, 'weights.bin'), m.data);
  if (m.companions) await m.companions(dir);
  const manifest = { format: m.format, config: m.config, weightsManifest: [{ paths: ['weights.bin'], weights: m.specs }] };
  await writeAtomic(join(dir, 'model.json'), JSON.stringify(manifest, null, m.indent || undefined) + '\n');
}

export interface ModelFolder<C> {
  dir: string;
  /** model.json's config as saved (the model fills in defaults). */
  config: C;
  specs: tf.io.WeightsManifestEntry[];
  /** weights.bin's bytes. */
  data: ArrayBuffer;
}

/**
 * Reads model.json and weights.bin: MODEL_NOT_FOUND when either is missing (`what` names the
 * model and `files` the folder's files in the message), MODEL_INVALID when model.json is not
 * of `format`.
 */
export async function readModelFolder<C>(dir: string, format: string, what: string, files = 'model.json + weights.bin'): Promise<ModelFolder<C>> {
  let manifest: { format?: string; config?: C; weightsManifest?: tf.io.WeightsManifestConfig };
  let data: Buffer;
  try {
    manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    data = await readFile(join(dir, 'weights.bin'));
  } catch (e) {
    throw new BabelfishError('MODEL_NOT_FOUND', `no ${what} in ${dir} (${files})`, { cause: e });
  }
  if (manifest.format !== format || !manifest.config || !manifest.weightsManifest) {
    throw new BabelfishError('MODEL_INVALID', `${dir}/model.json is not a ${format} model`);
  }
  return { dir, config: manifest.config, specs: manifest.weightsManifest.flatMap((g) => g.weights), data: new Uint8Array(data).buffer };
}

/**
 * The folder's weights as trainable float32 variables (float16-stored weights widen), each
 * checked against `shapes`; MODEL_INVALID, with nothing left allocated, when one is missing,
 * misshapen or the bytes do not match the manifest.
 */
export function loadVariables(folder: ModelFolder<unknown>, shapes: WeightShapes, name: (weight: string) => string): Variables {
  let tensors: tf.NamedTensorMap;
  try {
    tensors = tf.io.decodeWeights(folder.data, folder.specs);
  } catch (e) {
    throw new BabelfishError('MODEL_INVALID', `${folder.dir}/weights.bin does not match model.json`, { cause: e });
  }
  const out: Variables = {};
  try {
    for (const [w, shape] of shapes) {
      const t = tensors[w];
      if (!t || t.shape.join() !== shape.join()) throw new BabelfishError('MODEL_INVALID', `${folder.dir}: weight ${w} missing or not of shape [${shape}]`);
      out[w] = tf.tidy(() => tf.variable(t.dtype === 'float32' ? t : t.toFloat(), true, name(w)));
    }
  } catch (e) {
    tf.dispose(Object.values(out));
    throw e;
  } finally {
    tf.dispose(Object.values(tensors));
  }
  return out;
}
