/**
 * Synthesizer speed with the default configuration: mel frames per second and real-time
 * factor (compute seconds / seconds of speech) for a sentence of ~100 characters, and one
 * training step's time. Weights are untrained, so the duration head's bias is set to a
 * typical 7 frames per character (espeak speaks ~15 characters/s): speed depends on the
 * number of frames, not on what they contain.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend.ts';
import { Synthesizer } from '../models/synthesizer/model.ts';
import { Adam } from '../training/common/adam.ts';
import { trainStep, type TrainItem } from '../training/synthesizer/step.ts';
import { utteranceIds } from '../models/synthesizer/symbols.ts';
import type { BenchResult } from './types.ts';

const SENTENCE = 'The quick brown fox jumps over the lazy dog while the small cat watches from the old wooden fence.';

export default async function (): Promise<BenchResult[]> {
  const backend = await initBackend();
  const model = Synthesizer.build();
  model.weights['dur/b']!.assign(tf.tensor1d([Math.log(8)]));
  const nParams = Object.values(model.weights).reduce((a, w) => a + w.size, 0);

  await model.synthesize(SENTENCE, { lang: 'en' }); // warm-up (kernel compilation, allocation)
  const runs = 5;
  let frames = 0;
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) frames += (await model.synthesize(SENTENCE, { lang: 'en' })).frames;
  const seconds = (performance.now() - t0) / 1000;
  const audioSeconds = (frames * model.config.hopMs) / 1000;

  // One training step: 8 utterances of 400 frames (the default batch holds ~4000 padded frames).
  const ids = utteranceIds(model.symbols, SENTENCE.slice(0, 60), 'en').ids;
  const items: TrainItem[] = Array.from({ length: 8 }, (_, k) => ({
    id: String(k),
    ids,
    lang: 0,
    voice: 0,
    mel: Float32Array.from({ length: 400 * 80 }, (_, i) => Math.sin(i * 0.001 * (k + 1))),
    frames: 400,
  }));
  const adam = new Adam();
  trainStep(model, adam, items, 1e-4);
  const s0 = performance.now();
  const steps = 3;
  for (let i = 0; i < steps; i++) trainStep(model, adam, items, 1e-4);
  const stepSeconds = (performance.now() - s0) / 1000 / steps;
  model.dispose();
  adam.dispose();

  const note = `${backend}, default config (${(nParams / 1e6).toFixed(2)}M parameters), ${frames / runs} frames per sentence`;
  return [
    { name: 'synthesizer.frames_per_s', value: frames / seconds, unit: 'frames/s', higherIsBetter: true, note },
    { name: 'synthesizer.rtf', value: seconds / audioSeconds, unit: 'ratio', higherIsBetter: false, note: 'compute s / speech s (below 1 = faster than real time)' },
    { name: 'synthesizer.train_step_s', value: stepSeconds, unit: 's', higherIsBetter: false, note: '8 x 400 frames, MAS + forward + backward + Adam' },
    { name: 'synthesizer.size_mb', value: (nParams * 4) / 1e6, unit: 'MB', higherIsBetter: false, note: 'float32 weights' },
  ];
}
