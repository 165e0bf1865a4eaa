import { describe, it, expect } from 'vitest';
import { pcm16ToFloat32, float32ToPcm16, downmix, int16ToBytes } from '../../src/audio/pcm.ts';
import { expectCode } from './helpers.ts';

describe('pcm16', () => {
  it('decodes little-endian signed samples with scale 1/32768', () => {
    // 0x0001 = 1, 0xFFFF = -1, 0x8000 = -32768, 0x7FFF = 32767
    const bytes = new Uint8Array([0x01, 0x00, 0xff, 0xff, 0x00, 0x80, 0xff, 0x7f]);
    expect(Array.from(pcm16ToFloat32(bytes))).toEqual([1 / 32768, -1 / 32768, -1, 32767 / 32768]);
  });

  it('reads from an unaligned view', () => {
    const backing = new Uint8Array([9, 0x00, 0x40]);
    expect(pcm16ToFloat32(backing.subarray(1))[0]).toBe(0.5);
  });

  it('rejects an odd byte count with BAD_FRAME', async () => {
    await expectCode(() => pcm16ToFloat32(new Uint8Array(3)), 'BAD_FRAME');
  });

  it('encodes with rounding and clipping', () => {
    const x = new Float32Array([0, 0.5, -0.5, 1, -1, 2, -2, 1.4 / 32768, 1.6 / 32768, -1.6 / 32768, NaN]);
    expect(Array.from(float32ToPcm16(x))).toEqual([0, 16384, -16384, 32767, -32768, 32767, -32768, 1, 2, -2, 0]);
  });

  it('int16 -> float -> int16 is exact for every value', () => {
    const all = new Int16Array(65536);
    for (let i = 0; i < 65536; i++) all[i] = i - 32768;
    const back = float32ToPcm16(pcm16ToFloat32(int16ToBytes(all)));
    let mismatches = 0;
    for (let i = 0; i < all.length; i++) if (back[i] !== all[i]) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('downmix averages channels', () => {
    expect(Array.from(downmix([new Float32Array([1, 0.5]), new Float32Array([0, -0.5])]))).toEqual([0.5, 0]);
    expect(downmix([])).toHaveLength(0);
  });
});
