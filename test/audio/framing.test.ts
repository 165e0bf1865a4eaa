import { describe, it, expect } from 'vitest';
import { frameSignal, frameSignalFlat, frameCount } from '../../src/audio/framing.ts';
import { expectCode } from './helpers.ts';

describe('framing', () => {
  it('counts non-centred frames', () => {
    expect(frameCount(399, 400, 160)).toBe(0);
    expect(frameCount(400, 400, 160)).toBe(1);
    expect(frameCount(559, 400, 160)).toBe(1);
    expect(frameCount(560, 400, 160)).toBe(2);
    expect(frameCount(16000, 400, 160)).toBe(98); // floor(15600 / 160) + 1
  });

  it('frame i is x[i*hop, i*hop + len)', () => {
    const x = Float32Array.from({ length: 10 }, (_, i) => i);
    const f = frameSignal(x, 4, 3);
    expect(f.map((a) => Array.from(a))).toEqual([
      [0, 1, 2, 3],
      [3, 4, 5, 6],
      [6, 7, 8, 9],
    ]);
    const flat = frameSignalFlat(x, 4, 3);
    expect(flat.frames).toBe(3);
    expect(Array.from(flat.data)).toEqual([0, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 9]);
  });

  it('rejects a zero hop', async () => {
    await expectCode(() => frameSignal(new Float32Array(10), 4, 0), 'BAD_ARGUMENT');
  });
});
