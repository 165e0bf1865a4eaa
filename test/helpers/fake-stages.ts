/**
 * Test doubles for the pipeline's stages, for testing the transport (server, sessions,
 * limits) apart from the models. Each is deterministic and derived from its input, so
 * the tests can check that audio really flowed through: the "recogniser" reports how
 * many samples it heard, the "translator" tags the text, the "vocoder" emits a tone
 * whose length follows the text.
 */
import type { PipelineStages, RecognizerStream } from '../../src/pipeline/stages.ts';
import type { MelSpectrogram } from '../../src/audio/types.ts';

export function fakeStages(opts: { vocoderChunk?: number; languages?: string[] } = {}): PipelineStages {
  const languages = opts.languages ?? ['en', 'es', 'fr', 'de'];
  const chunk = opts.vocoderChunk ?? 1600;
  return {
    recognizer: {
      languages,
      detectsLanguage: false,
      open(lang: string): RecognizerStream {
        let heard = 0;
        return {
          async push(samples) {
            heard += samples.length;
            return `heard ${Math.floor(heard / 1600)}`;
          },
          async finish() {
            return { text: `heard ${heard} samples`, lang };
          },
        };
      },
    },
    translator: {
      languages,
      async translate(text, from, to) {
        return `[${from}->${to}] ${text}`;
      },
    },
    synthesizer: {
      languages,
      voices: 1,
      async synthesize(text): Promise<MelSpectrogram> {
        const frames = Math.min(500, text.length * 2);
        return { data: new Float32Array(frames * 80), frames, bins: 80 };
      },
    },
    vocoder: {
      sampleRate: 16000,
      async *stream(mel) {
        const total = mel.frames * 160;
        for (let start = 0; start < total; start += chunk) {
          const out = new Float32Array(Math.min(chunk, total - start));
          for (let i = 0; i < out.length; i++) out[i] = 0.3 * Math.sin((2 * Math.PI * 440 * (start + i)) / 16000);
          yield out;
        }
      },
    },
  };
}
