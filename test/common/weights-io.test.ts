import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend.ts';
import { encodeWeights, toHalf } from '../../models/common/weights-io.ts';

beforeAll(async () => {
  await initBackend({ log: () => {} });
});

describe('toHalf', () => {
  it('rounds to IEEE half precision', () => {
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(-2)).toBe(0xc000);
    expect(toHalf(65504)).toBe(0x7bff); // largest half
    expect(toHalf(1e6)).toBe(0x7c00); // overflows to infinity
    expect(toHalf(2 ** -24)).toBe(1); // smallest subnormal
    expect(toHalf(0.333251953125)).toBe(0x3555); // exactly representable
    // halfway between 1 and the next half (1 + 2^-10): ties go to the even mantissa
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00);
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });
});

describe('encodeWeights', () => {
  it('float16 halves the bytes and decodes to within half precision of the float32 weights', async () => {
    const values = Float32Array.from({ length: 48 }, (_, i) => Math.sin(i * 1.7) * 3 ** ((i % 7) - 3));
    const weights = { a: tf.tensor(values.subarray(0, 12), [3, 4]), b: tf.tensor(values.subarray(12), [36]) };
    const shapes: [string, number[]][] = [['a', [3, 4]], ['b', [36]]];
    const full = await encodeWeights(shapes, weights);
    const half = await encodeWeights(shapes, weights, { float16: true });
    expect(full.data.byteLength).toBe(48 * 4);
    expect(half.data.byteLength).toBe(48 * 2);
    expect(half.specs.map((s) => s.quantization?.dtype)).toEqual(['float16', 'float16']);
    const copy = new Uint8Array(half.data); // decodeWeights wants a buffer of its own
    const decoded = tf.io.decodeWeights(copy.buffer, half.specs);
    const got = [...(decoded.a.dataSync() as Float32Array), ...(decoded.b.dataSync() as Float32Array)];
    got.forEach((x, i) => expect(Math.abs(x - values[i])).toBeLessThanOrEqual(Math.abs(values[i]) * 2 ** -11));
    expect(got.some((x, i) => x !== values[i])).toBe(true); // it did round
    tf.dispose([...Object.values(weights), ...Object.values(decoded)]);
  });
});
