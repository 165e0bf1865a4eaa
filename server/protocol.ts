/**
 * The wire protocol's messages and their validation. `server/PROTOCOL.md` is the
 * human description; this file is the single source of truth for field names.
 */
import { BabelfishError } from '../src/errors.ts';

export type AudioFormat = 'pcm16' | 'webm' | 'ogg' | 'wav' | 'mp3' | 'flac';
export const AUDIO_FORMATS: readonly AudioFormat[] = ['pcm16', 'webm', 'ogg', 'wav', 'mp3', 'flac'];
/** Raw PCM16 rates accepted; anything else is resampled from one of these. */
export const MIN_SAMPLE_RATE = 8000;
export const MAX_SAMPLE_RATE = 96000;

export interface StartMessage {
  type: 'start';
  from: string; // a language code or 'auto'
  to: string;
  sampleRate: number;
  format: AudioFormat;
  channels: number;
  /** Optional synthesizer voice. */
  voice?: number;
}
export interface StopMessage {
  type: 'stop';
}
export interface ResumeMessage {
  type: 'resume';
  session: string;
  /** Events with seq <= lastSeq were received; the rest are sent again. */
  lastSeq?: number;
}
export interface TextMessage {
  type: 'text';
  text: string;
  from: string;
  to: string;
}
export interface PingMessage {
  type: 'ping';
}
export type ClientMessage = StartMessage | StopMessage | ResumeMessage | TextMessage | PingMessage;

export type ServerEvent =
  | { type: 'ready'; session: string; sampleRate: number; outputSampleRate: number; languages: string[] }
  | { type: 'partial'; utterance: number; text: string }
  | { type: 'transcript'; utterance: number; text: string; lang: string; start: number; end: number }
  | { type: 'translation'; utterance: number; text: string; from: string; to: string }
  | { type: 'audio-start'; utterance: number; sampleRate: number; format: 'pcm16' }
  | { type: 'audio-end'; utterance: number; samples: number; timings: Record<string, number> }
  | { type: 'done' }
  | { type: 'pong' }
  | { type: 'error'; code: string; message: string; fatal: boolean };

function fail(code: 'INVALID_JSON' | 'UNKNOWN_MESSAGE' | 'BAD_ARGUMENT' | 'BAD_SAMPLE_RATE', message: string): never {
  throw new BabelfishError(code, message);
}

function str(o: Record<string, unknown>, key: string, max = 64): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0 || v.length > max) fail('BAD_ARGUMENT', `'${key}' must be a non-empty string of at most ${max} characters`);
  return v;
}

/** Parses one text frame from a client; every malformed case is a BabelfishError. */
export function parseClientMessage(text: string): ClientMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    fail('INVALID_JSON', 'a text message must be one JSON object');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('INVALID_JSON', 'a text message must be one JSON object');
  const o = raw as Record<string, unknown>;
  switch (o.type) {
    case 'start': {
      const sampleRate = o.sampleRate ?? 16000;
      if (typeof sampleRate !== 'number' || !Number.isInteger(sampleRate) || sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE)
        fail('BAD_SAMPLE_RATE', `'sampleRate' must be an integer from ${MIN_SAMPLE_RATE} to ${MAX_SAMPLE_RATE} Hz, got ${JSON.stringify(sampleRate)}`);
      const format = o.format ?? 'pcm16';
      if (typeof format !== 'string' || !AUDIO_FORMATS.includes(format as AudioFormat))
        fail('BAD_ARGUMENT', `'format' must be one of ${AUDIO_FORMATS.join(', ')}`);
      const channels = o.channels ?? 1;
      if (channels !== 1 && channels !== 2) fail('BAD_ARGUMENT', `'channels' must be 1 or 2`);
      const voice = o.voice;
      if (voice !== undefined && (typeof voice !== 'number' || !Number.isInteger(voice) || voice < 0))
        fail('BAD_ARGUMENT', `'voice' must be a non-negative integer`);
      return { type: 'start', from: str(o, 'from', 8), to: str(o, 'to', 8), sampleRate, format: format as AudioFormat, channels, voice: voice as number | undefined };
    }
    case 'stop':
      return { type: 'stop' };
    case 'ping':
      return { type: 'ping' };
    case 'resume': {
      const lastSeq = o.lastSeq;
      if (lastSeq !== undefined && (typeof lastSeq !== 'number' || !Number.isInteger(lastSeq) || lastSeq < 0))
        fail('BAD_ARGUMENT', `'lastSeq' must be a non-negative integer`);
      return { type: 'resume', session: str(o, 'session', 64), lastSeq: lastSeq as number | undefined };
    }
    case 'text':
      return { type: 'text', text: str(o, 'text', 2000), from: str(o, 'from', 8), to: str(o, 'to', 8) };
    default:
      fail('UNKNOWN_MESSAGE', `unknown message type ${JSON.stringify(o.type)}; expected start, stop, text, resume or ping`);
  }
}
