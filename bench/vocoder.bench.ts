/**
 * WaveNet vocoder speed at 16 kHz on one core (Node's main thread, single-threaded WASM):
 * the fast cached-queue generator (samples/s, real-time factor), the whole `vocode()` path
 * (conditioning + generation + mu-law decode) with its time to the first 100 ms chunk, and
 * the naive uncached generator on a short clip, with the fast/naive ratio from the same run;
 * and the LPC-excitation generator (predictor + three input embeddings) against the plain one.
 * Untrained weights: the arithmetic is the same as a trained model's. Wall-clock figures move
 * with the machine's load; `fast.rtf_cpu` (CPU time of the single-threaded loop) does not, much.
 */
import { initBackend } from '../src/backend.ts';
import { Vocoder } from '../models/vocoder/model.ts';
import { receptiveField, type VocoderConfig } from '../models/vocoder/config.ts';
import { frameOf, samplesForFrames } from '../models/vocoder/network.ts';
import { NaiveWaveNetGenerator } from '../models/vocoder/naive-generator.ts';
import { MelLpc } from '../src/audio/lpc.ts';
import type { BenchResult } from './types.ts';

export default async function (): Promise<BenchResult[]> {
  await initBackend();
  const v = Vocoder.build();
  const c = v.config;
  const frames = 300; // ~3 s
  const mel = { data: Float32Array.from({ length: frames * c.numMels }, (_, i) => -6 + 3 * Math.sin(i * 0.013)), frames, bins: c.numMels };
  const total = samplesForFrames(frames, c);
  const width = c.dilations.length * 2 * c.residualChannels;
  const cond = v.conditioning(mel);

  // Generator alone, frame by frame as vocode() drives it.
  const gen = v.fastGenerator();
  const codes = new Int32Array(total);
  /** Calls run(f, start, end) for each run of samples [start, end) that share mel frame f, as vocode() drives the generator. */
  const forEachFrameRun = (run: (f: number, start: number, end: number) => void) => {
    for (let t = 0; t < total; ) {
      const f = frameOf(t, frames, c);
      let end = t + 1;
      while (end < total && frameOf(end, frames, c) === f) end++;
      run(f, t, end);
      t = end;
    }
  };
  const runFast = () => {
    gen.reset(1);
    let prev = 128;
    forEachFrameRun((f, start, end) => {
      gen.setConditioning(cond.subarray(f * width, (f + 1) * width));
      prev = gen.generate(prev, end - start, 1, codes, start);
    });
  };
  runFast(); // warm-up
  let best = Infinity;
  let bestCpu = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    runFast();
    const cpu = process.cpuUsage(cpu0);
    best = Math.min(best, (performance.now() - t0) / 1000);
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1e6);
  }
  const fastRate = total / best;

  // The same in 'lpc' excitation mode, and with the pitch inputs (e(t-P) from its ring every
  // sample, a pulse every 100): CPU time, best of three, against the plain generator's.
  const excitedCpu = (overrides: Partial<VocoderConfig>): number => {
    const vocoder = Vocoder.build({ excitation: 'lpc', ...overrides });
    const lc = vocoder.config;
    const lpcCond = vocoder.conditioning(mel);
    const taps = new MelLpc({ order: lc.lpcOrder, preEmphasis: lc.preEmphasis }).predictors(mel);
    const g = vocoder.fastGenerator();
    const out = new Float32Array(total);
    const run = () => {
      g.reset(1);
      forEachFrameRun((f, start, end) => {
        g.setConditioning(lpcCond.subarray(f * width, (f + 1) * width));
        g.setPredictor(taps.subarray(f * lc.lpcOrder, (f + 1) * lc.lpcOrder));
        if (lc.pitchBins > 0) g.setPeriod(100);
        g.generateExcited(end - start, 1, out, start);
      });
    };
    run();
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const cpu0 = process.cpuUsage();
      run();
      const cpu = process.cpuUsage(cpu0);
      best = Math.min(best, (cpu.user + cpu.system) / 1e6);
    }
    vocoder.dispose();
    return best;
  };
  const lpcCpu = excitedCpu({});
  const ltpCpu = excitedCpu({ pitchBins: 48, pulses: true });

  // Whole path, streamed: time to first chunk and total.
  const t0 = performance.now();
  let first = 0;
  let n = 0;
  for await (const chunk of v.stream(mel, { chunkSamples: 1600 })) {
    if (!first) first = performance.now() - t0;
    n += chunk.length;
  }
  const e2e = (performance.now() - t0) / 1000;

  // Naive: the window already full (steady state), a short clip.
  const naive = new NaiveWaveNetGenerator(c, v.weights);
  const rf = receptiveField(c);
  for (let t = 0; t < rf - 1; t++) naive.push(codes[t], cond.subarray(frameOf(t, frames, c) * width, (frameOf(t, frames, c) + 1) * width));
  naive.stepLogits(codes[rf - 1], cond.subarray(0, width)); // warm-up
  const naiveSteps = 20;
  const t1 = performance.now();
  for (let t = 0; t < naiveSteps; t++) naive.stepLogits(codes[rf + t], cond.subarray(frameOf(rf + t, frames, c) * width, (frameOf(rf + t, frames, c) + 1) * width));
  const naiveRate = naiveSteps / ((performance.now() - t1) / 1000);
  v.dispose();

  const sr = c.sampleRate;
  return [
    { name: 'fast.samples_per_s', value: fastRate, unit: 'samples/s', higherIsBetter: true, note: `default config, ${c.dilations.length} layers R=${c.residualChannels} S=${c.skipChannels}, ${(total / sr).toFixed(1)} s clip` },
    { name: 'fast.rtf', value: sr / fastRate, unit: 'RTF', higherIsBetter: false, note: 'generation seconds per audio second, one core; goal < 0.25' },
    // Shared machines get oversubscribed; CPU time of this single-threaded loop is what one core costs.
    { name: 'fast.rtf_cpu', value: bestCpu / (total / sr), unit: 'RTF', higherIsBetter: false, note: 'CPU seconds (process.cpuUsage) per audio second: robust to other load' },
    { name: 'vocode.rtf', value: e2e / (n / sr), unit: 'RTF', higherIsBetter: false, note: 'vocode(): conditioning + generation + mu-law decode' },
    { name: 'vocode.first_chunk_ms', value: first, unit: 'ms', higherIsBetter: false, note: 'latency to the first 100 ms chunk' },
    { name: 'naive.samples_per_s', value: naiveRate, unit: 'samples/s', higherIsBetter: true, note: `tfjs over the ${rf}-sample receptive field per sample, ${naiveSteps} samples` },
    { name: 'fast_vs_naive', value: fastRate / naiveRate, unit: 'ratio', higherIsBetter: true, note: 'same run' },
    { name: 'lpc.rtf_cpu', value: lpcCpu / (total / sr), unit: 'RTF', higherIsBetter: false, note: `excitation 'lpc' (order ${c.lpcOrder}): CPU seconds per audio second` },
    { name: 'lpc_vs_plain_cpu', value: lpcCpu / bestCpu, unit: 'ratio', higherIsBetter: false, note: 'CPU time of the lpc generator over the plain one, same run' },
    { name: 'ltp.rtf_cpu', value: ltpCpu / (total / sr), unit: 'RTF', higherIsBetter: false, note: 'lpc with the pitch inputs (e(t-P) and pulses, the shipped kind): CPU seconds per audio second' },
    { name: 'ltp_vs_lpc_cpu', value: ltpCpu / lpcCpu, unit: 'ratio', higherIsBetter: false, note: 'CPU time with the pitch inputs over lpc alone, same run' },
  ];
}
