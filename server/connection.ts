/**
 * One WebSocket client: parses its messages, enforces the limits, turns its audio into
 * 16 kHz samples for a `TranslationSession`, and sends the session's events back as JSON
 * text frames and PCM16 binary frames. It moves bytes and events; the pipeline does the work.
 */
import { TokenBucket } from './rate-limit.ts';
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { BabelfishError, type ErrorCode } from '../src/errors.ts';
import { pcm16ToFloat32, float32ToPcm16 } from '../src/audio/pcm.ts';
import { Resampler } from '../src/audio/resample.ts';
import { StreamingDecoder } from '../src/audio/decode.ts';
import { TranslationSession, PIPELINE_SAMPLE_RATE, type PipelineEvent } from '../src/pipeline/session.ts';
import type { PipelineStages } from '../src/pipeline/stages.ts';
import type { FairScheduler } from '../src/pipeline/scheduler.ts';
import { parseClientMessage, type StartMessage, type ServerEvent, type TextMessage } from './protocol.ts';
import type { ServerConfig } from './config.ts';
import type { ServerMetrics } from './metrics.ts';

/** Errors after which the connection cannot go on, and the close code each gets. */
const FATAL: Partial<Record<ErrorCode, number>> = {
  BUSY: 1013,
  UNAUTHORIZED: 1008,
  FORBIDDEN_ORIGIN: 1008,
  SESSION_TOO_LONG: 1008,
  IDLE_TIMEOUT: 1000,
  SLOW_CONSUMER: 1008,
  DECODE_FAILED: 1007,
};

/** How long after a session ends its late audio frames are dropped without an error. */
const LATE_AUDIO_GRACE_MS = 2000;

export interface ConnectionContext {
  config: ServerConfig;
  metrics: ServerMetrics;
  scheduler: FairScheduler;
  stages: () => PipelineStages | null;
  /** Sessions count against `maxSessions` from `start` until they end. */
  sessions: Set<Connection>;
  /** Dropped sessions waiting to be resumed, by id. */
  parked: Map<string, Connection>;
}

type Outgoing = { text: string } | { binary: Buffer };

export class Connection {
  readonly id = randomUUID();
  private socket: WebSocket | null;
  private session: TranslationSession | null = null;
  private start: StartMessage | null = null;
  private resampler: Resampler | null = null;
  private decoder: StreamingDecoder | null = null;
  private receivedSamples = 0; // at the client's rate, for the session length limit
  private idleTimer: NodeJS.Timeout | null = null;
  private rateBucket: TokenBucket | null = null;
  /** When RATE_LIMITED was last sent: at most one a second, however long a flood lasts. */
  private rateErrorAt = -Infinity;
  /** Everything sent, for `resume`: seq = index + 1. Trimmed to a byte budget. */
  private readonly log: Outgoing[] = [];
  private logOffset = 0; // seq of log[0] - 1
  private logBytes = 0;
  private sent = 0;
  private ended = false;
  /** When this connection's last session was stopped or ended (ms), for frames still in flight. */
  private sessionEndedAt = -Infinity;

  constructor(socket: WebSocket, private readonly ctx: ConnectionContext) {
    this.socket = socket;
    this.attach(socket);
  }

  get active(): boolean {
    return this.session !== null;
  }

  /** Sends a fatal error and closes; used for auth/origin/busy before any message. */
  reject(code: ErrorCode, message: string): void {
    this.fail(new BabelfishError(code, message), true);
  }

  private attach(socket: WebSocket): void {
    socket.on('message', (data, isBinary) => this.onMessage(data as Buffer | ArrayBuffer | Buffer[], isBinary));
    socket.on('close', () => this.onSocketClosed(socket));
    socket.on('error', () => this.onSocketClosed(socket));
    this.touch();
  }

  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.fail(new BabelfishError('IDLE_TIMEOUT', `no message for ${this.ctx.config.idleTimeoutMs} ms`), true), this.ctx.config.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private overRate(): boolean {
    const now = Date.now();
    // up to 5 s of messages may arrive at once (after a stall of this process's event loop)
    this.rateBucket ??= new TokenBucket(this.ctx.config.maxMessagesPerSecond, 5, now);
    return !this.rateBucket.take(now);
  }

  private onMessage(raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    this.touch();
    const data = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (this.overRate()) {
      const now = Date.now();
      if (now - this.rateErrorAt >= 1000) {
        this.rateErrorAt = now;
        this.fail(new BabelfishError('RATE_LIMITED', `more than ${this.ctx.config.maxMessagesPerSecond} messages a second; extra messages are dropped`), false);
      }
      return;
    }
    if (data.length > this.ctx.config.maxFrameBytes) {
      this.fail(new BabelfishError('FRAME_TOO_LARGE', `a message of ${data.length} bytes exceeds the limit of ${this.ctx.config.maxFrameBytes}; it was dropped`), false);
      return;
    }
    try {
      if (isBinary) this.onAudio(data);
      else this.onControl(data.toString('utf8'));
    } catch (e) {
      this.fail(e, false);
    }
  }

  private onControl(text: string): void {
    const msg = parseClientMessage(text);
    switch (msg.type) {
      case 'ping':
        this.send({ type: 'pong' });
        return;
      case 'start':
        return this.onStart(msg);
      case 'stop':
        if (!this.session) throw new BabelfishError('NOT_STARTED', "'stop' before 'start'");
        void this.finish();
        return;
      case 'text':
        void this.onText(msg);
        return;
      case 'resume':
        return this.onResume(msg.session, msg.lastSeq ?? 0);
    }
  }

  private onStart(msg: StartMessage): void {
    if (this.session) throw new BabelfishError('ALREADY_STARTED', "a session is already running; send 'stop' first");
    const stages = this.ctx.stages();
    if (!stages) throw new BabelfishError('BUSY', 'the models are still loading; try again in a moment');
    if (this.ctx.sessions.size >= this.ctx.config.maxSessions) {
      this.fail(new BabelfishError('BUSY', `the server is at its limit of ${this.ctx.config.maxSessions} sessions; try again later`), true);
      return;
    }
    const session = new TranslationSession(
      stages,
      { id: this.id, from: msg.from, to: msg.to, voice: msg.voice, endSilenceMs: this.ctx.config.endSilenceMs, maxUtteranceSeconds: this.ctx.config.maxUtteranceSeconds, prerollMs: 200, scheduler: this.ctx.scheduler },
      (e) => this.onPipelineEvent(e),
    );
    this.start = msg;
    this.session = session;
    this.receivedSamples = 0;
    this.ended = false;
    if (msg.format === 'pcm16') {
      this.resampler = msg.sampleRate === PIPELINE_SAMPLE_RATE ? null : new Resampler(msg.sampleRate, PIPELINE_SAMPLE_RATE);
    } else {
      this.decoder = new StreamingDecoder({ sampleRate: PIPELINE_SAMPLE_RATE });
      this.decoder.onData((samples) => this.session?.push(samples));
      this.decoder.onError((e) => this.fail(e, true));
    }
    this.ctx.sessions.add(this);
    this.ctx.metrics.sessionsTotal.inc();
    this.ctx.metrics.activeSessions.set(this.ctx.sessions.size);
    this.send({ type: 'ready', session: this.id, sampleRate: PIPELINE_SAMPLE_RATE, outputSampleRate: stages.vocoder.sampleRate, languages: [...stages.translator.languages] });
  }

  private onAudio(data: Buffer): void {
    const start = this.start;
    // Frames a client captured before it sent 'stop' (or before the session ended) are still
    // on the wire afterwards: drop them quietly for a moment rather than answer each with an error.
    if (!this.session || !start) {
      if (Date.now() - this.sessionEndedAt < LATE_AUDIO_GRACE_MS) return;
      throw new BabelfishError('NOT_STARTED', "audio arrived before 'start'; send a start message first");
    }
    if (this.ended) return;
    if (this.decoder) {
      this.decoder.push(data);
      this.countInput(data.length / 2); // an estimate for containers; the decoder reports the truth
      return;
    }
    const bytesPerFrame = 2 * start.channels;
    if (data.length % bytesPerFrame !== 0)
      throw new BabelfishError('BAD_FRAME', `a PCM16 frame with ${start.channels} channel(s) must be a multiple of ${bytesPerFrame} bytes, got ${data.length}; it was dropped`);
    let samples = pcm16ToFloat32(data);
    if (start.channels === 2) {
      const mono = new Float32Array(samples.length / 2);
      for (let i = 0; i < mono.length; i++) mono[i] = 0.5 * (samples[2 * i]! + samples[2 * i + 1]!);
      samples = mono;
    }
    if (!this.countInput(samples.length)) return;
    this.session.push(this.resampler ? this.resampler.push(samples) : samples);
  }

  /** Returns false (and ends the session) once it is longer than allowed. */
  private countInput(frames: number): boolean {
    const rate = this.start!.sampleRate;
    this.receivedSamples += frames;
    this.ctx.metrics.audioInSeconds.inc({}, frames / rate);
    if (this.receivedSamples / rate > this.ctx.config.maxSessionSeconds) {
      this.fail(new BabelfishError('SESSION_TOO_LONG', `sessions are limited to ${this.ctx.config.maxSessionSeconds} s of audio`), true);
      return false;
    }
    return true;
  }

  private async finish(): Promise<void> {
    const session = this.session;
    if (!session || this.ended) return;
    this.ended = true;
    this.sessionEndedAt = Date.now();
    if (this.resampler) session.push(this.resampler.flush());
    if (this.decoder) await this.decoder.end();
    await session.end();
    this.send({ type: 'done' });
    this.releaseSession();
  }

  private async onText(msg: TextMessage): Promise<void> {
    const stages = this.ctx.stages();
    try {
      if (!stages) throw new BabelfishError('BUSY', 'the models are still loading; try again in a moment');
      for (const lang of [msg.from, msg.to])
        if (!stages.translator.languages.includes(lang)) throw new BabelfishError('UNSUPPORTED_LANGUAGE', `unsupported language '${lang}'; supported: ${stages.translator.languages.join(', ')}`);
      const run = <T>(job: () => Promise<T>) => this.ctx.scheduler.run(this.id, job);
      const translation = msg.from === msg.to ? msg.text : await run(() => stages.translator.translate(msg.text, msg.from, msg.to));
      this.send({ type: 'translation', utterance: -1, text: translation, from: msg.from, to: msg.to });
      const mel = await run(() => stages.synthesizer.synthesize(translation, msg.to));
      this.send({ type: 'audio-start', utterance: -1, sampleRate: stages.vocoder.sampleRate, format: 'pcm16' });
      const it = stages.vocoder.stream(mel)[Symbol.asyncIterator]();
      let samples = 0;
      for (;;) {
        const next = await run(() => it.next());
        if (next.done) break;
        samples += next.value.length;
        this.sendAudio(next.value, stages.vocoder.sampleRate);
      }
      this.send({ type: 'audio-end', utterance: -1, samples, timings: {} });
    } catch (e) {
      this.fail(e, false);
    }
  }

  private onPipelineEvent(e: PipelineEvent): void {
    const m = this.ctx.metrics;
    switch (e.type) {
      case 'audio':
        this.sendAudio(e.samples, this.ctx.stages()?.vocoder.sampleRate ?? PIPELINE_SAMPLE_RATE);
        return;
      case 'audio-start':
        this.send({ type: 'audio-start', utterance: e.utterance, sampleRate: e.sampleRate, format: 'pcm16' });
        return;
      case 'audio-end': {
        const t = e.timings;
        for (const [stage, ms] of Object.entries({ asr: t.asr, mt: t.mt, tts: t.tts, vocoder: t.vocoder })) m.stageLatency.observe(ms / 1000, { stage });
        m.firstAudioLatency.observe(t.firstAudio / 1000);
        m.utterances.inc();
        this.send({ type: 'audio-end', utterance: e.utterance, samples: e.samples, timings: { ...t } });
        return;
      }
      case 'error':
        this.fail(new BabelfishError(e.code as ErrorCode, e.message), false);
        return;
      default:
        this.send(e);
    }
  }

  private sendAudio(samples: Float32Array, rate: number): void {
    this.ctx.metrics.audioOutSeconds.inc({}, samples.length / rate);
    const pcm = float32ToPcm16(samples);
    this.deliver({ binary: Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength) });
  }

  private send(event: ServerEvent): void {
    this.deliver({ text: JSON.stringify({ ...event, seq: this.sent + 1 }) });
  }

  private deliver(out: Outgoing): void {
    this.sent++;
    this.log.push(out);
    this.logBytes += 'text' in out ? out.text.length : out.binary.length;
    while (this.logBytes > this.ctx.config.maxBufferedBytes && this.log.length > 1) {
      const old = this.log.shift()!;
      this.logOffset++;
      this.logBytes -= 'text' in old ? old.text.length : old.binary.length;
    }
    const s = this.socket;
    if (!s || s.readyState !== s.OPEN) return; // parked: kept in the log for resume
    if (s.bufferedAmount > this.ctx.config.maxBufferedBytes) {
      this.fail(new BabelfishError('SLOW_CONSUMER', `the client is not reading: more than ${this.ctx.config.maxBufferedBytes} bytes are waiting`), true);
      return;
    }
    s.send('text' in out ? out.text : out.binary, { binary: !('text' in out) });
  }

  private fail(e: unknown, fatal: boolean): void {
    const err = e instanceof BabelfishError ? e : new BabelfishError('INTERNAL', (e as Error)?.message ?? String(e));
    const isFatal = fatal || err.code in FATAL;
    this.ctx.metrics.errors.inc({ code: err.code });
    const s = this.socket;
    if (s && s.readyState === s.OPEN) {
      // Errors bypass the resume log and the slow-consumer check: they are small and final.
      this.sent++;
      s.send(JSON.stringify({ type: 'error', code: err.code, message: err.message, fatal: isFatal, seq: this.sent }));
      this.log.push({ text: '' });
    }
    if (isFatal) {
      this.releaseSession();
      this.teardown();
      s?.close(FATAL[err.code] ?? 1008, err.code);
    }
  }

  private onResume(id: string, lastSeq: number): void {
    const old = this.ctx.parked.get(id);
    if (!old || this.session) throw new BabelfishError('BAD_ARGUMENT', `no session '${id}' to resume (it ended, or more than ${this.ctx.config.resumeWindowMs} ms passed)`);
    this.ctx.parked.delete(id);
    // The old connection object keeps its session and log; move the socket over to it.
    const socket = this.socket!;
    socket.removeAllListeners('message');
    socket.removeAllListeners('close');
    socket.removeAllListeners('error');
    this.socket = null;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    old.adopt(socket, lastSeq);
  }

  private adopt(socket: WebSocket, lastSeq: number): void {
    if (this.parkTimer) clearTimeout(this.parkTimer);
    this.socket = socket;
    this.attach(socket);
    const from = Math.max(lastSeq, this.logOffset);
    for (let seq = from + 1; seq <= this.sent; seq++) {
      const out = this.log[seq - 1 - this.logOffset];
      if (!out || ('text' in out && !out.text)) continue;
      socket.send('text' in out ? out.text : out.binary, { binary: !('text' in out) });
    }
  }

  private parkTimer: NodeJS.Timeout | null = null;

  private onSocketClosed(socket: WebSocket): void {
    if (this.socket !== socket) return;
    this.socket = null;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.session && this.ctx.config.resumeWindowMs > 0) {
      // Keep working for a short while so a reconnecting client loses nothing.
      this.ctx.parked.set(this.id, this);
      this.parkTimer = setTimeout(() => {
        this.ctx.parked.delete(this.id);
        this.releaseSession();
        this.teardown();
      }, this.ctx.config.resumeWindowMs);
      this.parkTimer.unref();
      return;
    }
    this.releaseSession();
    this.teardown();
  }

  private releaseSession(): void {
    if (this.session) this.sessionEndedAt = Date.now();
    if (this.session && !this.ended) this.session.close();
    this.session = null;
    this.start = null;
    this.resampler = null;
    this.decoder?.destroy();
    this.decoder = null;
    this.ctx.sessions.delete(this);
    this.ctx.metrics.activeSessions.set(this.ctx.sessions.size);
  }

  private teardown(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.parkTimer) clearTimeout(this.parkTimer);
    this.ctx.parked.delete(this.id);
  }

  /** Graceful shutdown: finish what was said, then close with 1001 (going away). */
  async shutdown(graceMs: number): Promise<void> {
    const done = this.session ? this.finish() : Promise.resolve();
    await Promise.race([done, new Promise((r) => setTimeout(r, graceMs).unref())]);
    this.releaseSession();
    this.teardown();
    this.socket?.close(1001, 'server shutting down');
  }
}
