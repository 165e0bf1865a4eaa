/**
 * Initial weights from a seed: every weight, in the stable order of a model's weight list,
 * draws from one mulberry32 stream, so a config's seed fixes the whole initial model. Each
 * model keeps its own rule (which weight gets which scale); this file holds what the rules
 * share.
 */
import { mulberry32 } from '../../src/random.ts';

/** Every weight's name and shape, in the order of the saved weights file. */
export type WeightShapes = [string, number[]][];

/**
 * How one weight starts: a number is the limit of a uniform draw in [-limit, limit); a
 * function fills the values itself from `uniform()` (draws in [-1, 1), in order); undefined
 * leaves zeros.
 */
export type Initializer = number | ((values: Float32Array, uniform: () => number) => void) | undefined;

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Glorot/Xavier uniform limit (Glorot & Bengio 2010): keeps the variance of linear layers' activations. */
export const glorotLimit = (fanIn: number, fanOut: number): number => Math.sqrt(6 / (fanIn + fanOut));

/** He uniform limit (He et al. 2015), for layers followed by a ReLU. */
export const heLimit = (fanIn: number): number => Math.sqrt(6 / fanIn);

/** Layer-norm gains and the like. */
export const ones: Initializer = (values) => void values.fill(1);

export function seededWeights(shapes: WeightShapes, seed: number, rule: (name: string, shape: number[]) => Initializer): Record<string, Float32Array> {
  const rand = mulberry32(seed);
  const uniform = () => 2 * rand() - 1;
  const out: Record<string, Float32Array> = {};
  for (const [name, shape] of shapes) {
    const values = new Float32Array(sizeOf(shape));
    const init = rule(name, shape);
    if (typeof init === 'number') for (let i = 0; i < values.length; i++) values[i] = uniform() * init;
    else if (init) init(values, uniform);
    out[name] = values;
  }
  return out;
}
