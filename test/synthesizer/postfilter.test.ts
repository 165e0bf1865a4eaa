import { describe, it, expect, beforeAll } from 'vitest';
import { initBackend } from '../../src/backend.ts';
import { sharpenMel } from '../../models/synthesizer/postfilter.ts';
import { buildSynthesizer } from '../../models/synthesizer/model.ts';
import { TINY } from './fixtures.ts';

beforeAll(async () => {
  await initBackend();
});

describe('sharpenMel', () => {
  it('scales each bin around its mean over the frames (hand-computed)', () => {
    // 3 frames x 2 bins: bin 0 = 1, 2, 6 (mean 3), bin 1 = -4, -4, -4 (flat).
    const mel = Float32Array.from([1, -4, 2, -4, 6, -4]);
    const out = sharpenMel(mel, 3, 2, 1.5);
    expect(Array.from(out)).toEqual([0, -4, 1.5, -4, 7.5, -4]); // 3 + 1.5 * (-2, -1, 3)
    expect(Array.from(mel)).toEqual([1, -4, 2, -4, 6, -4]); // input untouched
    expect(Array.from(sharpenMel(mel, 3, 2, 1))).toEqual(Array.from(mel));
    expect(sharpenMel(new Float32Array(0), 0, 2, 1.3).length).toBe(0);
  });

  it('is applied per sentence by synthesize, leaving the pause between sentences silent', async () => {
    const flat = buildSynthesizer({ ...TINY, numMels: 80, melSharpening: 1 });
    const sharp = buildSynthesizer({ ...TINY, numMels: 80, melSharpening: 2 });
    const text = 'Hola amigo. Buenos días.';
    const a = await flat.synthesize(text, { lang: 'es' });
    const b = await sharp.synthesize(text, { lang: 'es' });
    expect(b.frames).toBe(a.frames);
    const pause = flat.config.sentencePauseFrames;
    // The pause: the frames that are all silence (stored as float32).
    const silence = Math.fround(flat.config.silenceLogMel);
    const silent = (m: Float32Array, t: number) => m.subarray(t * 80, t * 80 + 80).every((v) => v === silence);
    const pauseFrames = [...Array(a.frames).keys()].filter((t) => silent(a.data, t));
    expect(pauseFrames.length).toBe(pause);
    for (const t of pauseFrames) expect(silent(b.data, t)).toBe(true);
    // Elsewhere: per sentence, b = mean + 2 (a - mean).
    const sentences = [[0, pauseFrames[0]], [pauseFrames[pause - 1] + 1, a.frames]];
    for (const [from, to] of sentences) {
      const expected = sharpenMel(a.data.slice(from * 80, to * 80), to - from, 80, 2);
      const got = b.data.slice(from * 80, to * 80);
      for (let i = 0; i < got.length; i += 37) expect(got[i]).toBeCloseTo(expected[i], 4);
    }
    flat.dispose();
    sharp.dispose();
  });
});
