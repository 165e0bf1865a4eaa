import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeAudio, loadAudio, StreamingDecoder, FFMPEG_PATH } from '../../src/audio/decode.ts';
import { concat, expectCode, peakFrequency, rms } from './helpers.ts';

const run = promisify(execFile);
let dir: string;

// Fixtures: a 1 s, 1 kHz sine of amplitude 0.5 at 48 kHz (44.1 kHz stereo for the WAV), encoded by the same ffmpeg.
const FIXTURES: Record<string, string[]> = {
  'tone.webm': ['-c:a', 'libopus', '-b:a', '64k'],
  'tone.ogg': ['-c:a', 'libvorbis', '-q:a', '5'],
  'tone.opus': ['-c:a', 'libopus', '-b:a', '64k'],
  'tone.mp3': ['-c:a', 'libmp3lame', '-b:a', '128k'],
  'tone.flac': ['-c:a', 'flac'],
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'babelfish-decode-'));
  const src = ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=48000:duration=1', '-af', 'volume=4'];
  await Promise.all(Object.entries(FIXTURES).map(([name, args]) => run(FFMPEG_PATH, [...src, ...args, join(dir, name)])));
  await run(FFMPEG_PATH, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=44100:duration=1', '-af', 'volume=4,pan=stereo|c0=c0|c1=c0', '-c:a', 'pcm_s16le', join(dir, 'tone.wav')]);
  await writeFile(join(dir, 'notes.mp3'), 'this is a shopping list, not an mp3\n');
  await writeFile(join(dir, 'notes.wav'), 'this is a shopping list, not a wav\n');
  await writeFile(join(dir, 'empty.ogg'), '');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectTone(samples: Float32Array, sampleRate = 16000): void {
  // Codecs add priming/padding: allow a few tens of ms either way.
  expect(Math.abs(samples.length - sampleRate)).toBeLessThan(0.08 * sampleRate);
  const a = Math.round(0.2 * sampleRate);
  const b = Math.round(0.7 * sampleRate);
  expect(peakFrequency(samples.subarray(a, b), sampleRate, 980, 1020, 1)).toBe(1000);
  const level = 20 * Math.log10(rms(samples, a, b) / (0.5 / Math.SQRT2));
  expect(Math.abs(level)).toBeLessThan(1);
}

describe('decodeAudio', () => {
  for (const name of [...Object.keys(FIXTURES), 'tone.wav']) {
    it(`decodes ${name} to 16 kHz mono with the tone intact`, async () => {
      const a = await decodeAudio(join(dir, name));
      expect(a.sampleRate).toBe(16000);
      expectTone(a.samples);
    });
  }

  it('takes bytes and streams, giving the same samples as the path', async () => {
    const path = join(dir, 'tone.webm');
    const fromPath = await decodeAudio(path);
    const fromBytes = await decodeAudio(new Uint8Array(await readFile(path)));
    const fromStream = await decodeAudio(createReadStream(path));
    expect(fromBytes.samples).toEqual(fromPath.samples);
    expect(fromStream.samples).toEqual(fromPath.samples);
  });

  it('a source stream that fails mid-way -> DECODE_FAILED', async () => {
    const bytes = await readFile(join(dir, 'tone.webm'));
    const failing = new Readable({
      read() {
        this.push(bytes.subarray(0, 5000));
        this.destroy(new Error('disk on fire'));
      },
    });
    await expectCode(decodeAudio(failing), 'DECODE_FAILED');
  });

  it('honours another output rate', async () => {
    const a = await decodeAudio(join(dir, 'tone.flac'), { sampleRate: 8000 });
    expect(a.sampleRate).toBe(8000);
    expectTone(a.samples, 8000);
  });

  it('garbage -> DECODE_FAILED carrying ffmpeg\'s reason; empty -> EMPTY_AUDIO; missing -> FILE_NOT_FOUND', async () => {
    const e = await expectCode(decodeAudio(new TextEncoder().encode('definitely not an audio file, just words')), 'DECODE_FAILED');
    expect(e.message).toMatch(/invalid data/i);
    await expectCode(decodeAudio(join(dir, 'notes.mp3')), 'DECODE_FAILED');
    await expectCode(decodeAudio(new Uint8Array(0)), 'EMPTY_AUDIO');
    await expectCode(decodeAudio(join(dir, 'empty.ogg')), 'EMPTY_AUDIO');
    await expectCode(decodeAudio(join(dir, 'missing.ogg')), 'FILE_NOT_FOUND');
    await expectCode(decodeAudio(join(dir, 'tone.ogg'), { sampleRate: 0 }), 'BAD_SAMPLE_RATE');
  });
});

describe('loadAudio', () => {
  it('WAV fast path: 44.1 kHz stereo -> 16 kHz mono through wav.ts and the resampler', async () => {
    const a = await loadAudio(join(dir, 'tone.wav'));
    expect(a.sampleRate).toBe(16000);
    expect(a.samples.length).toBe(16000);
    expectTone(a.samples);
  });

  it('other containers go through ffmpeg, even when misnamed .wav', async () => {
    expectTone((await loadAudio(join(dir, 'tone.mp3'))).samples);
    await writeFile(join(dir, 'really-an-mp3.wav'), await readFile(join(dir, 'tone.mp3')));
    expectTone((await loadAudio(join(dir, 'really-an-mp3.wav'))).samples);
  });

  it('a truncated WAV is MALFORMED_WAV, not handed to ffmpeg', async () => {
    const bytes = await readFile(join(dir, 'tone.wav'));
    await writeFile(join(dir, 'cut.wav'), bytes.subarray(0, 1000));
    const e = await expectCode(loadAudio(join(dir, 'cut.wav')), 'MALFORMED_WAV');
    expect(e.message).toMatch(/truncated/);
  });

  it('bad files keep their specific codes', async () => {
    await expectCode(loadAudio(join(dir, 'missing.wav')), 'FILE_NOT_FOUND');
    await expectCode(loadAudio(join(dir, 'notes.wav')), 'MALFORMED_WAV');
    await expectCode(loadAudio(join(dir, 'notes.mp3')), 'DECODE_FAILED');
    await expectCode(loadAudio(join(dir, 'empty.ogg')), 'EMPTY_AUDIO');
    await expectCode(loadAudio(dir), 'BAD_ARGUMENT');
  });
});

describe('StreamingDecoder', () => {
  it('emits audio while the WebM stream is still arriving, and all of it by end()', async () => {
    const bytes = await readFile(join(dir, 'tone.webm'));
    const whole = (await decodeAudio(bytes)).samples;
    const d = new StreamingDecoder();
    const parts: Float32Array[] = [];
    d.onData((s) => parts.push(s));
    for (let i = 0; i < bytes.length; i += 2000) {
      d.push(bytes.subarray(i, i + 2000));
      await new Promise((r) => setTimeout(r, 15));
    }
    await new Promise((r) => setTimeout(r, 300));
    const beforeEnd = parts.reduce((n, p) => n + p.length, 0);
    await d.end();
    const all = concat(parts);
    expect(beforeEnd).toBeGreaterThan(0.5 * whole.length);
    expect(all.length).toBe(whole.length);
    expect(d.samplesOut).toBe(whole.length);
    expectTone(all);
  });

  it('can be consumed as an async iterator', async () => {
    const bytes = await readFile(join(dir, 'tone.ogg'));
    const d = new StreamingDecoder({ inputFormat: 'ogg' });
    const parts: Float32Array[] = [];
    const reading = (async () => {
      for await (const s of d) parts.push(s);
    })();
    d.push(bytes);
    await d.end();
    await reading;
    expectTone(concat(parts));
  });

  it('garbage surfaces as DECODE_FAILED through onError', async () => {
    const d = new StreamingDecoder();
    const errors: Error[] = [];
    d.onError((e) => errors.push(e));
    d.push(new TextEncoder().encode('garbage '.repeat(2000)));
    await d.end();
    expect(errors).toHaveLength(1);
    await expectCode(Promise.reject(errors[0]), 'DECODE_FAILED');
  });

  it('without an error listener, end() rejects with DECODE_FAILED', async () => {
    const d = new StreamingDecoder();
    d.push(new TextEncoder().encode('garbage '.repeat(2000)));
    await expectCode(d.end(), 'DECODE_FAILED');
  });

  it('destroy() kills the ffmpeg child', async () => {
    const d = new StreamingDecoder();
    d.push((await readFile(join(dir, 'tone.webm'))).subarray(0, 3000));
    await new Promise((r) => setTimeout(r, 200));
    const pid = d.pid;
    expect(pid).toBeGreaterThan(0);
    d.destroy();
    let alive = true;
    for (let i = 0; i < 50 && alive; i++) {
      await new Promise((r) => setTimeout(r, 20));
      try {
        process.kill(pid!, 0);
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
    await d.end(); // resolves, no error after a deliberate kill
  });

  it('destroy() right after construction leaves no process behind', async () => {
    const d = new StreamingDecoder();
    d.destroy();
    await d.end(); // waits for the child: would time out if it were left running
    expect(d.samplesOut).toBe(0);
  });

  it('a stream that ends without a byte is empty, not an error', async () => {
    const d = new StreamingDecoder();
    const errors: Error[] = [];
    d.onError((e) => errors.push(e));
    await d.end();
    expect(errors).toEqual([]);
    expect(d.samplesOut).toBe(0);
  });
});
