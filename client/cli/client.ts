/**
 * The earbud / command-line client: streams a file or standard input to a babelfish
 * server in real time (or as fast as it accepts), prints transcripts and translations as
 * they arrive, and writes or plays the translated speech.
 */
import { createReadStream } from 'node:fs';
import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { decodeAudio } from '../../src/audio/decode.ts';
import { float32ToPcm16, pcm16ToFloat32 } from '../../src/audio/pcm.ts';
import { writeWav } from '../../src/audio/wav.ts';
import { BabelfishError } from '../../src/errors.ts';

export interface ClientOptions {
  url: string;
  from: string;
  to: string;
  /** A file path, or '-' for standard input. */
  input: string;
  /** For stdin: 'pcm16' (raw little-endian at `sampleRate`) or a container the server decodes. */
  stdinFormat: 'pcm16' | 'webm' | 'ogg' | 'wav' | 'mp3' | 'flac' | 'auto';
  sampleRate: number;
  out?: string;
  play: boolean;
  realtime: boolean;
  token?: string;
  json: boolean;
  /** Frame length sent, in milliseconds of audio. */
  frameMs: number;
  print: (line: string) => void;
}

export interface ClientResult {
  transcripts: string[];
  translations: string[];
  audio: Float32Array;
  sampleRate: number;
  errors: { code: string; message: string }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sniffs a container from its first bytes; raw PCM has no magic. */
export function sniffFormat(head: Uint8Array): ClientOptions['stdinFormat'] {
  const ascii = String.fromCharCode(...head.subarray(0, 4));
  if (ascii === 'RIFF') return 'wav';
  if (ascii === 'OggS') return 'ogg';
  if (ascii === 'fLaC') return 'flac';
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return 'webm';
  if (ascii.startsWith('ID3') || (head[0] === 0xff && (head[1]! & 0xe0) === 0xe0)) return 'mp3';
  return 'pcm16';
}

export async function runClient(o: ClientOptions): Promise<ClientResult> {
  const headers: Record<string, string> = o.token ? { authorization: `Bearer ${o.token}` } : {};
  const ws = new WebSocket(o.url.replace(/\/?$/, o.url.endsWith('/ws') ? '' : '/ws'), { headers });
  const result: ClientResult = { transcripts: [], translations: [], audio: new Float32Array(0), sampleRate: 16000, errors: [] };
  const chunks: Float32Array[] = [];
  let player: ReturnType<typeof spawn> | null = null;

  let ready = false;
  const done = new Promise<void>((resolve, reject) => {
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        const samples = pcm16ToFloat32(new Uint8Array(data as Buffer));
        chunks.push(samples);
        player?.stdin?.write(Buffer.from(data as Buffer));
        return;
      }
      const e = JSON.parse(String(data));
      if (o.json) o.print(JSON.stringify(e));
      switch (e.type) {
        case 'ready':
          ready = true;
          result.sampleRate = e.outputSampleRate;
          break;
        case 'partial':
          if (!o.json) process.stderr.write(`\r… ${e.text}`.slice(0, 120).padEnd(60) + '\r');
          break;
        case 'transcript':
          result.transcripts.push(e.text);
          if (!o.json) o.print(`[${e.lang}] ${e.text}`);
          break;
        case 'translation':
          result.translations.push(e.text);
          if (!o.json) o.print(`[${e.to}] ${e.text}`);
          break;
        case 'done':
          resolve();
          break;
        case 'error':
          result.errors.push({ code: e.code, message: e.message });
          if (!o.json) process.stderr.write(`server error [${e.code}]: ${e.message}\n`);
          // Before `ready`, an error means the start itself was refused: nothing will follow.
          if (e.fatal || !ready) reject(new BabelfishError(e.code, e.message));
          break;
      }
    });
    ws.on('close', (code, reason) => reject(new BabelfishError('INTERNAL', `the server closed the connection (${code} ${reason})`)));
    ws.on('error', (e) => reject(new BabelfishError('INTERNAL', `cannot reach ${o.url}: ${e.message}`)));
  });
  done.catch(() => {}); // awaited below

  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', (e) => reject(new BabelfishError('INTERNAL', `cannot reach ${o.url}: ${e.message}`)));
  });

  if (o.play) {
    // Plays raw PCM16 through ffplay or aplay when present; otherwise say so and write only.
    player = spawn('aplay', ['-q', '-f', 'S16_LE', '-r', '16000', '-c', '1'], { stdio: ['pipe', 'ignore', 'ignore'] });
    player.on('error', () => {
      process.stderr.write('babelfish client: no audio player (aplay) found; use --out to write a WAV\n');
      player = null;
    });
  }

  const frameBytes = (ms: number, rate: number) => 2 * Math.round((rate * ms) / 1000);
  const pace = async (sentSeconds: number, t0: number) => {
    if (!o.realtime) {
      // As fast as the server accepts: wait only when the socket's buffer fills.
      while (ws.bufferedAmount > 1 << 20) await sleep(5);
      return;
    }
    const ahead = sentSeconds * 1000 - (performance.now() - t0);
    if (ahead > 0) await sleep(ahead);
  };

  if (o.input !== '-') {
    // A file: decoded here to 16 kHz PCM16 so pacing is exact, whatever its format.
    const audio = await decodeAudio(o.input, { sampleRate: 16000 });
    ws.send(JSON.stringify({ type: 'start', from: o.from, to: o.to, sampleRate: 16000, format: 'pcm16' }));
    const pcm = Buffer.from(float32ToPcm16(audio.samples).buffer);
    const step = frameBytes(o.frameMs, 16000);
    const t0 = performance.now();
    for (let i = 0; i < pcm.length; i += step) {
      if (ws.readyState !== ws.OPEN) break;
      ws.send(pcm.subarray(i, i + step));
      await pace((i + step) / 2 / 16000, t0);
    }
  } else {
    let format = o.stdinFormat;
    let started = false;
    const t0 = performance.now();
    let sent = 0;
    let carry = Buffer.alloc(0);
    for await (const chunk of process.stdin.fd === 0 ? process.stdin : createReadStream('/dev/stdin')) {
      let buf = Buffer.concat([carry, chunk as Buffer]);
      if (!started) {
        if (format === 'auto') format = sniffFormat(buf);
        ws.send(JSON.stringify({ type: 'start', from: o.from, to: o.to, sampleRate: o.sampleRate, format }));
        started = true;
      }
      if (format === 'pcm16') {
        const whole = buf.length - (buf.length % 2); // never split a sample
        carry = buf.subarray(whole);
        buf = buf.subarray(0, whole);
        const step = frameBytes(o.frameMs, o.sampleRate);
        for (let i = 0; i < buf.length; i += step) {
          ws.send(buf.subarray(i, i + step));
          sent += Math.min(step, buf.length - i) / 2 / o.sampleRate;
          await pace(sent, t0);
        }
      } else {
        for (let i = 0; i < buf.length; i += 32 * 1024) ws.send(buf.subarray(i, i + 32 * 1024));
        carry = Buffer.alloc(0);
      }
    }
    if (!started) throw new BabelfishError('EMPTY_AUDIO', 'standard input was empty');
  }
  ws.send(JSON.stringify({ type: 'stop' }));
  try {
    await done;
  } finally {
    ws.removeAllListeners('close');
    ws.close();
    player?.stdin?.end();
  }
  const total = chunks.reduce((n, c) => n + c.length, 0);
  result.audio = new Float32Array(total);
  let off = 0;
  for (const c of chunks) {
    result.audio.set(c, off);
    off += c.length;
  }
  if (o.out) await writeWav(o.out, result.audio, result.sampleRate);
  return result;
}
