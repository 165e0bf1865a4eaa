import { describe, it, expect } from 'vitest';
import { translateAudio } from '../../src/pipeline/translate-audio.ts';
import { TranslationSession } from '../../src/pipeline/session.ts';
import { FairScheduler } from '../../src/pipeline/scheduler.ts';
import { fakeStages } from '../helpers/fake-stages.ts';

const RATE = 16000;
function burst(seconds: number): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * RATE) }, (_, i) => {
    const t = i / RATE;
    let v = 0;
    for (let h = 1; h <= 10; h++) v += Math.sin(2 * Math.PI * 120 * h * t) / h;
    return 0.2 * v * (0.6 + 0.4 * Math.sin(2 * Math.PI * 4 * t));
  });
}
function join(...parts: Float32Array[]) {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
}
const silence = (s: number) => new Float32Array(Math.round(s * RATE));

describe('streaming session endpointing', () => {
  it('splits speech at silences into ordered utterances with the right boundaries', async () => {
    // speech 0.5-1.7 s, silence, speech 2.7-3.5 s
    const audio = join(silence(0.5), burst(1.2), silence(1.0), burst(0.8), silence(1.0));
    const r = await translateAudio(fakeStages(), audio, { from: 'en', to: 'es', endSilenceMs: 500 });
    expect(r.errors).toEqual([]);
    expect(r.utterances.map((u) => u.utterance)).toEqual([0, 1]);
    const [a, b] = r.utterances;
    expect(a!.start).toBeGreaterThan(0.45);
    expect(a!.start).toBeLessThan(0.56);
    expect(b!.start).toBeGreaterThan(2.65);
    expect(b!.start).toBeLessThan(2.76);
    // Each recogniser heard its burst (plus pre-roll and some of the hangover), not the other one.
    const heard = (u: typeof a) => Number(/heard (\d+)/.exec(u!.transcript)![1]) / RATE;
    expect(heard(a)).toBeGreaterThan(1.2);
    expect(heard(a)).toBeLessThan(1.2 + 0.2 + 0.6);
    expect(heard(b)).toBeGreaterThan(0.8);
    expect(heard(b)).toBeLessThan(0.8 + 0.2 + 0.6);
    expect(a!.translation).toBe(`[en->es] ${a!.transcript}`);
    // The joined output is both utterances' speech with a gap between.
    expect(r.audio.length).toBe(a!.audio.length + b!.audio.length + Math.round(0.3 * 16000));
    expect(a!.timings!.firstAudio).toBeGreaterThanOrEqual(0);
  });

  it('the same events for 20 ms chunks and 1 s chunks', async () => {
    const audio = join(silence(0.3), burst(1.0), silence(0.8));
    const small = await translateAudio(fakeStages(), audio, { from: 'en', to: 'fr', chunkMs: 20 });
    const large = await translateAudio(fakeStages(), audio, { from: 'en', to: 'fr', chunkMs: 1000 });
    expect(small.utterances.map((u) => [u.transcript, u.start])).toEqual(large.utterances.map((u) => [u.transcript, u.start]));
  });

  it('cuts a monologue at the maximum utterance length', async () => {
    const audio = join(burst(5.0), silence(0.8));
    const events: string[] = [];
    const s = new TranslationSession(
      fakeStages(),
      { id: 's', from: 'en', to: 'es', endSilenceMs: 500, maxUtteranceSeconds: 2, prerollMs: 200, scheduler: new FairScheduler() },
      (e) => e.type === 'transcript' && events.push(e.text),
    );
    for (let i = 0; i < audio.length; i += 1600) s.push(audio.subarray(i, i + 1600));
    await s.end();
    expect(events.length).toBeGreaterThanOrEqual(3);
  });

  it('silence and noise alone produce no utterance', async () => {
    let seed = 1;
    const noise = Float32Array.from({ length: 3 * RATE }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.002);
    const r = await translateAudio(fakeStages(), join(silence(1), noise), { from: 'en', to: 'es' });
    expect(r.utterances).toEqual([]);
    expect(r.audio.length).toBe(0);
  });

  it('rejects unknown languages and identical pairs with codes', () => {
    const mk = (from: string, to: string) => () =>
      new TranslationSession(fakeStages(), { id: 'x', from, to, endSilenceMs: 500, maxUtteranceSeconds: 15, prerollMs: 200, scheduler: new FairScheduler() }, () => {});
    expect(mk('xx', 'es')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_LANGUAGE' }));
    expect(mk('en', 'xx')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_LANGUAGE' }));
    expect(mk('auto', 'es')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_LANGUAGE' })); // the double has no language id
    expect(mk('es', 'es')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_PAIR' }));
  });
});
