import { describe, it, expect } from 'vitest';
import { melToAudio, melPseudoInverse } from '../../src/audio/griffin-lim.ts';
import { logMelSpectrogram } from '../../src/audio/features.ts';
import { melFilterbank } from '../../src/audio/mel.ts';
import { DEFAULT_FEATURE_CONFIG } from '../../src/audio/config.ts';
import { expectCode, peakFrequency, rms } from './helpers.ts';

describe('Griffin-Lim from mel', () => {
  const sr = 16000;
  const x = new Float32Array(sr);
  for (let i = 0; i < sr; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / sr) + 0.2 * Math.sin((2 * Math.PI * 1700 * i) / sr);
  const mel = logMelSpectrogram(x);
  const y = melToAudio(mel);

  it('has the length of the frames it came from', () => {
    expect(y.length).toBe((mel.frames - 1) * 160 + 400);
  });

  it('keeps the pitch, the loudness (1 dB) and the mel spectrum (linear power within 25%)', () => {
    expect(Math.abs(peakFrequency(y.subarray(4000, 12000), sr, 400, 480, 2) - 440)).toBeLessThanOrEqual(8);
    expect(Math.abs(20 * Math.log10(rms(y, 1000, y.length - 1000) / rms(x, 1000, y.length - 1000)))).toBeLessThan(1);
    const back = logMelSpectrogram(y);
    let err = 0;
    let ref = 0;
    for (let i = 0; i < back.data.length; i++) {
      err += (Math.exp(back.data[i]!) - Math.exp(mel.data[i]!)) ** 2;
      ref += Math.exp(mel.data[i]!) ** 2;
    }
    expect(Math.sqrt(err / ref)).toBeLessThan(0.25);
  });

  it('the pseudo-inverse reproduces mel energies of a smooth spectrum', () => {
    const M = melFilterbank(DEFAULT_FEATURE_CONFIG);
    const P = melPseudoInverse(DEFAULT_FEATURE_CONFIG);
    const power = Float64Array.from({ length: 257 }, (_, k) => 1 + Math.cos(k / 20));
    const mel = M.map((row) => row.reduce((s, w, k) => s + w * power[k]!, 0));
    const back = Array.from({ length: 257 }, (_, k) => mel.reduce((s, m, i) => s + P[k * 80 + i]! * m, 0));
    const mel2 = M.map((row) => row.reduce((s, w, k) => s + w * back[k]!, 0));
    for (let i = 0; i < 80; i++) expect(mel2[i]! / mel[i]!).toBeCloseTo(1, 2);
  });

  it('silence stays silent; a mismatched mel is refused', async () => {
    const z = melToAudio(logMelSpectrogram(new Float32Array(4000)), DEFAULT_FEATURE_CONFIG, 4);
    expect(rms(z)).toBe(0);
    await expectCode(() => melToAudio({ data: new Float32Array(40), frames: 1, bins: 40 }), 'BAD_ARGUMENT');
  });
});
