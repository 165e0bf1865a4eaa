/**
 * Concurrent real-time sessions on loopback against the shipped models: N clients
 * stream the same speech (20 ms frames, real time) at once. Reports, per N, whether every
 * session kept up (all translated audio arrived within `MAX_LAG_S` of the end of its
 * input), the latency from the end of each utterance to its first translated audio
 * (p50/p95), and memory per session; plus start-up time to /healthz 200.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import WebSocket from 'ws';
import { startServer } from '../server/server.ts';
import { loadStages, defaultModelDirs } from '../src/pipeline/load-stages.ts';
import { float32ToPcm16 } from '../src/audio/pcm.ts';
import { loadAudio } from '../src/audio/decode.ts';
import { projectRoot } from '../src/paths.ts';
import { readManifest } from '../training/readers/manifest.ts';
import type { BenchResult } from './types.ts';

const MAX_LAG_S = 3;
const SESSION_COUNTS = [1, 2, 4, 6];

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/** Three test utterances of one speaker with 1 s pauses, as a person would talk. */
async function testSpeech(): Promise<{ samples: Float32Array; utteranceEnds: number[] }> {
  const manifest = ['default', 'tiny'].map((s) => path.join(projectRoot, 'data/corpus/speech', s, 'manifest.test.jsonl')).find(existsSync);
  if (!manifest) throw new Error('no speech corpus test manifest: run `babelfish corpus speech` first');
  const rows: { audioPath: string }[] = [];
  for await (const item of readManifest(manifest).items()) {
    if (item.lang === 'en' && rows.length < 3) rows.push(item);
  }
  const parts: Float32Array[] = [];
  const ends: number[] = [];
  let t = 0;
  for (const r of rows) {
    const a = (await loadAudio(r.audioPath, 16000)).samples;
    parts.push(a, new Float32Array(16000));
    t += a.length;
    ends.push(t / 16000);
    t += 16000;
  }
  const out = new Float32Array(t);
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return { samples: out, utteranceEnds: ends };
}

interface SessionOutcome {
  latencies: number[]; // s, end of utterance -> first audio of it
  lag: number; // s, end of input -> done
  ok: boolean;
}

async function runSession(url: string, speech: { samples: Float32Array; utteranceEnds: number[] }): Promise<SessionOutcome> {
  const ws = new WebSocket(url);
  await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
  const pcm = Buffer.from(float32ToPcm16(speech.samples).buffer);
  const t0 = performance.now();
  const firstAudio = new Map<number, number>();
  let current = -1;
  let doneAt = 0;
  const done = new Promise<void>((resolve) => {
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        if (!firstAudio.has(current)) firstAudio.set(current, (performance.now() - t0) / 1000);
        return;
      }
      const e = JSON.parse(String(data));
      if (e.type === 'audio-start') current = e.utterance;
      if (e.type === 'done' || (e.type === 'error' && e.fatal)) {
        doneAt = (performance.now() - t0) / 1000;
        resolve();
      }
    });
    ws.on('close', () => resolve());
  });
  ws.send(JSON.stringify({ type: 'start', from: 'en', to: 'es', sampleRate: 16000, format: 'pcm16' }));
  const frame = 640;
  for (let i = 0; i < pcm.length; i += frame) {
    ws.send(pcm.subarray(i, i + frame));
    const ahead = ((i + frame) / 2 / 16000) * 1000 - (performance.now() - t0);
    if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
  }
  const inputEnd = (performance.now() - t0) / 1000;
  ws.send(JSON.stringify({ type: 'stop' }));
  await done;
  ws.close();
  const latencies = [...firstAudio.entries()].filter(([u]) => u >= 0 && u < speech.utteranceEnds.length).map(([u, t]) => t - speech.utteranceEnds[u]!);
  const lag = doneAt - inputEnd;
  return { latencies, lag, ok: doneAt > 0 && lag < MAX_LAG_S && latencies.length === speech.utteranceEnds.length };
}

export default async function (): Promise<BenchResult[]> {
  const dirs = defaultModelDirs();
  const t0 = performance.now();
  const server = await startServer({ config: { port: 0, maxSessions: 64 }, loadStages: () => loadStages(dirs, { beam: 1 }), log: () => {} });
  await server.ready;
  const startup = (performance.now() - t0) / 1000;
  const url = `ws://127.0.0.1:${server.port}/ws`;
  const speech = await testSpeech();
  const results: BenchResult[] = [{ name: 'startup_to_healthz', value: startup, unit: 's', note: 'in-process, models from models/' }];
  let maxOk = 0;
  const baseRss = process.memoryUsage().rss;
  try {
    for (const n of SESSION_COUNTS) {
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
      const outcomes = await Promise.all(Array.from({ length: n }, () => runSession(url, speech)));
      clearInterval(sampler);
      const lat = outcomes.flatMap((o) => o.latencies);
      const ok = outcomes.every((o) => o.ok);
      if (ok) maxOk = n;
      results.push(
        { name: `sessions${n}.latency_p50`, value: quantile(lat, 0.5) * 1000, unit: 'ms', note: 'end of utterance -> first translated audio' },
        { name: `sessions${n}.latency_p95`, value: quantile(lat, 0.95) * 1000, unit: 'ms' },
        { name: `sessions${n}.max_lag`, value: Math.max(...outcomes.map((o) => o.lag)), unit: 's', note: ok ? 'kept up' : 'fell behind' },
        { name: `sessions${n}.rss_per_session`, value: (peak - baseRss) / n / 2 ** 20, unit: 'MB' },
      );
      if (!ok) break;
    }
  } finally {
    await server.close(100);
  }
  results.push({ name: 'max_realtime_sessions', value: maxOk, unit: 'sessions', higherIsBetter: true, note: `every session done within ${MAX_LAG_S} s of its input` });
  return results;
}
