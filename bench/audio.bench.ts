/**
 * The audio hot path of the server: log-mel extraction and resampling to 16 kHz,
 * batch and streaming (100 ms chunks, as a browser sends them), as multiples of
 * real time on one core. Streaming/batch ratios are measured in the same run.
 */
import { logMelSpectrogram, LogMelExtractor } from '../src/audio/features.ts';
import { resample, Resampler } from '../src/audio/resample.ts';
import { VoiceActivityDetector } from '../src/audio/vad.ts';
import type { BenchResult } from './types.ts';

function signal(seconds: number, rate: number): Float32Array {
  const x = new Float32Array(Math.round(seconds * rate));
  let s = 1;
  for (let i = 0; i < x.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    x[i] = 0.3 * Math.sin((2 * Math.PI * 220 * i) / rate) + 0.05 * (s / 2147483648 - 0.5);
  }
  return x;
}

/** Best of `reps` timings (seconds): the least disturbed by other work on a shared machine. */
function best(fn: () => void, reps = 5): number {
  fn(); // warm-up: JIT
  let b = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    b = Math.min(b, (performance.now() - t0) / 1000);
  }
  return b;
}

function chunks(x: Float32Array, size: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; i < x.length; i += size) out.push(x.subarray(i, i + size));
  return out;
}

export default async function (): Promise<BenchResult[]> {
  const seconds = 30;
  const x16 = signal(seconds, 16000);
  const x48 = signal(seconds, 48000);
  const x44 = signal(seconds, 44100);

  const melBatch = best(() => void logMelSpectrogram(x16));
  const melChunks = chunks(x16, 1600);
  const melStream = best(() => {
    const ex = new LogMelExtractor();
    for (const c of melChunks) ex.push(c);
  });

  const rsBatch = best(() => void resample(x48, 48000, 16000));
  const rsChunks = chunks(x48, 4800);
  const rsStream = best(() => {
    const r = new Resampler(48000, 16000);
    for (const c of rsChunks) r.push(c);
    r.flush();
  });
  const rs44 = best(() => void resample(x44, 44100, 16000), 3);

  const vadStream = best(() => {
    const v = new VoiceActivityDetector();
    for (const c of melChunks) v.push(c);
  });

  const note = `${seconds} s of audio, best of 5, one core`;
  return [
    { name: 'logmel.batch.x_realtime', value: seconds / melBatch, unit: 'x realtime', higherIsBetter: true, note },
    { name: 'logmel.stream100ms.x_realtime', value: seconds / melStream, unit: 'x realtime', higherIsBetter: true, note: '100 ms chunks' },
    { name: 'logmel.stream_over_batch', value: melBatch / melStream, unit: 'ratio', higherIsBetter: true, note: 'speed of streaming relative to batch' },
    { name: 'resample48k_16k.batch.x_realtime', value: seconds / rsBatch, unit: 'x realtime', higherIsBetter: true, note },
    { name: 'resample48k_16k.stream100ms.x_realtime', value: seconds / rsStream, unit: 'x realtime', higherIsBetter: true, note: '100 ms chunks' },
    { name: 'resample48k_16k.stream_over_batch', value: rsBatch / rsStream, unit: 'ratio', higherIsBetter: true },
    { name: 'resample44k1_16k.batch.x_realtime', value: seconds / rs44, unit: 'x realtime', higherIsBetter: true, note },
    { name: 'vad.stream100ms.x_realtime', value: seconds / vadStream, unit: 'x realtime', higherIsBetter: true, note: '16 kHz, 100 ms chunks' },
  ];
}
