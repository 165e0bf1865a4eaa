import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend.ts';
import { SpeechEncoder, type Transcript } from '../../models/speech-encoder/model.ts';
import { evaluateSpeechEncoder, formatReport, wordAppearanceTimes } from '../../training/speech-encoder/eval.ts';
import { readManifest } from '../../training/speech-encoder/data.ts';
import type { AudioFrontEnd } from '../../training/speech-encoder/train.ts';

beforeAll(async () => {
  await initBackend({ log: () => {} });
});

describe('evaluateSpeechEncoder', () => {
  it('scores CER and WER per language as total edits over total reference length', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'se-eval-'));
    const rows = [
      { audio: 'a.wav', lang: 'en', text: 'The cat.', speaker: 'x', split: 'test', duration: 1 },
      { audio: 'b.wav', lang: 'en', text: 'a dog', speaker: 'x', split: 'test', duration: 1 },
      { audio: 'c.wav', lang: 'fr', text: 'Le chat', speaker: 'y', split: 'test', duration: 1 },
      { audio: 'd.wav', lang: 'fr', text: 'page 42', speaker: 'y', split: 'test', duration: 1 }, // digits: skipped
    ];
    await writeFile(join(dir, 'manifest.test.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    for (const r of rows) await writeFile(join(dir, r.audio), '');
    const manifest = await readManifest(join(dir, 'manifest.test.jsonl'));
    expect(manifest[0].audio).toBe(join(dir, 'a.wav'));

    const hyps: Record<string, Transcript> = {
      'a.wav': { text: 'the bat', lang: 'en', frames: 1, frameSeconds: 0.04 }, // 1 char edit of 7, 1 word of 2
      'b.wav': { text: 'a dog', lang: 'fr', frames: 1, frameSeconds: 0.04 }, // perfect text, wrong language
      'c.wav': { text: 'le chat noir', lang: 'fr', frames: 1, frameSeconds: 0.04 }, // 5 inserted chars of 7, 1 word of 2
    };
    const enc = SpeechEncoder.build({ numMels: 8, hidden: 8, frontEndChannels: 8, dilations: [1] });
    let current = '';
    enc.transcribe = async () => hyps[current];
    const front: AudioFrontEnd = {
      featureKey: 'none',
      features: { sampleRate: 16000, bins: 8, compute: () => ({ data: new Float32Array(0), frames: 0, bins: 8 }), stream: () => ({ push: () => ({ data: new Float32Array(0), frames: 0, bins: 8 }) }) },
      loadAudio: async (p) => {
        current = p.split('/').pop()!;
        return new Float32Array(16000);
      },
    };
    const report = await evaluateSpeechEncoder(enc, manifest, front);
    const en = report.perLanguage.find((s) => s.lang === 'en')!;
    const fr = report.perLanguage.find((s) => s.lang === 'fr')!;
    expect(en.utterances).toBe(2);
    expect(en.cer).toBeCloseTo(1 / 12);
    expect(en.wer).toBeCloseTo(1 / 4);
    expect(en.langAccuracy).toBe(0.5);
    expect(fr.utterances).toBe(1);
    expect(fr.cer).toBeCloseTo(5 / 7);
    expect(fr.wer).toBeCloseTo(1 / 2);
    expect(report.overall.cer).toBeCloseTo(6 / 19);
    expect(formatReport(report)).toMatch(/^en\s+2\s+8\.3%\s+25\.0%/m);
    enc.dispose();
  });

  it('with givenLanguage passes each row\'s language to the decoder and still scores the head\'s own choice', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'se-eval-given-'));
    const rows = [
      { audio: 'a.wav', lang: 'es', text: 'hola', speaker: 'x', split: 'test', duration: 1 },
      { audio: 'b.wav', lang: 'fr', text: 'salut', speaker: 'y', split: 'test', duration: 1 },
    ];
    await writeFile(join(dir, 'm.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const manifest = await readManifest(join(dir, 'm.jsonl'));
    const enc = SpeechEncoder.build({ numMels: 8, hidden: 8, frontEndChannels: 8, dilations: [1] });
    const asked: (string | undefined)[] = [];
    // The head prefers English for both; the decoder reports the language it was given, as transcribe() does.
    enc.transcribe = async (_audio, opts) => {
      asked.push(opts?.lang);
      return { text: asked.length === 1 ? 'hola' : 'salu', lang: opts?.lang ?? 'en', langProbs: { en: 0.7, es: 0.2, fr: 0.1 }, frames: 1, frameSeconds: 0.04 };
    };
    const front: AudioFrontEnd = {
      featureKey: 'none',
      features: { sampleRate: 16000, bins: 8, compute: () => ({ data: new Float32Array(0), frames: 0, bins: 8 }), stream: () => ({ push: () => ({ data: new Float32Array(0), frames: 0, bins: 8 }) }) },
      loadAudio: async () => new Float32Array(16000),
    };
    const given = await evaluateSpeechEncoder(enc, manifest, front, { givenLanguage: true });
    expect(asked).toEqual(['es', 'fr']);
    expect(given.overall.langAccuracy).toBe(0);
    expect(given.perLanguage.find((s) => s.lang === 'fr')!.cer).toBeCloseTo(1 / 5);
    asked.length = 0;
    await evaluateSpeechEncoder(enc, manifest, front);
    expect(asked).toEqual([undefined, undefined]);
    enc.dispose();
  });

  it('measures when each word appears in full in the partial hypotheses', async () => {
    const script = ['', 'he', 'hel', 'hello', 'hello w', 'hello world'];
    let k = 0;
    const fake = {
      sampleRate: 1000,
      stream: () => ({ push: async () => script[k++], finish: async () => ({ text: 'hello world', frames: 0 }) }),
    } as unknown as SpeechEncoder;
    const { words, times } = await wordAppearanceTimes(fake, new Float32Array(600), 0.1);
    expect(words).toEqual(['hello', 'world']);
    expect(times[0]).toBeCloseTo(0.4);
    expect(times[1]).toBeCloseTo(0.6);
  });
});
