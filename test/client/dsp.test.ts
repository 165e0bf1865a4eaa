import { describe, it, expect } from 'vitest';
import { Downsampler, Framer, floatToPcm16, pcm16ToFloat, encodeWav, levelDb } from '../../client/web/dsp.ts';
import { PlaybackQueue } from '../../client/web/playback-queue.ts';

const tone = (f: number, rate: number, n: number, amp = 0.5) => Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * f * i) / rate));

/** Amplitude of frequency f in x by correlation with sin and cos (a one-bin DFT). */
function amplitudeAt(x: Float32Array, f: number, rate: number): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < x.length; i++) {
    s += x[i]! * Math.sin((2 * Math.PI * f * i) / rate);
    c += x[i]! * Math.cos((2 * Math.PI * f * i) / rate);
  }
  return (2 * Math.hypot(s, c)) / x.length;
}

describe('Downsampler (capture worklet)', () => {
  it('48 kHz -> 16 kHz keeps a 1 kHz tone at its level and removes a 12 kHz one', () => {
    const d = new Downsampler(48000, 16000);
    const out = d.push(tone(1000, 48000, 48000));
    expect(out.length).toBeGreaterThan(15900);
    const mid = out.subarray(1000, 15000);
    expect(amplitudeAt(mid, 1000, 16000)).toBeCloseTo(0.5, 2);
    const alias = new Downsampler(48000, 16000).push(tone(12000, 48000, 48000));
    // 12 kHz would fold to 4 kHz; it must be far below the passband level.
    expect(amplitudeAt(alias.subarray(1000, 15000), 4000, 16000)).toBeLessThan(0.5 * 0.01);
  });

  it('gives the same samples for any chunking (44.1 kHz, odd chunk sizes)', () => {
    const x = tone(440, 44100, 20000).map((v, i) => v + 0.1 * Math.sin(i * 0.37));
    const whole = new Downsampler(44100).push(x);
    const d = new Downsampler(44100);
    const parts: number[] = [];
    let i = 0;
    for (const size of [1, 127, 128, 3000, 7, 5000]) {
      parts.push(...d.push(x.subarray(i, i + size)));
      i += size;
    }
    parts.push(...d.push(x.subarray(i)));
    expect(parts.length).toBe(whole.length);
    for (let k = 0; k < whole.length; k++) expect(parts[k]).toBeCloseTo(whole[k]!, 6);
  });
});

describe('framing and PCM16', () => {
  it('cuts 20 ms frames across pushes and keeps the remainder', () => {
    const f = new Framer(320);
    expect(f.push(new Float32Array(100))).toHaveLength(0);
    const frames = f.push(Float32Array.from({ length: 600 }, (_, i) => i));
    expect(frames).toHaveLength(2);
    expect(frames[0]![100]).toBe(0);
    expect(frames[1]![0]).toBe(220); // 320 - 100 samples of the second push went into frame 0
    expect(f.flush()).toHaveLength(60);
  });

  it('PCM16 conversion clips and rounds; the round trip error is at most half a step', () => {
    const x = Float32Array.from([0, 1, -1, 2, -2, 0.5, -0.5, 1e-5]);
    const p = floatToPcm16(x);
    expect(Array.from(p)).toEqual([0, 32767, -32768, 32767, -32768, 16384, -16384, 0]);
    const back = pcm16ToFloat(p.buffer as ArrayBuffer);
    for (let i = 0; i < x.length; i++) expect(Math.abs(back[i]! - Math.max(-1, Math.min(1, x[i]!)))).toBeLessThan(1 / 32768 + 1e-6);
  });

  it('WAV header fields are right and samples follow', () => {
    const wav = new DataView(encodeWav(Float32Array.from([0.25, -0.25]), 16000));
    expect(wav.byteLength).toBe(48);
    expect(wav.getUint32(24, true)).toBe(16000);
    expect(wav.getUint32(40, true)).toBe(4);
    expect(wav.getInt16(44, true)).toBe(8192);
    expect(wav.getInt16(46, true)).toBe(-8192);
  });

  it('level meter: a full-scale sine is -3 dBFS, silence is the floor', () => {
    expect(levelDb(tone(100, 16000, 16000, 1))).toBeCloseTo(-3.01, 1);
    expect(levelDb(new Float32Array(10))).toBe(-100);
  });
});

describe('PlaybackQueue', () => {
  it('schedules chunks back to back with no gap while the queue is fed', () => {
    const q = new PlaybackQueue(0.05);
    const a = q.schedule(1600, 16000, 1.0);
    const b = q.schedule(800, 16000, 1.02);
    expect(a.start).toBeCloseTo(1.05, 9);
    expect(b.start).toBeCloseTo(a.start + 0.1, 9);
    expect(q.queued(1.1)).toBeCloseTo(0.1, 9);
  });

  it('after an underrun restarts ahead of the clock instead of in the past', () => {
    const q = new PlaybackQueue(0.05);
    q.schedule(1600, 16000, 0);
    const late = q.schedule(1600, 16000, 5);
    expect(late.start).toBeCloseTo(5.05, 9);
  });
});
