/**
 * Speech encoder speed with the shipped model's architecture (an untrained model of the
 * default size when none is shipped, e.g. before the first training): real-time factor
 * of batch and streaming (100 ms chunks) inference on 10 s of input, the training step
 * time on a typical batch, and the model size: on random log-mel frames (network alone)
 * and end to end from samples (log-mel included). RTF = compute time / audio duration.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../src/backend.ts';
import { SpeechEncoder } from '../models/speech-encoder/model.ts';
import { lookaheadFrames } from '../models/speech-encoder/config.ts';
import { defaultModelDirs } from '../src/pipeline/load-stages.ts';
import { mulberry32 } from '../src/random.ts';
import { batchLoss } from '../training/speech-encoder/train.ts';
import type { BenchResult } from './types.ts';

function randomFrames(frames: number, bins: number, seed: number) {
  const r = mulberry32(seed);
  return { data: Float32Array.from({ length: frames * bins }, () => 4 * r() - 2), frames, bins };
}

export default async function (): Promise<BenchResult[]> {
  const backend = await initBackend();
  // The shipped model's decoding (its language models too) is what the server runs.
  const shippedDir = defaultModelDirs().speechEncoder;
  const shipped = existsSync(join(shippedDir, 'model.json'));
  const rss0 = process.memoryUsage().rss;
  const l0 = performance.now();
  const enc = shipped ? await SpeechEncoder.load(shippedDir) : SpeechEncoder.build();
  const loadMs = performance.now() - l0;
  const loadRssMb = (process.memoryUsage().rss - rss0) / 1e6;
  const lmDir = join(shippedDir, 'lm');
  const lmMb = shipped && existsSync(lmDir) ? readdirSync(lmDir).reduce((a, f) => a + statSync(join(lmDir, f)).size, 0) / 1e6 : 0;
  const bins = enc.config.numMels;
  const seconds = 10;
  const frames = Math.floor((seconds * enc.config.features.sampleRate) / enc.config.features.hopLength);
  const feats = randomFrames(frames, bins, 1);
  const params = Object.values(enc.weights).reduce((s, v) => s + v.size, 0);

  // Warm up kernels and shapes.
  enc.logProbs(randomFrames(200, bins, 2));
  const warm = enc.stream();
  for (let i = 0; i < 5; i++) warm.pushFeatures(randomFrames(10, bins, 3 + i));
  warm.finishSync();

  let t0 = performance.now();
  const reps = 3;
  for (let i = 0; i < reps; i++) enc.logProbs(feats);
  const batchMs = (performance.now() - t0) / reps;

  // 100 ms of frames per push: 12.5 at 8 ms hops, so the chunk boundaries are rounded (12, 13, 12, ...).
  const chunk = (100 * enc.config.features.sampleRate) / 1000 / enc.config.features.hopLength;
  t0 = performance.now();
  const s = enc.stream();
  let worstChunkMs = 0;
  for (let k = 0, f = 0; f < frames; k++) {
    const end = Math.min(frames, Math.round((k + 1) * chunk));
    const c0 = performance.now();
    s.pushFeatures({ data: feats.data.subarray(f * bins, end * bins), frames: end - f, bins });
    worstChunkMs = Math.max(worstChunkMs, performance.now() - c0);
    f = end;
  }
  s.finishSync();
  const streamMs = performance.now() - t0;

  // End to end from samples (log-mel extraction included), 100 ms pushes of noise.
  const sr = enc.sampleRate;
  const r = mulberry32(5);
  const audio = Float32Array.from({ length: seconds * sr }, () => 0.1 * (r() - 0.5));
  t0 = performance.now();
  await enc.transcribe(audio);
  const audioBatchMs = performance.now() - t0;
  t0 = performance.now();
  const s2 = enc.stream();
  for (let i = 0; i < audio.length; i += sr / 10) await s2.push(audio.subarray(i, i + sr / 10));
  await s2.finish();
  const audioStreamMs = performance.now() - t0;

  // One training step: forward, CTC, backward (no optimizer update) on 16 x 4 s.
  const B = 16;
  const T = 400;
  const batch = {
    data: randomFrames(B * T, bins, 9).data,
    B,
    T,
    bins,
    lengths: new Array(B).fill(T),
    labels: Array.from({ length: B }, (_, b) => Array.from({ length: 50 }, (_, i) => 1 + ((i * 7 + b) % (enc.vocab.size - 1)))),
    langs: new Array(B).fill('en'),
  };
  const step = () => {
    const { value, grads } = tf.variableGrads(() => batchLoss(enc, batch, 0.1), Object.values(enc.weights));
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  step();
  t0 = performance.now();
  step();
  step();
  const trainMs = (performance.now() - t0) / 2;
  enc.dispose();

  const lookaheadMs = 1000 * lookaheadFrames(enc.config) * enc.frameSeconds;
  const what = shipped ? `shipped model, ${lookaheadMs.toFixed(0)} ms lookahead` : 'untrained default architecture';
  const note = `${backend}, ${(params / 1e6).toFixed(2)}M params, ${what}, ${seconds} s input`;
  return [
    { name: 'speech-encoder.batch_rtf', value: batchMs / (seconds * 1000), unit: 'RTF', higherIsBetter: false, note },
    { name: 'speech-encoder.stream_rtf', value: streamMs / (seconds * 1000), unit: 'RTF', higherIsBetter: false, note: `${note}, 100 ms chunks` },
    { name: 'speech-encoder.audio_batch_rtf', value: audioBatchMs / (seconds * 1000), unit: 'RTF', higherIsBetter: false, note: `${note}, log-mel included` },
    { name: 'speech-encoder.audio_stream_rtf', value: audioStreamMs / (seconds * 1000), unit: 'RTF', higherIsBetter: false, note: `${note}, log-mel included, 100 ms pushes` },
    { name: 'speech-encoder.stream_worst_chunk', value: worstChunkMs, unit: 'ms', higherIsBetter: false, note: 'slowest 100 ms chunk' },
    { name: 'speech-encoder.stream_over_batch', value: streamMs / batchMs, unit: 'ratio', higherIsBetter: false },
    { name: 'speech-encoder.train_step', value: trainMs, unit: 'ms', higherIsBetter: false, note: `forward+CTC+backward, ${B} x ${T / 100} s, 50 labels` },
    { name: 'speech-encoder.size', value: (params * 4) / 1e6, unit: 'MB', higherIsBetter: false, note: 'float32, as loaded' },
    ...(shipped
      ? [
          { name: 'speech-encoder.weights_file', value: statSync(join(shippedDir, 'weights.bin')).size / 1e6, unit: 'MB', higherIsBetter: false, note: 'weights.bin as shipped (float16 when saved so)' },
          { name: 'speech-encoder.lm_files', value: lmMb, unit: 'MB', higherIsBetter: false, note: 'lm/: character n-grams (gzipped) and word lists' },
          { name: 'speech-encoder.load', value: loadMs, unit: 'ms', higherIsBetter: false, note: 'the shipped folder, its LMs included (what server start waits for)' },
          { name: 'speech-encoder.load_rss', value: loadRssMb, unit: 'MB', higherIsBetter: false, note: 'resident memory the load added' },
        ]
      : []),
  ];
}
