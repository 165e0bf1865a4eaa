import { describe, expect, it } from 'vitest';
import { stagesFromModels, vocoderKind, type LoadedModels } from '../../src/pipeline/load-stages.ts';
import { logMelSpectrogram } from '../../src/audio/features.ts';
import { synthesizerFeatureConfig } from '../../models/synthesizer/config.ts';
import { BabelfishError } from '../../src/errors.ts';

/** Only what the vocoder stage reads; the other models are never touched here. */
function modelsWithSynthesizer(): LoadedModels {
  const synthesizer = { config: { sampleRate: 16000, numMels: 80, hopMs: 10 }, languages: ['en'], voices: 1 };
  const unused = new Proxy({}, { get: () => { throw new Error('not used by this test'); } });
  return { speechEncoder: { languages: ['en'] }, translator: { languages: ['en'] }, synthesizer, vocoder: unused } as unknown as LoadedModels;
}

/** Frequency of the largest DFT bin (brute force, 1 Hz resolution over a 1 s slice). */
function peakHz(x: Float32Array, rate: number): number {
  let best = 0;
  let bestPower = -1;
  for (let f = 50; f < 2000; f += 1) {
    let re = 0;
    let im = 0;
    for (let n = 0; n < rate; n++) {
      re += x[n]! * Math.cos((2 * Math.PI * f * n) / rate);
      im -= x[n]! * Math.sin((2 * Math.PI * f * n) / rate);
    }
    const p = re * re + im * im;
    if (p > bestPower) [best, bestPower] = [f, p];
  }
  return best;
}

describe('Griffin-Lim vocoder stage', () => {
  it('turns the mel of a 700 Hz tone back into a 700 Hz tone of the same length, in chunks', async () => {
    const rate = 16000;
    const tone = new Float32Array(2 * rate).map((_, n) => 0.3 * Math.sin((2 * Math.PI * 700 * n) / rate));
    const features = synthesizerFeatureConfig({ sampleRate: rate, numMels: 80, hopMs: 10 });
    const mel = logMelSpectrogram(tone, features);
    const stage = stagesFromModels(modelsWithSynthesizer(), { vocoder: 'griffin-lim' }).vocoder;
    expect(stage.sampleRate).toBe(rate);
    const chunks: Float32Array[] = [];
    for await (const c of stage.stream(mel)) chunks.push(c.slice());
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(4000);
    const audio = Float32Array.from(chunks.flatMap((c) => [...c]));
    expect(Math.abs(audio.length - mel.frames * features.hopLength)).toBeLessThanOrEqual(features.winLength);
    // A mel bin near 700 Hz is ~25 Hz wide, so the pitch comes back within a bin.
    expect(Math.abs(peakHz(audio.subarray(rate / 2), rate) - 700)).toBeLessThan(30);
    const rms = Math.sqrt(audio.reduce((s, v) => s + v * v, 0) / audio.length);
    expect(rms).toBeGreaterThan(0.05);
  });

  it('checks --vocoder values', () => {
    expect(vocoderKind(undefined)).toBeUndefined();
    expect(vocoderKind('griffin-lim')).toBe('griffin-lim');
    expect(() => vocoderKind('hifigan')).toThrow(BabelfishError);
    expect(() => vocoderKind('hifigan')).toThrow(/wavenet, griffin-lim/);
  });
});
