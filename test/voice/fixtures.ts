/** Tiny untrained models and a tiny speech corpus for the voice tests (fast on 2 cores). */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { initBackend } from '../../src/backend.ts';
import { writeWav } from '../../src/audio/wav.ts';
import { SpeechEncoder } from '../../models/speech-encoder/model.ts';
import { Synthesizer } from '../../models/synthesizer/model.ts';
import { Vocoder } from '../../models/vocoder/model.ts';

export const TINY_SYNTHESIZER = { hidden: 16, kernel: 3, encoderLayers: 1, decoderLayers: 1, durationLayers: 1, voices: 2, maxFramesPerSymbol: 4 };
export const TINY_VOCODER = { dilations: [1, 2, 4], residualChannels: 8, skipChannels: 8, headChannels: 8, condChannels: 8 };
export const TINY_SPEECH_ENCODER = { hidden: 16, frontEndChannels: 16, dilations: [1, 2] };

export interface TinyModelDirs {
  speechEncoder: string;
  synthesizer: string;
  vocoder: string;
}

/** Saves the three tiny models under `dir` (speech-encoder/, synthesizer/, vocoder/: the `models/` layout). */
export async function saveTinyModels(dir: string): Promise<TinyModelDirs> {
  await initBackend({ log: () => {} });
  const dirs = { speechEncoder: path.join(dir, 'speech-encoder'), synthesizer: path.join(dir, 'synthesizer'), vocoder: path.join(dir, 'vocoder') };
  const se = SpeechEncoder.build(TINY_SPEECH_ENCODER);
  await se.save(dirs.speechEncoder);
  se.dispose();
  const sy = Synthesizer.build(TINY_SYNTHESIZER);
  await sy.save(dirs.synthesizer);
  sy.dispose();
  const vo = Vocoder.build(TINY_VOCODER);
  await vo.save(dirs.vocoder);
  vo.dispose();
  return dirs;
}

/** A vowel-like signal: a few harmonics of a gliding pitch, with an amplitude envelope. */
export function harmonicTone(seconds: number, f0: number, rate = 16000): Float32Array {
  const n = Math.round(seconds * rate);
  const x = new Float32Array(n);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    phase += (2 * Math.PI * f0 * (1 + 0.1 * Math.sin(2 * Math.PI * 2 * t))) / rate;
    const env = Math.sin((Math.PI * i) / n);
    x[i] = 0.3 * env * (Math.sin(phase) + 0.5 * Math.sin(2 * phase) + 0.25 * Math.sin(3 * phase));
  }
  return x;
}

export const FIXTURE_ROWS = [
  { id: 'en-a-1', lang: 'en', speaker: 'a', text: 'Hello there.', f0: 120, seconds: 0.6 },
  { id: 'en-b-1', lang: 'en', speaker: 'b', text: 'It is 42 degrees.', f0: 200, seconds: 0.7 },
  { id: 'en-a-2', lang: 'en', speaker: 'a', text: 'Good night.', f0: 130, seconds: 0.5 },
  { id: 'es-c-1', lang: 'es', speaker: 'c', text: '¿Qué tal?', f0: 180, seconds: 0.5 },
  { id: 'es-c-2', lang: 'es', speaker: 'c', text: 'Buenos días.', f0: 170, seconds: 0.6 },
];

/** `<dir>/manifest.test.jsonl` + `<dir>/wav/*.wav`, the speech corpus's layout. */
export async function writeFixtureCorpus(dir: string): Promise<string> {
  await mkdir(path.join(dir, 'wav'), { recursive: true });
  const lines: string[] = [];
  for (const r of FIXTURE_ROWS) {
    const audio = `wav/${r.id}.wav`;
    await writeWav(path.join(dir, audio), harmonicTone(r.seconds, r.f0), 16000);
    lines.push(JSON.stringify({ id: r.id, audio, lang: r.lang, text: r.text, speaker: r.speaker, split: 'test', duration: r.seconds }));
  }
  const manifest = path.join(dir, 'manifest.test.jsonl');
  await writeFile(manifest, lines.join('\n') + '\n');
  return manifest;
}
