import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend.ts';

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
});

/** x[begin : begin + size] by plain index arithmetic, the reference for the kernels. */
function referenceSlice(values: ArrayLike<number>, shape: number[], begin: number[], size: number[]): number[] {
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const out: number[] = [];
  const walk = (d: number, offset: number) => {
    if (d === shape.length) {
      out.push(values[offset]);
      return;
    }
    for (let i = 0; i < size[d]; i++) walk(d + 1, offset + (begin[d] + i) * strides[d]);
  };
  walk(0, 0);
  return out;
}

const cases: [number[], number[], number[]][] = [
  [[10], [3], [4]],
  [[4, 6], [1, 0], [2, 6]], // rows: contiguous
  [[4, 6], [1, 2], [3, 3]], // a block: strided
  [[3, 4, 5], [1, 0, 0], [1, 4, 5]], // one step of a time-major tensor
  [[3, 4, 5], [0, 1, 2], [3, 2, 3]],
  [[2, 3, 4, 5], [1, 1, 0, 1], [1, 2, 4, 3]],
  [[2, 2, 3, 2, 3], [0, 1, 1, 0, 1], [2, 1, 2, 2, 2]], // rank 5
  [[4, 6], [2, 3], [0, 3]], // empty
];

describe('WASM Slice / Unpack / SplitV kernels that read their input in place', () => {
  it('are the kernels the WASM backend runs', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect((tf.getKernel('Slice', 'wasm')!.kernelFunc as { inPlace?: boolean }).inPlace).toBe(true);
  });

  it.each(cases)('slice of %j at %j size %j equals index arithmetic, float32 and int32', (shape, begin, size) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: n }, (_, i) => i * 1.5 - 7);
    const ints = Array.from({ length: n }, (_, i) => i * 3 - 11);
    const f = tf.tensor(values, shape);
    const k = tf.tensor(ints, shape, 'int32');
    expect(Array.from(tf.slice(f, begin, size).dataSync())).toEqual(referenceSlice(values, shape, begin, size));
    expect(Array.from(tf.slice(k, begin, size).dataSync())).toEqual(referenceSlice(ints, shape, begin, size));
    expect(tf.slice(f, begin, size).shape).toEqual(size);
    tf.dispose([f, k]);
  });

  it('bool tensors slice too, and strings still go through the original kernel', () => {
    const b = tf.tensor([true, false, false, true, true, false], [2, 3], 'bool');
    expect(Array.from(tf.slice(b, [0, 1], [2, 2]).dataSync())).toEqual([0, 0, 1, 0]);
    const s = tf.tensor(['a', 'b', 'c', 'd'], [2, 2], 'string');
    expect(tf.slice(s, [1, 0], [1, 2]).arraySync()).toEqual([['c', 'd']]);
    tf.dispose([b, s]);
  });

  it('unstack along every axis and split into equal and unequal parts match slices', () => {
    const shape = [3, 4, 5];
    const values = Array.from({ length: 60 }, (_, i) => i);
    const x = tf.tensor(values, shape);
    for (let axis = 0; axis < 3; axis++) {
      const parts = tf.unstack(x, axis);
      expect(parts.length).toBe(shape[axis]);
      parts.forEach((p, i) => {
        const begin = [0, 0, 0];
        const size = shape.slice();
        begin[axis] = i;
        size[axis] = 1;
        expect(p.shape).toEqual(shape.filter((_, d) => d !== axis));
        expect(Array.from(p.dataSync())).toEqual(referenceSlice(values, shape, begin, size));
      });
    }
    const [a, b, c] = tf.split(x, [1, 2, 1], 1);
    expect(Array.from(a.dataSync())).toEqual(referenceSlice(values, shape, [0, 0, 0], [3, 1, 5]));
    expect(Array.from(b.dataSync())).toEqual(referenceSlice(values, shape, [0, 1, 0], [3, 2, 5]));
    expect(Array.from(c.dataSync())).toEqual(referenceSlice(values, shape, [0, 3, 0], [3, 1, 5]));
    const halves = tf.split(x, 5, 2);
    expect(Array.from(halves[4].dataSync())).toEqual(referenceSlice(values, shape, [0, 0, 4], [3, 4, 1]));
    tf.dispose(x);
  });

  it('a slice whose output makes the heap grow still reads its input (views are taken after allocating)', () => {
    // a 64 MB input and a nearly as large slice: the slice's own allocation must grow the heap
    const n = 16 * 1024 * 1024;
    const x = tf.range(0, n, 1, 'int32');
    const part = tf.slice(x, [5], [n - 5]);
    const v = part.dataSync();
    expect([v[0], v[1000], v[n - 6]]).toEqual([5, 1005, n - 1]);
    tf.dispose([x, part]);
  });
});
