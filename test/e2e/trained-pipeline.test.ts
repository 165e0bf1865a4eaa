/**
 * The trained -> serving path with real models. `babelfish train all --size tiny` runs
 * once (a 40-utterance corpus and the four toy models, a few minutes), then a real server
 * serves those models to a WebSocket client, to the command-line client and to the demo
 * page in Chromium (its fake microphone plays a test-split recording).
 *
 * Toy models say gibberish, so these tests check the shape of the conversation (events,
 * their order and fields, audio at the vocoder's rate that is not silence, the server's
 * bookkeeping), not its quality; test/e2e/default-models.test.ts checks the quality of
 * the shipped models.
 *
 * BABELFISH_TINY_DIR=<dir> reuses (or creates) a training there instead of a fresh
 * temporary folder: `train all` skips the steps it finished, so a rerun starts at once.
 * For development only: models left by older code would hide a broken training.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { trainAll } from '../../training/train-all.ts';
import { startServer, type BabelfishServer } from '../../server/server.ts';
import { buildClient } from '../../client/build.ts';
import { defaultModelDirs, loadStages } from '../../src/pipeline/load-stages.ts';
import { encodeWav, readWav } from '../../src/audio/wav.ts';
import { float32ToPcm16, pcm16ToFloat32 } from '../../src/audio/pcm.ts';
import { projectRoot } from '../../src/paths.ts';
import { TestClient, waitUntil } from '../helpers/ws-client.ts';
import { launchChromium } from '../helpers/browser.ts';

/** Corpus and four models from scratch; about 4-5 min on two busy cores. */
const TRAIN_TIMEOUT_MS = 15 * 60_000;
const FROM = 'en';
const TO = 'es';

let dir: string;
let server: BabelfishServer;
/** The vocoder's output rate, from the trained model's config. */
let vocoderRate: number;
/** A test-split recording (held-out voice and sentence), 16 kHz mono. */
let speech: Float32Array;
let speechRate: number;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function peak(x: Float32Array): number {
  let m = 0;
  for (const v of x) m = Math.max(m, Math.abs(v));
  return m;
}

function rms(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / Math.max(1, x.length));
}

function withSilence(x: Float32Array, rate: number, seconds: number): Float32Array {
  const out = new Float32Array(x.length + Math.round(seconds * rate));
  out.set(x);
  return out;
}

async function get(route: string): Promise<{ status: number; body: string }> {
  const r = await fetch(`http://127.0.0.1:${server.port}${route}`);
  return { status: r.status, body: await r.text() };
}

/** The value of an unlabelled Prometheus series (a counter never incremented has no sample: 0). */
function metric(text: string, name: string): number {
  if (!new RegExp(`^# TYPE ${name} `, 'm').test(text)) throw new Error(`no ${name} in /metrics:\n${text}`);
  const m = text.match(new RegExp(`^${name} (\\S+)$`, 'm'));
  return m ? Number(m[1]) : 0;
}

beforeAll(async () => {
  dir = process.env.BABELFISH_TINY_DIR ? path.resolve(process.env.BABELFISH_TINY_DIR) : await mkdtemp(path.join(os.tmpdir(), 'babelfish-trained-'));
  const corpus = path.join(dir, 'corpus');
  const models = path.join(dir, 'models');
  const lines: string[] = [];
  const code = await trainAll({ size: 'tiny', out: models, run: path.join(dir, 'runs'), corpus, rebuildText: false, seed: 1 }, (l) => {
    lines.push(l);
    process.stderr.write(l + '\n');
  });
  if (code !== 0) throw new Error(`babelfish train all --size tiny failed (exit ${code}):\n${lines.join('\n')}`);

  const rows = (await readFile(path.join(corpus, 'manifest.test.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { audio: string; lang: string; text: string; duration: number; augment: unknown });
  // The longest clean English test recording: the most speech for the recogniser to hear.
  const row = rows.filter((r) => r.lang === FROM && !r.augment).sort((a, b) => b.duration - a.duration)[0];
  if (!row) throw new Error(`no ${FROM} test utterance in ${corpus}`);
  const wav = await readWav(path.join(corpus, row.audio));
  speech = wav.samples;
  speechRate = wav.sampleRate;
  vocoderRate = JSON.parse(await readFile(path.join(models, 'vocoder', 'config.json'), 'utf8')).sampleRate;

  server = await startServer({
    // A short resume window, so a dropped connection frees its session within the test.
    config: { port: 0, host: '127.0.0.1', resumeWindowMs: 1500 },
    staticDir: await buildClient(),
    loadStages: () => loadStages(defaultModelDirs(models)),
    log: () => {},
  });
  await server.ready;
}, TRAIN_TIMEOUT_MS);

afterAll(async () => {
  await server?.close(100);
  if (dir && !process.env.BABELFISH_TINY_DIR) await rm(dir, { recursive: true, force: true });
});

describe('trained tiny models behind a real server', () => {
  it('train speech-lm wrote a word list per language and tuned on dev speech and a degraded copy of it', async () => {
    const lmDir = path.join(dir, 'models', 'speech-encoder', 'lm');
    const config = JSON.parse(await readFile(path.join(lmDir, 'config.json'), 'utf8'));
    expect(config.trainedOn.tuning.degradedCopies).toBe(true);
    expect(config.trainedOn.tuning.devUtterances).toBeGreaterThan(0);
    expect(config.wordLists.sort()).toEqual([...config.languages].sort());
    for (const lang of config.wordLists) {
      const words = (await readFile(path.join(lmDir, `${lang}.words.txt`), 'utf8')).split('\n').filter(Boolean);
      expect(words.length).toBe(config.trainedOn.stats[lang].words);
      expect(words.every((w: string) => !w.includes(' '))).toBe(true);
    }
  });

  it('streams a test recording in real time and hears partials, transcript, translation and audio back', async () => {
    expect(speechRate).toBe(16000);
    expect((await get('/healthz')).status).toBe(200);
    const before = await get('/metrics');
    expect(before.status).toBe(200);
    const sessionsBefore = metric(before.body, 'babelfish_sessions_total');

    const client = await TestClient.open(`ws://127.0.0.1:${server.port}/ws`);
    // Events and audio in arrival order, to check that audio sits between start and end.
    const order: string[] = [];
    client.ws.on('message', (data, isBinary) => order.push(isBinary ? 'audio' : JSON.parse(String(data)).type));
    client.json({ type: 'start', from: FROM, to: TO, sampleRate: 16000, format: 'pcm16' });
    const ready = await client.waitFor('ready');
    expect(ready.outputSampleRate).toBe(vocoderRate);

    const health = JSON.parse((await get('/healthz')).body);
    expect(health).toEqual({ status: 'ok', sessions: 1 });
    expect(metric((await get('/metrics')).body, 'babelfish_active_sessions')).toBe(1);

    // The recording and a second of silence (so the VAD ends the utterance by itself), as
    // PCM16 in 20 ms frames paced like a microphone.
    const pcm = float32ToPcm16(withSilence(speech, 16000, 1));
    const bytes = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    const frame = 2 * 320;
    const t0 = performance.now();
    for (let i = 0; i < bytes.length; i += frame) {
      client.ws.send(bytes.subarray(i, i + frame));
      const ahead = ((i + frame) / 2 / 16000) * 1000 - (performance.now() - t0);
      if (ahead > 0) await sleep(ahead);
    }
    // The transcript comes from endpointing (the silence), before the client says stop.
    await client.waitFor('transcript', undefined, 30_000);
    client.json({ type: 'stop' });
    await client.waitFor('done', undefined, 60_000);

    const ev = client.received.events;
    expect(ev.filter((e) => e.type === 'error')).toEqual([]);
    const partials = ev.filter((e) => e.type === 'partial');
    expect(partials.length).toBeGreaterThan(0);
    expect(partials.every((p) => p.utterance === 0 && typeof p.text === 'string' && p.text.length > 0)).toBe(true);
    const transcript = client.event('transcript')!;
    expect(transcript).toMatchObject({ utterance: 0, lang: FROM });
    expect(transcript.text.length).toBeGreaterThan(0); // gibberish from a toy model, but something
    expect(transcript.start).toBeGreaterThanOrEqual(0);
    expect(transcript.end).toBeGreaterThan(transcript.start);
    expect(transcript.end).toBeLessThanOrEqual(speech.length / 16000 + 1);
    const translation = client.event('translation')!;
    expect(translation).toMatchObject({ utterance: 0, from: FROM, to: TO });
    expect(translation.text.trim().length).toBeGreaterThan(0);
    expect(client.event('audio-start')).toMatchObject({ utterance: 0, sampleRate: vocoderRate, format: 'pcm16' });
    const end = client.event('audio-end')!;
    expect(end.utterance).toBe(0);
    for (const k of ['asr', 'mt', 'tts', 'vocoder', 'firstAudio']) expect(end.timings[k]).toBeGreaterThanOrEqual(0);

    // Every binary frame lies between audio-start and audio-end, and they add up.
    const first = order.indexOf('audio');
    expect(first).toBeGreaterThan(order.indexOf('audio-start'));
    expect(order.lastIndexOf('audio')).toBeLessThan(order.indexOf('audio-end'));
    expect(order.indexOf('transcript')).toBeLessThan(order.indexOf('translation'));
    expect(order.indexOf('translation')).toBeLessThan(order.indexOf('audio-start'));
    const out = pcm16ToFloat32(new Uint8Array(Buffer.concat(client.received.audio)));
    expect(out.length).toBe(end.samples);
    expect(out.length).toBeGreaterThan(vocoderRate * 0.05);
    expect(peak(out)).toBeGreaterThan(0.05);
    expect(rms(out)).toBeGreaterThan(0.005);

    await client.close();
    await waitUntil(() => server.sessionCount() === 0, 'the session to be released');
    expect(JSON.parse((await get('/healthz')).body)).toEqual({ status: 'ok', sessions: 0 });
    const after = (await get('/metrics')).body;
    expect(metric(after, 'babelfish_sessions_total')).toBe(sessionsBefore + 1);
    expect(metric(after, 'babelfish_active_sessions')).toBe(0);
    expect(metric(after, 'babelfish_utterances_total')).toBeGreaterThanOrEqual(1);
    expect(metric(after, 'babelfish_audio_in_seconds_total')).toBeGreaterThanOrEqual(speech.length / 16000);
    expect(metric(after, 'babelfish_audio_out_seconds_total')).toBeGreaterThan(0);
    expect(after).toMatch(/babelfish_stage_latency_seconds_count\{stage="vocoder"\} [1-9]/);
  });

  it('frees the session of a client that vanishes mid-utterance', async () => {
    const client = await TestClient.open(`ws://127.0.0.1:${server.port}/ws`);
    client.json({ type: 'start', from: FROM, to: TO, sampleRate: 16000, format: 'pcm16' });
    await client.waitFor('ready');
    const pcm = float32ToPcm16(speech.subarray(0, Math.min(speech.length, 16000)));
    for (let i = 0; i < pcm.length; i += 320) client.ws.send(Buffer.from(pcm.buffer, pcm.byteOffset + 2 * i, 2 * Math.min(320, pcm.length - i)));
    await waitUntil(() => server.sessionCount() === 1, 'the session to open');
    client.ws.terminate(); // no stop, no close handshake
    // Parked for the resume window (1.5 s here), then released.
    await waitUntil(() => server.sessionCount() === 0, 'the dropped session to be released', 15_000);
    expect(metric((await get('/metrics')).body, 'babelfish_active_sessions')).toBe(0);
  });

  it('the command-line client streams the recording and writes a non-silent WAV', async () => {
    const input = path.join(dir, 'cli-in.wav');
    await writeFile(input, encodeWav(withSilence(speech, 16000, 1), 16000));
    const out = path.join(dir, 'cli-out.wav');
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin/babelfish.js'), 'client', '--url', `ws://127.0.0.1:${server.port}`, '--from', FROM, '--to', TO, '--input', input, '-o', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/error/i);
    expect(code).toBe(0);
    // One line for the transcript, one for the translation.
    expect(stdout).toMatch(new RegExp(`^\\[${FROM}\\] \\S`, 'm'));
    expect(stdout).toMatch(new RegExp(`^\\[${TO}\\] \\S`, 'm'));
    const wav = await readWav(out);
    expect(wav.sampleRate).toBe(vocoderRate);
    expect(wav.samples.length).toBeGreaterThan(vocoderRate * 0.05);
    expect(peak(wav.samples)).toBeGreaterThan(0.05);
    expect(rms(wav.samples)).toBeGreaterThan(0.005);
    await waitUntil(() => server.sessionCount() === 0, 'the CLI session to be released');
  }, 120_000); // a node process to start, and two busy cores

  describe('the demo page in Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      // Chromium's fake microphone loops this file: the recording, then silence long
      // enough for the end of the utterance. A 16-bit PCM WAV, as Chromium reads it.
      const mic = path.join(dir, 'mic.wav');
      const wav = encodeWav(withSilence(speech, 16000, 2), 16000);
      expect(wav.readUInt16LE(20)).toBe(1); // PCM
      expect(wav.readUInt16LE(34)).toBe(16); // bits per sample
      await writeFile(mic, wav);
      browser = await launchChromium(mic);
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('captures the fake microphone, shows transcript and translation, and plays non-silent audio', async () => {
      const page = await browser.newPage({ viewport: { width: 420, height: 860 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`http://127.0.0.1:${server.port}/`);
      await page.getByText('Connected').waitFor({ timeout: 10_000 });
      await page.selectOption('#from', FROM);
      await page.selectOption('#to', TO);
      await page.click('#talk');
      await page.waitForFunction(() => (window as any).babelfishStats.events.includes('audio-end'), null, { timeout: 60_000 });
      await page.click('#talk'); // stop
      const stats = await page.evaluate(() => (window as any).babelfishStats);
      // the message the page showed for an error event says which one it was
      const shown = stats.events.includes('error') ? await page.evaluate(() => document.getElementById('message')?.textContent) : '';
      expect(stats.events, `error event; the page said: ${shown}; all errors: ${JSON.stringify(stats.errors)}`).not.toContain('error');
      expect(stats.events).toContain('partial');
      expect(stats.framesSent).toBeGreaterThan(50); // 20 ms frames from the capture worklet
      expect(stats.samplesPlayed).toBeGreaterThan(vocoderRate * 0.05);
      expect(stats.peak).toBeGreaterThan(0.05); // non-silent samples reached the player
      const said = (await page.locator('.utterance .said').first().textContent())?.trim();
      const translated = (await page.locator('.utterance .translated').first().textContent())?.trim();
      expect(said?.length).toBeGreaterThan(0);
      expect(translated?.length).toBeGreaterThan(0);
      await expect(page.locator('.utterance .actions a').first().getAttribute('download')).resolves.toBe('babelfish-translation.wav');
      // For a person to look at after the run.
      await page.screenshot({ path: path.join(os.tmpdir(), 'babelfish-real-models.png'), fullPage: true });
      expect(errors).toEqual([]);
      await page.close();
    });
  });
});

