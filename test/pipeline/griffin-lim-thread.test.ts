import { afterAll, describe, expect, it } from 'vitest';
import { GriffinLimThread } from '../../src/pipeline/griffin-lim-thread.ts';
import { melToAudio } from '../../src/audio/griffin-lim.ts';
import { logMelSpectrogram } from '../../src/audio/features.ts';
import { DEFAULT_FEATURE_CONFIG } from '../../src/audio/config.ts';

describe('Griffin-Lim on a worker thread', () => {
  const thread = new GriffinLimThread();
  afterAll(() => thread.close());
  const rate = DEFAULT_FEATURE_CONFIG.sampleRate;
  const chirp = new Float32Array(rate).map((_, n) => 0.3 * Math.sin(2 * Math.PI * (300 + 200 * (n / rate)) * (n / rate)));
  const mel = logMelSpectrogram(chirp, DEFAULT_FEATURE_CONFIG);

  it('gives exactly the samples of the inline melToAudio, and leaves the caller its mel', async () => {
    const before = mel.data.slice();
    const audio = await thread.melToAudio(mel, DEFAULT_FEATURE_CONFIG, 8);
    expect(Array.from(audio)).toEqual(Array.from(melToAudio(mel, DEFAULT_FEATURE_CONFIG, 8)));
    expect(mel.data).toEqual(before);
  });

  it('does not block the event loop while it computes', async () => {
    let ticked = false;
    setImmediate(() => (ticked = true));
    let tickedBeforeResult = false;
    await thread.melToAudio(mel, DEFAULT_FEATURE_CONFIG, 16).then(() => (tickedBeforeResult = ticked));
    expect(tickedBeforeResult).toBe(true);
  });

  it('rejects a bad request with its error code and keeps serving', async () => {
    const bad = { data: new Float32Array(10 * 7), frames: 10, bins: 7 };
    await expect(thread.melToAudio(bad, DEFAULT_FEATURE_CONFIG)).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/7 bins/) });
    const several = await Promise.all([1, 2, 3].map(() => thread.melToAudio(mel, DEFAULT_FEATURE_CONFIG, 2)));
    for (const a of several) expect(a.length).toBe(several[0].length);
  });

  it('fails pending requests when closed, and starts again on the next request', async () => {
    const other = new GriffinLimThread();
    const failed = expect(other.melToAudio(mel, DEFAULT_FEATURE_CONFIG, 32)).rejects.toThrow(/closed/);
    await other.close();
    await failed;
    const again = await other.melToAudio(mel, DEFAULT_FEATURE_CONFIG, 1);
    expect(again.length).toBeGreaterThan(0);
    await other.close();
  });
});
