import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy, isNpy } from '../../src/audio/npy.ts';

describe('.npy', () => {
  it('writes the format numpy reads: magic, version 1.0, 64-byte aligned header, C-order float32', () => {
    const f = { data: Float32Array.from({ length: 6 }, (_, i) => i - 2.5), frames: 3, bins: 2 };
    const bytes = encodeNpy(f);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 78, 85, 77, 80, 89, 1, 0]);
    const hlen = new DataView(bytes.buffer).getUint16(8, true);
    expect((10 + hlen) % 64).toBe(0);
    const header = Buffer.from(bytes.subarray(10, 10 + hlen)).toString('latin1');
    expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(3, 2\), \} *\n$/);
    expect(bytes.length).toBe(10 + hlen + 6 * 4);
    // the data little-endian, row after row
    expect(new DataView(bytes.buffer).getFloat32(10 + hlen + 4, true)).toBe(-1.5);
    const back = decodeNpy(bytes);
    expect([back.frames, back.bins]).toEqual([3, 2]);
    expect(Array.from(back.data)).toEqual([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]);
  });

  it('reads from an unaligned offset and refuses what it cannot read', () => {
    const bytes = encodeNpy({ data: new Float32Array([1, 2, 3, 4]), frames: 2, bins: 2 });
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(Array.from(decodeNpy(shifted.subarray(1)).data)).toEqual([1, 2, 3, 4]);
    // a Node Buffer inside a larger pool (as readFileSync returns small files): slice() is a view there
    const pool = Buffer.alloc(4096, 0xff);
    const inPool = pool.subarray(100, 100 + bytes.length);
    inPool.set(bytes);
    expect(Array.from(decodeNpy(inPool).data)).toEqual([1, 2, 3, 4]);
    expect(isNpy(new Uint8Array(16))).toBe(false);
    expect(() => decodeNpy(new Uint8Array(16))).toThrow(/not an .npy/);
    expect(() => decodeNpy(bytes.subarray(0, bytes.length - 4))).toThrow(/truncated/);
    const f8 = Uint8Array.from(bytes);
    f8.set(Buffer.from("'<f8'", 'latin1'), 10 + 9);
    expect(() => decodeNpy(f8)).toThrow(/unsupported/);
  });
});
