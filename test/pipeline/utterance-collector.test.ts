import { describe, expect, it } from 'vitest';
import { UtteranceCollector, joinSpeech } from '../../src/pipeline/utterance-collector.ts';
import { concatFloat32 } from '../../src/audio/concat.ts';

describe('UtteranceCollector', () => {
  it('gathers events per utterance in order, joins audio, keeps errors apart', () => {
    const c = new UtteranceCollector('en');
    const timings = { asr: 1, mt: 2, tts: 3, vocoder: 4, firstAudio: 5 };
    c.onEvent({ type: 'partial', utterance: 1, text: 'wor' });
    c.onEvent({ type: 'transcript', utterance: 1, text: 'world', lang: 'en', start: 2, end: 3 });
    c.onEvent({ type: 'transcript', utterance: 0, text: 'hello', lang: 'es', start: 0, end: 1 });
    c.onEvent({ type: 'translation', utterance: 0, text: 'hola', from: 'en', to: 'es' });
    c.onEvent({ type: 'audio', utterance: 0, samples: Float32Array.of(1, 2) });
    c.onEvent({ type: 'audio', utterance: 0, samples: Float32Array.of(3) });
    c.onEvent({ type: 'audio-end', utterance: 0, samples: 3, timings });
    c.onEvent({ type: 'error', utterance: 1, code: 'INTERNAL', message: 'boom' });
    c.onEvent({ type: 'partial', utterance: 2, text: 'only a partial' });
    const us = c.utterances();
    expect(us.map((u) => u.utterance)).toEqual([0, 1]);
    expect(us[0]).toMatchObject({ transcript: 'hello', lang: 'es', translation: 'hola', start: 0, end: 1, timings });
    expect([...us[0]!.audio]).toEqual([1, 2, 3]);
    expect(us[0]!.firstAudioAt).toBeTypeOf('number');
    expect(us[1]).toMatchObject({ transcript: 'world', translation: '', audio: new Float32Array(0) });
    expect(us[1]!.firstAudioAt).toBeUndefined();
    expect(c.errors).toEqual([{ code: 'INTERNAL', message: 'boom' }]);
  });

  it('joins spoken utterances with silent gaps and skips silent ones', () => {
    const out = joinSpeech([{ audio: Float32Array.of(1) }, { audio: new Float32Array(0) }, { audio: Float32Array.of(2, 3) }], 2);
    expect([...out]).toEqual([1, 0, 0, 2, 3]);
    expect(concatFloat32([]).length).toBe(0);
  });
});
