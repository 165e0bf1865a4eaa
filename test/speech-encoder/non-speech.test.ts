import { describe, it, expect } from 'vitest';
import { NON_SPEECH_KINDS, nonSpeechClip, nonSpeechClips } from '../../training/speech-encoder/non-speech.ts';
import { nonSpeechExtras, type Utterance } from '../../training/speech-encoder/data.ts';
import { evaluateNonSpeech, formatNonSpeech, NON_SPEECH_EVAL_SEED } from '../../training/speech-encoder/eval.ts';
import type { SpeechEncoder } from '../../models/speech-encoder/model.ts';
import { mulberry32 } from '../../src/random.ts';

const SR = 16000;
const rmsDb = (x: Float32Array, from = 0, to = x.length) => {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return 10 * Math.log10(s / (to - from));
};

/** Power of `x` at `hz` (one DFT bin, Hann window), relative to the mean power over 100-1000 Hz. */
function peakRatioDb(x: Float32Array, hz: number): number {
  const n = 8192;
  const power = (f: number) => {
    let re = 0;
    let im = 0;
    for (let i = 0; i < n; i++) {
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
      re += w * x[i] * Math.cos((2 * Math.PI * f * i) / SR);
      im -= w * x[i] * Math.sin((2 * Math.PI * f * i) / SR);
    }
    return re * re + im * im;
  };
  let mean = 0;
  let count = 0;
  for (let f = 103; f < 1000; f += 37) {
    mean += power(f);
    count++;
  }
  return 10 * Math.log10(power(hz) / (mean / count));
}

describe('non-speech clips', () => {
  it('are a pure function of (seed, index), cycle through the kinds, and keep to the length bounds', () => {
    const a = nonSpeechClips(3, 8, { sampleRate: SR, minSeconds: 0.5, maxSeconds: 2 });
    const b = nonSpeechClips(3, 8, { sampleRate: SR, minSeconds: 0.5, maxSeconds: 2 });
    expect(a.map((c) => c.kind)).toEqual([...NON_SPEECH_KINDS, ...NON_SPEECH_KINDS]);
    a.forEach((c, i) => {
      expect(c.samples).toEqual(b[i].samples);
      expect(c.samples.length).toBeGreaterThanOrEqual(0.5 * SR);
      expect(c.samples.length).toBeLessThanOrEqual(2 * SR);
      expect(c.samples.every((v) => Number.isFinite(v) && Math.abs(v) <= 1)).toBe(true);
    });
    expect(nonSpeechClip(4, 0, { sampleRate: SR }).samples).not.toEqual(nonSpeechClip(3, 0, { sampleRate: SR }).samples);
  });

  it('have the levels and character each kind promises', () => {
    const clips = nonSpeechClips(11, 40, { sampleRate: SR, minSeconds: 1, maxSeconds: 2 });
    for (const c of clips) {
      const db = rmsDb(c.samples);
      if (c.kind === 'silence') expect(db).toBeLessThan(-65);
      // A swell of up to +-50% moves the level by a few dB around the drawn -60..-20 dBFS.
      if (c.kind === 'noise') expect(db).toBeGreaterThan(-66), expect(db).toBeLessThan(-16);
      if (c.kind === 'hum') {
        expect(db).toBeGreaterThan(-56);
        expect(db).toBeLessThan(-24);
        // A mains buzz: the fundamental stands far above the spectrum between harmonics.
        expect(Math.max(peakRatioDb(c.samples, 50), peakRatioDb(c.samples, 60))).toBeGreaterThan(20);
      }
      if (c.kind === 'bursts') {
        // Loud short events over a quiet bed (at least 25 dB above it at their onset): the loudest 20 ms stands out.
        const blocks: number[] = [];
        for (let i = 0; i + 320 <= c.samples.length; i += 320) blocks.push(rmsDb(c.samples, i, i + 320));
        blocks.sort((x, y) => x - y);
        expect(blocks.at(-1)! - blocks[blocks.length >> 1]).toBeGreaterThan(15);
      }
    }
  });

  it('are added to a batch at the asked rate, cropped to the batch length, with empty targets', () => {
    const bins = 2;
    const pool: Utterance[] = [10, 50].map((frames, p) => ({
      id: `clip${p}`,
      lang: '',
      text: '',
      labels: [],
      frames,
      features: { data: Float32Array.from({ length: frames * bins }, (_, i) => p * 1000 + i), frames, bins },
    }));
    const rand = mulberry32(5);
    let total = 0;
    for (let trial = 0; trial < 400; trial++) {
      const extras = nonSpeechExtras(pool, 20, 30, 0.125, rand);
      total += extras.length;
      for (const e of extras) {
        expect(e.labels).toEqual([]);
        expect(e.frames).toBeLessThanOrEqual(30);
        expect(e.features!.frames).toBe(e.frames);
        // A contiguous run of whole frames of one pool clip.
        const src = pool.find((u) => u.id === e.id.split('@')[0])!;
        const start = Number(e.id.split('@')[1]);
        expect(e.frames).toBe(Math.min(src.frames, 30));
        expect(Array.from(e.features!.data)).toEqual(Array.from(src.features!.data.subarray(start * bins, (start + e.frames) * bins)));
      }
    }
    // 20 * 0.125 = 2.5 per batch on average (randomly rounded to 2 or 3).
    expect(total / 400).toBeGreaterThan(2.35);
    expect(total / 400).toBeLessThan(2.65);
    expect(nonSpeechExtras(pool, 20, 30, 0, rand)).toEqual([]);
    expect(nonSpeechExtras([], 20, 30, 0.5, rand)).toEqual([]);
  });

  it('evaluation counts clips with text and characters per second of audio', async () => {
    // A stand-in recogniser that writes "abc" on clips longer than 3 s and nothing otherwise.
    const fake = { sampleRate: SR, transcribe: async (x: Float32Array) => ({ text: x.length > 3 * SR ? 'abc' : '' }) } as unknown as SpeechEncoder;
    const clips = nonSpeechClips(NON_SPEECH_EVAL_SEED, 12, { sampleRate: SR });
    const long = clips.filter((c) => c.samples.length > 3 * SR);
    const seconds = clips.reduce((s, c) => s + c.samples.length / SR, 0);
    const r = await evaluateNonSpeech(fake, 12);
    expect(r.clips).toBe(12);
    expect(r.withText).toBe(long.length);
    expect(r.charsPerSecond).toBeCloseTo((3 * long.length) / seconds, 9);
    for (const kind of NON_SPEECH_KINDS) {
      expect(r.perKind[kind].clips).toBe(3);
      expect(r.perKind[kind].withText).toBe(long.filter((c) => c.kind === kind).length);
    }
    expect(formatNonSpeech(r)).toContain(`non-speech clips with text: ${long.length}/12 (noise `);
  });
});
