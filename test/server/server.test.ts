/**
 * The server's transport and its defences, on loopback with real `ws` clients. The
 * models are replaced by the deterministic doubles of test/helpers/fake-stages.ts; the
 * end-to-end test with the trained models lives in test/e2e.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startServer, type BabelfishServer } from '../../server/server.ts';
import { fakeStages } from '../helpers/fake-stages.ts';
import { TestClient, waitUntil } from '../helpers/ws-client.ts';
import { float32ToPcm16 } from '../../src/audio/pcm.ts';

/** Voiced-speech-like bursts (harmonics of 140 Hz, syllabic modulation) between silences. */
function speechLike(seconds: number, rate = 16000, silenceAfter = 1.0): Float32Array {
  const n = Math.round(seconds * rate);
  const out = new Float32Array(n + Math.round(silenceAfter * rate));
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    let v = 0;
    for (let h = 1; h <= 12; h++) v += Math.sin(2 * Math.PI * 140 * h * t) / h;
    out[i] = 0.2 * v * (0.6 + 0.4 * Math.sin(2 * Math.PI * 4 * t));
  }
  return out;
}

function pcmBytes(x: Float32Array): Buffer {
  const p = float32ToPcm16(x);
  return Buffer.from(p.buffer, p.byteOffset, p.byteLength);
}

async function streamAudio(c: TestClient, x: Float32Array, chunkSamples = 3200) {
  const bytes = pcmBytes(x);
  for (let i = 0; i < bytes.length; i += chunkSamples * 2) c.ws.send(bytes.subarray(i, i + chunkSamples * 2));
}

let server: BabelfishServer;
let url: string;

beforeAll(async () => {
  server = await startServer({
    config: { port: 0, maxSessions: 3, maxFrameBytes: 64 * 1024, idleTimeoutMs: 10_000, resumeWindowMs: 0 },
    loadStages: async () => fakeStages(),
    log: () => {},
  });
  await server.ready;
  url = `ws://127.0.0.1:${server.port}/ws`;
});

afterAll(async () => {
  await server.close(100);
});

async function expectHealthy() {
  const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
  expect(res.status).toBe(200);
}

describe('streaming session', () => {
  it('answers start with ready, then partials, transcript, translation and PCM16 audio per utterance', async () => {
    const c = await TestClient.open(url);
    c.json({ type: 'start', from: 'en', to: 'es', sampleRate: 16000, format: 'pcm16' });
    const ready = await c.waitFor('ready');
    expect(ready.outputSampleRate).toBe(16000);
    await streamAudio(c, speechLike(1.5));
    c.json({ type: 'stop' });
    await c.waitFor('done');
    const types = c.received.events.map((e) => e.type);
    expect(types).toContain('partial');
    const transcript = c.event('transcript')!;
    // The double reports the samples it heard: about the 1.5 s burst plus pre-roll and hangover.
    const heard = Number(/heard (\d+) samples/.exec(transcript.text)![1]);
    expect(heard / 16000).toBeGreaterThan(1.4);
    expect(heard / 16000).toBeLessThan(2.6);
    expect(c.event('translation')!.text).toBe(`[en->es] ${transcript.text}`);
    const end = c.event('audio-end')!;
    const received = c.received.audio.reduce((n, b) => n + b.length / 2, 0);
    expect(received).toBe(end.samples);
    expect(received).toBeGreaterThan(0);
    expect(types.indexOf('transcript')).toBeLessThan(types.indexOf('translation'));
    expect(types.indexOf('audio-start')).toBeLessThan(types.indexOf('audio-end'));
    await c.close();
    await expectHealthy();
  });

  it("drops audio frames still in flight after 'stop' without an error; audio long after is an error again", async () => {
    const c = await TestClient.open(url);
    c.json({ type: 'start', from: 'en', to: 'es', sampleRate: 16000, format: 'pcm16' });
    await c.waitFor('ready');
    await streamAudio(c, speechLike(0.5, 16000), 3200);
    c.json({ type: 'stop' });
    c.ws.send(Buffer.alloc(640)); // captured before the stop, arriving after it
    await c.waitFor('done');
    c.ws.send(Buffer.alloc(640)); // and after the session is gone
    c.json({ type: 'ping' });
    await c.waitFor('pong');
    expect(c.received.events.filter((e) => e.type === 'error')).toEqual([]);
    await new Promise((r) => setTimeout(r, 2100));
    c.ws.send(Buffer.alloc(640));
    expect((await c.waitFor('error', 'NOT_STARTED')).fatal).toBe(false);
    await c.close();
  });

  it('resamples PCM16 sent at 48 kHz stereo', async () => {
    const c = await TestClient.open(url);
    c.json({ type: 'start', from: 'en', to: 'fr', sampleRate: 48000, channels: 2, format: 'pcm16' });
    await c.waitFor('ready');
    const mono = speechLike(1.0, 48000);
    const stereo = new Float32Array(mono.length * 2);
    for (let i = 0; i < mono.length; i++) stereo[2 * i] = stereo[2 * i + 1] = mono[i]!;
    await streamAudio(c, stereo, 9600);
    c.json({ type: 'stop' });
    await c.waitFor('done');
    const heard = Number(/heard (\d+) samples/.exec(c.event('transcript')!.text)![1]);
    expect(heard / 16000).toBeGreaterThan(0.9); // counted at 16 kHz after resampling
    expect(heard / 16000).toBeLessThan(2.2);
    await c.close();
  });
});

describe('bad input gets an error event and harms nothing else', () => {
  const cases: [string, (c: TestClient) => void, string][] = [
    ['invalid JSON', (c) => c.json('{nope'), 'INVALID_JSON'],
    ['unknown message type', (c) => c.json({ type: 'dance' }), 'UNKNOWN_MESSAGE'],
    ['audio before start', (c) => c.ws.send(Buffer.alloc(640)), 'NOT_STARTED'],
    ['wrong sample rate field', (c) => c.json({ type: 'start', from: 'en', to: 'es', sampleRate: 0 }), 'BAD_SAMPLE_RATE'],
    ['unsupported language pair', (c) => c.json({ type: 'start', from: 'en', to: 'xx' }), 'UNSUPPORTED_LANGUAGE'],
    ['same language on both sides', (c) => c.json({ type: 'start', from: 'es', to: 'es' }), 'UNSUPPORTED_PAIR'],
    ['stop before start', (c) => c.json({ type: 'stop' }), 'NOT_STARTED'],
  ];
  for (const [name, act, code] of cases) {
    it(name, async () => {
      const c = await TestClient.open(url);
      act(c);
      const err = await c.waitFor('error', code);
      expect(err.message.length).toBeGreaterThan(10);
      expect(err.fatal).toBe(false);
      // The connection is still usable afterwards.
      c.json({ type: 'ping' });
      await c.waitFor('pong');
      await c.close();
    });
  }

  it('odd-length PCM16 frames and oversized frames are dropped with an error; the session goes on', async () => {
    const c = await TestClient.open(url);
    c.json({ type: 'start', from: 'en', to: 'es' });
    await c.waitFor('ready');
    c.ws.send(Buffer.alloc(641));
    await c.waitFor('error', 'BAD_FRAME');
    c.ws.send(Buffer.alloc(64 * 1024 + 2));
    await c.waitFor('error', 'FRAME_TOO_LARGE');
    await streamAudio(c, speechLike(0.8));
    c.json({ type: 'stop' });
    await c.waitFor('done');
    expect(c.event('transcript')).toBeDefined();
    await c.close();
  });

  it('garbage declared as WebM ends the session with DECODE_FAILED', async () => {
    const c = await TestClient.open(url);
    c.json({ type: 'start', from: 'en', to: 'es', format: 'webm' });
    await c.waitFor('ready');
    c.ws.send(Buffer.from('this is not a webm file at all'.repeat(50)));
    c.json({ type: 'stop' });
    const err = await c.waitFor('error', 'DECODE_FAILED');
    expect(err.fatal).toBe(true);
    await c.until(() => c.closed !== null, 'close');
    await waitUntil(() => server.sessionCount() === 0, 'sessions released');
    await expectHealthy();
  });

  it('too many sessions: the extra one gets BUSY; a vanished client frees its slot', async () => {
    const clients = await Promise.all([0, 1, 2].map(() => TestClient.open(url)));
    for (const c of clients) c.json({ type: 'start', from: 'en', to: 'es' });
    await Promise.all(clients.map((c) => c.waitFor('ready')));
    const extra = await TestClient.open(url);
    extra.json({ type: 'start', from: 'en', to: 'es' });
    const busy = await extra.waitFor('error', 'BUSY');
    expect(busy.fatal).toBe(true);
    await extra.until(() => extra.closed !== null, 'close');
    expect(extra.closed!.code).toBe(1013);
    // One client vanishes mid-utterance without a close handshake.
    await streamAudio(clients[0]!, speechLike(0.5, 16000, 0));
    clients[0]!.ws.terminate();
    for (const c of clients.slice(1)) await c.close();
    await waitUntil(() => server.sessionCount() === 0, 'all sessions released', 5000);
    expect(server.sessionCount()).toBe(0);
    await expectHealthy();
  });
});

describe('configured gates', () => {
  it('rejects a missing or wrong token and a foreign origin, accepts the right ones', async () => {
    const gated = await startServer({
      config: { port: 0, token: 's3cret', allowedOrigins: ['http://good.example'] },
      loadStages: async () => fakeStages(),
      log: () => {},
    });
    await gated.ready;
    const base = `ws://127.0.0.1:${gated.port}/ws`;
    const noToken = await TestClient.open(base);
    expect((await noToken.waitFor('error', 'UNAUTHORIZED')).fatal).toBe(true);
    const wrong = await TestClient.open(base, { headers: { authorization: 'Bearer nope' } });
    await wrong.waitFor('error', 'UNAUTHORIZED');
    const badOrigin = await TestClient.open(base + '?token=s3cret', { origin: 'http://evil.example' });
    await badOrigin.waitFor('error', 'FORBIDDEN_ORIGIN');
    const ok = await TestClient.open(base, { headers: { authorization: 'Bearer s3cret' }, origin: 'http://good.example' });
    ok.json({ type: 'start', from: 'en', to: 'de' });
    await ok.waitFor('ready');
    await ok.close();
    await gated.close(100);
  });

  it('/healthz is 503 while models load and /metrics counts sessions and errors', async () => {
    let release!: () => void;
    const slow = await startServer({
      config: { port: 0 },
      loadStages: () => new Promise((r) => (release = () => r(fakeStages()))),
      log: () => {},
    });
    expect((await fetch(`http://127.0.0.1:${slow.port}/healthz`)).status).toBe(503);
    release();
    await slow.ready;
    expect((await fetch(`http://127.0.0.1:${slow.port}/healthz`)).status).toBe(200);
    const c = await TestClient.open(`ws://127.0.0.1:${slow.port}/ws`);
    c.json('{bad');
    await c.waitFor('error', 'INVALID_JSON');
    await c.close();
    const metrics = await (await fetch(`http://127.0.0.1:${slow.port}/metrics`)).text();
    expect(metrics).toContain('babelfish_errors_total{code="INVALID_JSON"} 1');
    await slow.close(100);
  });
});

describe('resume', () => {
  it('a client that drops mid-session resumes by id and receives what it missed', async () => {
    const srv = await startServer({ config: { port: 0, resumeWindowMs: 5000 }, loadStages: async () => fakeStages(), log: () => {} });
    await srv.ready;
    const u = `ws://127.0.0.1:${srv.port}/ws`;
    const first = await TestClient.open(u);
    first.json({ type: 'start', from: 'en', to: 'es' });
    const ready = await first.waitFor('ready');
    await streamAudio(first, speechLike(1.0));
    await first.waitFor('partial');
    const seen = first.received.events.length + first.received.audio.length;
    const lastSeq = Math.max(...first.received.events.map((e) => e.seq));
    first.ws.terminate(); // the network drops; the session keeps running, parked
    await waitUntil(() => first.closed !== null, 'drop');
    expect(srv.sessionCount()).toBe(1);

    const second = await TestClient.open(u);
    second.json({ type: 'resume', session: ready.session, lastSeq: seen });
    second.json({ type: 'stop' });
    await second.waitFor('done');
    // Nothing sent before the drop comes again, and the utterance completes.
    expect(second.received.events.every((e) => e.seq > lastSeq)).toBe(true);
    expect(second.event('transcript')).toBeDefined();
    expect(second.event('audio-end')).toBeDefined();
    await second.close();
    await waitUntil(() => srv.sessionCount() === 0, 'released');
    const unknown = await TestClient.open(u);
    unknown.json({ type: 'resume', session: 'nope' });
    await unknown.waitFor('error', 'BAD_ARGUMENT');
    await unknown.close();
    await srv.close(100);
  });
});

describe('fuzz', () => {
  it('thousands of random frames and messages leave the server healthy', async () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const messages = [
      () => JSON.stringify({ type: 'start', from: ['en', 'es', 'xx', 'auto', 7][Math.floor(rand() * 5)], to: 'fr', sampleRate: [16000, 44100, -1, 'a'][Math.floor(rand() * 4)] }),
      () => JSON.stringify({ type: ['stop', 'ping', 'resume', 'text', null][Math.floor(rand() * 5)], session: 'x', text: 'hola' }),
      () => String.fromCharCode(...Array.from({ length: Math.floor(rand() * 40) }, () => Math.floor(rand() * 256))),
      () => Buffer.from(Array.from({ length: Math.floor(rand() * 2000) }, () => Math.floor(rand() * 256))),
    ];
    const clients = await Promise.all([0, 1].map(() => TestClient.open(url)));
    for (let i = 0; i < 3000; i++) {
      const c = clients[i % 2]!;
      if (c.closed) continue;
      const m = messages[Math.floor(rand() * messages.length)]!();
      c.ws.send(m);
      if (i % 200 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    for (const c of clients) if (!c.closed) c.ws.terminate();
    await waitUntil(() => server.sessionCount() === 0, 'sessions released', 10_000);
    await expectHealthy();
    // A well-behaved client still gets served.
    const ok = await TestClient.open(url);
    ok.json({ type: 'start', from: 'en', to: 'es' });
    await ok.waitFor('ready');
    await ok.close();
  });
});
