/**
 * The compute facts behind the choice of backend: a 512x512 matMul and one training
 * step of a small LSTM, on WASM and on the plain CPU backend, in the same run.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../src/backend.ts';
import type { BenchResult } from './types.ts';

async function timeIt(fn: () => void | Promise<void>, minSeconds: number, maxRuns = 50): Promise<number> {
  await fn(); // warm-up: kernels compile, buffers allocate
  let runs = 0;
  const t0 = performance.now();
  while (runs < maxRuns && (runs < 2 || performance.now() - t0 < minSeconds * 1000)) {
    await fn();
    runs++;
  }
  return (performance.now() - t0) / 1000 / runs;
}

async function matMulGflops(n: number): Promise<number> {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  const s = await timeIt(async () => {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
  }, 1.5);
  a.dispose();
  b.dispose();
  return (2 * n ** 3) / s / 1e9;
}

/** One Adam step of LSTM(units) over a [batch, time, features] batch; seconds per step. */
async function lstmStepSeconds(batch: number, time: number, features: number, units: number): Promise<number> {
  const model = tf.sequential({
    layers: [tf.layers.lstm({ units, inputShape: [time, features] }), tf.layers.dense({ units: 10 })],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
  const x = tf.randomNormal([batch, time, features]);
  const y = tf.randomNormal([batch, 10]);
  const s = await timeIt(async () => {
    await model.trainOnBatch(x, y);
  }, 3, 5);
  x.dispose();
  y.dispose();
  model.dispose();
  return s;
}

export default async function (): Promise<BenchResult[]> {
  await initBackend();
  const figures: Record<string, { matmul: number; lstm: number }> = {};
  for (const backend of ['wasm', 'cpu']) {
    await tf.setBackend(backend);
    await tf.ready();
    figures[backend] = { matmul: await matMulGflops(512), lstm: await lstmStepSeconds(8, 50, 80, 128) };
  }
  await initBackend().then((b) => (b === 'wasm' || b === 'cpu' ? tf.setBackend(b) : undefined));
  const { wasm, cpu } = figures as Record<'wasm' | 'cpu', { matmul: number; lstm: number }>;
  return [
    { name: 'matmul512.wasm', value: wasm.matmul, unit: 'GFLOP/s', higherIsBetter: true },
    { name: 'matmul512.cpu', value: cpu.matmul, unit: 'GFLOP/s', higherIsBetter: true },
    { name: 'matmul512.wasm_over_cpu', value: wasm.matmul / cpu.matmul, unit: 'ratio', higherIsBetter: true },
    { name: 'lstm128_step.wasm', value: wasm.lstm * 1000, unit: 'ms', note: 'Adam step, batch 8x50x80' },
    { name: 'lstm128_step.cpu', value: cpu.lstm * 1000, unit: 'ms', note: 'Adam step, batch 8x50x80' },
    { name: 'lstm128_step.cpu_over_wasm', value: cpu.lstm / wasm.lstm, unit: 'ratio', higherIsBetter: true, note: 'speed-up of WASM' },
  ];
}
