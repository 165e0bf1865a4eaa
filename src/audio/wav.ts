/**
 * WAV files. The header is validated here first, chunk by chunk, so that every
 * malformed file fails with a code and a sentence (node-wav alone reads past
 * the end, or throws a bare TypeError). PCM16, the format everything here
 * writes, is converted by pcm.ts with one symmetric 1/32768 scale, which makes
 * the int16 -> float -> int16 round trip bit-exact; node-wav scales positive
 * samples by 1/32767 and truncates when encoding, which would not be. Other
 * sample formats (8/24/32-bit integer, 32/64-bit float) go through node-wav.
 */
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import wav from 'node-wav';
import { BabelfishError } from '../errors.ts';
import { downmix, float32ToPcm16, pcm16ToFloat32 } from './pcm.ts';
import type { AudioData } from './types.ts';

export interface WavFormat {
  /** 1 = integer PCM, 3 = IEEE float (WAVE_FORMAT_EXTENSIBLE resolved to its subformat). */
  format: 1 | 3;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign: number;
  /** Byte offset and length of the sample data within the buffer. */
  dataOffset: number;
  dataLength: number;
}

const FORMAT_NAMES: Record<number, string> = { 2: 'Microsoft ADPCM', 6: 'A-law', 7: 'mu-law', 0x11: 'IMA ADPCM', 0x55: 'MP3' };

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
}

function printable(s: string): string {
  return JSON.stringify(s.replace(/[^\x20-\x7e]/g, '?'));
}

/** Validates the RIFF/WAVE structure and returns where the samples are; throws BabelfishError on anything wrong. */
export function parseWavHeader(buf: Uint8Array): WavFormat {
  if (buf.length === 0) throw new BabelfishError('EMPTY_AUDIO', 'the audio is empty (0 bytes)');
  if (buf.length < 12 || fourcc(buf, 0) !== 'RIFF' || fourcc(buf, 8) !== 'WAVE') {
    const head = new TextDecoder().decode(buf.subarray(0, Math.min(12, buf.length)));
    throw new BabelfishError('MALFORMED_WAV', `not a WAV file: it should start with "RIFF....WAVE" but starts with ${printable(head)}`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 12;
  let fmt: Omit<WavFormat, 'dataOffset' | 'dataLength'> | null = null;
  while (pos + 8 <= buf.length) {
    const id = fourcc(buf, pos);
    const size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    const remaining = buf.length - body;
    if (id === 'fmt ') {
      if (size < 16 || remaining < 16)
        throw new BabelfishError('MALFORMED_WAV', `malformed WAV: the "fmt " chunk is ${Math.min(size, remaining)} bytes, at least 16 are needed`);
      let format = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const sampleRate = view.getUint32(body + 4, true);
      const blockAlign = view.getUint16(body + 12, true);
      const bitsPerSample = view.getUint16(body + 14, true);
      if (format === 0xfffe) {
        if (size < 40 || remaining < 40) throw new BabelfishError('MALFORMED_WAV', 'malformed WAV: WAVE_FORMAT_EXTENSIBLE header is shorter than 40 bytes');
        format = view.getUint16(body + 24, true); // first two bytes of the subformat GUID
      }
      if (format !== 1 && format !== 3)
        throw new BabelfishError('UNSUPPORTED_AUDIO', `WAV sample format ${FORMAT_NAMES[format] ?? `0x${format.toString(16)}`} is not PCM or float; convert it with ffmpeg first`);
      if (channels === 0) throw new BabelfishError('MALFORMED_WAV', 'malformed WAV: the header says 0 channels');
      if (sampleRate === 0) throw new BabelfishError('BAD_SAMPLE_RATE', 'WAV header gives a sample rate of 0 Hz');
      const okBits = format === 1 ? [8, 16, 24, 32] : [32, 64];
      if (!okBits.includes(bitsPerSample))
        throw new BabelfishError('UNSUPPORTED_AUDIO', `WAV with ${bitsPerSample}-bit ${format === 1 ? 'integer' : 'float'} samples is not supported (use ${okBits.join('/')}-bit)`);
      if (blockAlign !== (channels * bitsPerSample) / 8)
        throw new BabelfishError('MALFORMED_WAV', `malformed WAV: block align ${blockAlign} does not match ${channels} channel(s) of ${bitsPerSample} bits`);
      fmt = { format, channels, sampleRate, bitsPerSample, blockAlign };
    } else if (id === 'data') {
      if (!fmt) throw new BabelfishError('MALFORMED_WAV', 'malformed WAV: the "data" chunk comes before the "fmt " chunk');
      let length = size;
      // Streaming writers that cannot seek back leave the size at 0xFFFFFFFF: read to the end.
      if (size === 0xffffffff) length = remaining;
      else if (size > remaining)
        throw new BabelfishError('MALFORMED_WAV', `truncated WAV: the data chunk declares ${size} bytes but only ${remaining} follow`);
      length -= length % fmt.blockAlign; // a partial last frame is dropped
      return { ...fmt, dataOffset: body, dataLength: length };
    }
    pos = body + size + (size & 1); // chunks are padded to even length
  }
  if (!fmt) throw new BabelfishError('MALFORMED_WAV', 'malformed WAV: no "fmt " chunk (the file may be truncated)');
  throw new BabelfishError('MALFORMED_WAV', 'malformed WAV: no "data" chunk (the file may be truncated)');
}

/** All channels as floats in [-1, 1]. */
export function decodeWav(buf: Uint8Array): { sampleRate: number; channels: Float32Array[] } {
  const f = parseWavHeader(buf);
  const frames = f.dataLength / f.blockAlign;
  const data = buf.subarray(f.dataOffset, f.dataOffset + f.dataLength);
  if (f.format === 1 && f.bitsPerSample === 16) {
    const interleaved = pcm16ToFloat32(data);
    const channels = Array.from({ length: f.channels }, () => new Float32Array(frames));
    for (let i = 0, k = 0; i < frames; i++) for (let c = 0; c < f.channels; c++) channels[c]![i] = interleaved[k++]!;
    return { sampleRate: f.sampleRate, channels };
  }
  // node-wav wants a canonical file in its own, aligned ArrayBuffer (its typed-array views need it).
  const canon = new Uint8Array(44 + f.dataLength);
  canon.set(canonicalHeader(f.format, f.channels, f.sampleRate, f.bitsPerSample, f.dataLength));
  canon.set(data, 44);
  const decoded = wav.decode(canon.buffer);
  return { sampleRate: decoded.sampleRate, channels: decoded.channelData.map((c) => c.subarray(0, frames)) };
}

function canonicalHeader(format: number, channels: number, sampleRate: number, bits: number, dataLength: number): Uint8Array {
  const h = new Uint8Array(44);
  const v = new DataView(h.buffer);
  const str = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) h[at + i] = s.charCodeAt(i);
  };
  const blockAlign = (channels * bits) / 8;
  str(0, 'RIFF');
  v.setUint32(4, 36 + dataLength, true);
  str(8, 'WAVE');
  str(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, format, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * blockAlign, true);
  v.setUint16(32, blockAlign, true);
  v.setUint16(34, bits, true);
  str(36, 'data');
  v.setUint32(40, dataLength, true);
  return h;
}

function checkRate(sampleRate: number): void {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > 0xffffffff / 2)
    throw new BabelfishError('BAD_SAMPLE_RATE', `a WAV sample rate must be a positive whole number of Hz, got ${sampleRate}`);
}

/** Mono PCM16 WAV (rounded, clipped to [-1, 1)). */
export function encodeWav(samples: Float32Array, sampleRate: number): Buffer {
  checkRate(sampleRate);
  const pcm = float32ToPcm16(samples);
  const out = Buffer.alloc(44 + pcm.length * 2);
  out.set(canonicalHeader(1, 1, sampleRate, 16, pcm.length * 2));
  for (let i = 0; i < pcm.length; i++) out.writeInt16LE(pcm[i]!, 44 + 2 * i);
  return out;
}

/** A WAV file, downmixed to mono at its own rate. */
export async function readWav(path: string): Promise<AudioData> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new BabelfishError('FILE_NOT_FOUND', `no such file: ${path}`, { cause: e });
    throw new BabelfishError('FILE_NOT_FOUND', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const { sampleRate, channels } = decodeWav(buf);
    return { samples: downmix(channels), sampleRate };
  } catch (e) {
    if (e instanceof BabelfishError) throw new BabelfishError(e.code, `${path}: ${e.message}`, { cause: e });
    throw e;
  }
}

/** Writes a mono PCM16 WAV atomically: a temporary file in the same folder, then a rename. */
export async function writeWav(path: string, samples: Float32Array, sampleRate: number): Promise<void> {
  const data = encodeWav(samples, sampleRate);
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}
