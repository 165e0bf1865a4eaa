import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wav from 'node-wav';
import { decodeWav, encodeWav, readWav, writeWav } from '../../src/audio/wav.ts';
import { float32ToPcm16, int16ToBytes, pcm16ToFloat32 } from '../../src/audio/pcm.ts';
import { expectCode, rng } from './helpers.ts';

/** A canonical PCM16 WAV built by hand, byte by byte (independent of wav.ts). */
function handWav(samples: Int16Array, sampleRate: number, channels = 1): Uint8Array {
  const data = int16ToBytes(samples);
  const b = Buffer.alloc(44 + data.length);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(36 + data.length, 4);
  b.write('WAVEfmt ', 8, 'latin1');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(channels, 22);
  b.writeUInt32LE(sampleRate, 24);
  b.writeUInt32LE(sampleRate * 2 * channels, 28);
  b.writeUInt16LE(2 * channels, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(data.length, 40);
  b.set(data, 44);
  return b;
}

function randomInt16(n: number, seed: number): Int16Array {
  const r = rng(seed);
  const x = new Int16Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.floor(r() * 65536) - 32768;
  x[0] = -32768;
  x[1] = 32767;
  return x;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'babelfish-wav-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('WAV round trip', () => {
  it('PCM16 bytes -> decodeWav -> encodeWav is bit-exact', () => {
    const ints = randomInt16(10007, 1);
    const bytes = handWav(ints, 22050);
    const { sampleRate, channels } = decodeWav(bytes);
    expect(sampleRate).toBe(22050);
    expect(channels).toHaveLength(1);
    expect(float32ToPcm16(channels[0]!)).toEqual(ints);
    expect(Buffer.compare(encodeWav(channels[0]!, sampleRate), Buffer.from(bytes))).toBe(0);
  });

  it('writeWav/readWav keeps every PCM16 value and leaves no temporary file', async () => {
    const x = pcm16ToFloat32(int16ToBytes(randomInt16(4000, 2)));
    const path = join(dir, 'rt.wav');
    await writeWav(path, x, 16000);
    const a = await readWav(path);
    expect(a.sampleRate).toBe(16000);
    expect(a.samples).toEqual(x);
    expect(await readdir(dir)).toEqual(['rt.wav']);
  });

  it('stereo is downmixed by readWav', async () => {
    const inter = new Int16Array([1000, 3000, -2000, 2000]);
    const path = join(dir, 'stereo.wav');
    await writeFile(path, handWav(inter, 8000, 2));
    const a = await readWav(path);
    expect(Array.from(a.samples)).toEqual([2000 / 32768, 0]);
  });

  it('reads 24-bit and float WAVs (through node-wav) and skips unknown chunks', () => {
    const x = new Float32Array([0.25, -0.5, 0.75]);
    for (const opts of [{ bitDepth: 24 }, { float: true }, { bitDepth: 32 }]) {
      const enc = new Uint8Array(wav.encode([x], { sampleRate: 44100, ...opts }));
      const withList = Buffer.concat([enc.subarray(0, 36), Buffer.from('LIST\x03\x00\x00\x00abc\x00', 'latin1'), enc.subarray(36)]);
      withList.writeUInt32LE(withList.length - 8, 4);
      for (const b of [enc, withList]) {
        const d = decodeWav(b);
        expect(d.sampleRate).toBe(44100);
        for (let i = 0; i < 3; i++) expect(d.channels[0]![i]).toBeCloseTo(x[i]!, 5);
      }
    }
  });
});

describe('WAV bad input', () => {
  const good = handWav(randomInt16(1000, 3), 16000);

  it('empty buffer -> EMPTY_AUDIO', async () => {
    await expectCode(() => decodeWav(new Uint8Array(0)), 'EMPTY_AUDIO');
  });

  it('a text file renamed .wav -> MALFORMED_WAV naming what it found', async () => {
    const path = join(dir, 'notes.wav');
    await writeFile(path, 'Dear diary, today I wrote a test.\n');
    const e = await expectCode(readWav(path), 'MALFORMED_WAV');
    expect(e.message).toContain('notes.wav');
    expect(e.message).toContain('Dear diary');
  });

  it('truncated WAV (data cut short) -> MALFORMED_WAV', async () => {
    const e = await expectCode(() => decodeWav(good.subarray(0, 44 + 500)), 'MALFORMED_WAV');
    expect(e.message).toMatch(/truncated/);
  });

  it('truncated inside the header -> MALFORMED_WAV', async () => {
    for (const n of [4, 11, 20, 30, 40]) await expectCode(() => decodeWav(good.subarray(0, n)), 'MALFORMED_WAV');
  });

  it('0 Hz sample rate -> BAD_SAMPLE_RATE', async () => {
    const b = Buffer.from(good);
    b.writeUInt32LE(0, 24);
    await expectCode(() => decodeWav(b), 'BAD_SAMPLE_RATE');
    await expectCode(() => encodeWav(new Float32Array(4), 0), 'BAD_SAMPLE_RATE');
  });

  it('zero channels, inconsistent block align -> MALFORMED_WAV; ADPCM -> UNSUPPORTED_AUDIO', async () => {
    const zeroCh = Buffer.from(good);
    zeroCh.writeUInt16LE(0, 22);
    await expectCode(() => decodeWav(zeroCh), 'MALFORMED_WAV');
    const align = Buffer.from(good);
    align.writeUInt16LE(3, 32);
    await expectCode(() => decodeWav(align), 'MALFORMED_WAV');
    const adpcm = Buffer.from(good);
    adpcm.writeUInt16LE(2, 20);
    await expectCode(() => decodeWav(adpcm), 'UNSUPPORTED_AUDIO');
  });

  it('missing file -> FILE_NOT_FOUND', async () => {
    await expectCode(readWav(join(dir, 'nope.wav')), 'FILE_NOT_FOUND');
  });

  it('a data size of 0xFFFFFFFF (streaming writer) reads to the end', () => {
    const b = Buffer.from(good);
    b.writeUInt32LE(0xffffffff, 40);
    expect(decodeWav(b).channels[0]).toHaveLength(1000);
  });

  it('the written file is a canonical 44-byte-header WAV', async () => {
    const path = join(dir, 'canon.wav');
    await writeWav(path, new Float32Array([0.5, -0.5]), 16000);
    const b = await readFile(path);
    expect(b.length).toBe(48);
    expect(b.toString('latin1', 0, 4)).toBe('RIFF');
    expect(b.readUInt32LE(24)).toBe(16000);
    expect(b.readInt16LE(44)).toBe(16384);
    expect(b.readInt16LE(46)).toBe(-16384);
  });
});
