import { BabelfishError } from '../errors.ts';

/**
 * PCM16 <-> Float32 uses one symmetric scale, 1/32768, in both directions, so
 * int16 -> float -> int16 is exact (the WAV round trip relies on it).
 */
const SCALE = 32768;

/** Little-endian signed 16-bit PCM bytes to floats in [-1, 1). */
export function pcm16ToFloat32(bytes: Uint8Array): Float32Array {
  if (bytes.length % 2 !== 0)
    throw new BabelfishError('BAD_FRAME', `PCM16 audio must have an even number of bytes, got ${bytes.length}`);
  const n = bytes.length >> 1;
  const out = new Float32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) out[i] = view.getInt16(2 * i, true) / SCALE;
  return out;
}

/** Floats to int16 with rounding to nearest and clipping to [-32768, 32767]; NaN becomes 0. */
export function float32ToPcm16(x: Float32Array): Int16Array {
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = Math.round(x[i]! * SCALE);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v || 0;
  }
  return out;
}

/** Int16 samples as little-endian bytes (what goes into a WAV file or onto the wire). */
export function int16ToBytes(x: Int16Array): Uint8Array {
  const out = new Uint8Array(x.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < x.length; i++) view.setInt16(2 * i, x[i]!, true);
  return out;
}

/** Average of the channels (equal weights); a single channel is returned as a copy. */
export function downmix(channels: Float32Array[]): Float32Array {
  if (channels.length === 0) return new Float32Array(0);
  const n = channels[0]!.length;
  for (const c of channels)
    if (c.length !== n) throw new BabelfishError('BAD_ARGUMENT', `channels differ in length (${n} vs ${c.length})`);
  if (channels.length === 1) return Float32Array.from(channels[0]!);
  const out = new Float32Array(n);
  const g = 1 / channels.length;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (const c of channels) s += c[i]!;
    out[i] = s * g;
  }
  return out;
}
