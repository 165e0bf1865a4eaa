import { describe, it, expect } from 'vitest';
import { VoiceActivityDetector, detectSpeechSegments, type VadEvent } from '../../src/audio/vad.ts';
import { expectCode, noise, randomChunks } from './helpers.ts';

const SR = 16000;

/** Tone bursts at the given [start, end) seconds (not frame-aligned), plus white noise of the given RMS. */
function bursts(segments: [number, number][], seconds: number, noiseRms: number, freq = 440): Float32Array {
  const x = noiseRms > 0 ? noise(Math.round(seconds * SR), noiseRms, 17) : new Float32Array(Math.round(seconds * SR));
  for (const [a, b] of segments)
    for (let i = Math.ceil(a * SR); i < b * SR; i++) x[i] += 0.3 * Math.sin((2 * Math.PI * freq * i) / SR);
  return x;
}

/** A crude voiced "syllable" train: a 150 Hz harmonic complex under a raised-cosine envelope. */
function syllables(starts: number[], dur: number, seconds: number): Float32Array {
  const x = new Float32Array(Math.round(seconds * SR));
  for (const s of starts)
    for (let i = Math.ceil(s * SR); i < (s + dur) * SR; i++) {
      const t = i / SR;
      const env = 0.5 - 0.5 * Math.cos((2 * Math.PI * (t - s)) / dur);
      let v = 0;
      for (let h = 1; h <= 20; h++) v += Math.sin(2 * Math.PI * 150 * h * t) / h;
      x[i] = 0.2 * env * v;
    }
  return x;
}

const TRUTH: [number, number][] = [
  [0.5123, 1.5077],
  [2.2311, 3.2042],
];

describe('VAD boundaries', () => {
  for (const noiseRms of [0, 0.003, 0.01]) {
    it(`tone-silence-tone with noise RMS ${noiseRms}: boundaries within 30 ms (true end, hangover excluded)`, () => {
      const segs = detectSpeechSegments(bursts(TRUTH, 3.9, noiseRms), SR);
      expect(segs).toHaveLength(2);
      segs.forEach((s, i) => {
        expect(Math.abs(s.start - TRUTH[i]![0])).toBeLessThan(0.03);
        expect(Math.abs(s.end - TRUTH[i]![1])).toBeLessThan(0.03);
      });
    });
  }

  it('speech-end is emitted one hangover after the true end, and says both', () => {
    const vad = new VoiceActivityDetector({ sampleRate: SR, hangoverMs: 400 });
    const ev = vad.push(bursts(TRUTH, 3.9, 0.003));
    const end = ev.find((e) => e.type === 'speech-end')!;
    expect(Math.abs(end.sample / SR - TRUTH[0]![1])).toBeLessThan(0.03);
    expect((end.decidedAt - end.sample) / SR).toBeCloseTo(0.4, 2);
    const start = ev.find((e) => e.type === 'speech-start')!;
    expect(start.decidedAt).toBeGreaterThan(start.sample);
    expect(ev.map((e) => e.type)).toEqual(['speech-start', 'speech-end', 'speech-start', 'speech-end']);
  });

  it('gaps shorter than the hangover are bridged; longer ones split', () => {
    const x = syllables([0.3, 0.55, 0.8, 1.6], 0.2, 2.2); // gaps of 50 ms, then 600 ms
    const segs = detectSpeechSegments(x, SR, { hangoverMs: 300 });
    expect(segs).toHaveLength(2);
    expect(segs[0]!.start).toBeGreaterThan(0.28);
    expect(segs[0]!.start).toBeLessThan(0.36);
    expect(segs[0]!.end).toBeGreaterThan(0.94);
    expect(segs[0]!.end).toBeLessThan(1.01);
    expect(detectSpeechSegments(x, SR, { hangoverMs: 20 }).length).toBeGreaterThanOrEqual(4);
  });

  it('steady noise, a noise onset and a 10 ms click are not speech', () => {
    expect(detectSpeechSegments(noise(3 * SR, 0.01, 5), SR)).toEqual([]);
    const click = new Float32Array(2 * SR);
    for (let i = SR; i < SR + 160; i++) click[i] = 0.5 * Math.sin(i);
    expect(detectSpeechSegments(click, SR)).toEqual([]);
    // A fan switching on: the floor absorbs it within a fraction of a second.
    const fan = new Float32Array(4 * SR);
    fan.set(noise(3 * SR, 0.01, 6), SR);
    const segs = detectSpeechSegments(fan, SR);
    expect(segs.reduce((s, g) => s + g.end - g.start, 0)).toBeLessThan(0.3);
  });

  it('speech running to the end of the signal is closed at its last voiced frame', () => {
    const segs = detectSpeechSegments(bursts([[0.2, 1.0]], 1.0, 0), SR);
    expect(segs).toHaveLength(1);
    expect(segs[0]!.end).toBeCloseTo(1.0, 2);
  });
});

describe('VAD streaming', () => {
  it('the same events for any chunking (1..3000 samples)', () => {
    const x = bursts(TRUTH, 3.9, 0.005);
    const whole = new VoiceActivityDetector().push(x);
    expect(whole.length).toBe(4);
    for (const [seed, lo, hi] of [[1, 1, 3000], [2, 1, 50], [3, 160, 160]] as const) {
      const vad = new VoiceActivityDetector();
      const ev: VadEvent[] = [];
      for (const c of randomChunks(x, lo, hi, seed)) ev.push(...vad.push(c));
      expect(ev).toEqual(whole);
    }
  });

  it('reset starts afresh', () => {
    const x = bursts(TRUTH, 3.9, 0.005);
    const vad = new VoiceActivityDetector();
    vad.push(x.subarray(0, 20000));
    vad.reset();
    expect(vad.push(x)).toEqual(new VoiceActivityDetector().push(x));
  });

  it('rejects a 0 Hz sample rate', async () => {
    await expectCode(() => new VoiceActivityDetector({ sampleRate: 0 }), 'BAD_SAMPLE_RATE');
  });

  it('works at 8 kHz too', () => {
    const x = new Float32Array(8000 * 2);
    for (let i = 4000; i < 12000; i++) x[i] = 0.3 * Math.sin((2 * Math.PI * 300 * i) / 8000);
    const segs = detectSpeechSegments(x, 8000);
    expect(segs).toHaveLength(1);
    expect(segs[0]!.start).toBeCloseTo(0.5, 1);
    expect(segs[0]!.end).toBeCloseTo(1.5, 1);
  });
});
