/**
 * Every limit the server enforces, with its default, in one place. All are options so an
 * operator can loosen or tighten them; the defaults are safe for a public demo on 2 cores.
 */
export interface ServerConfig {
  port: number;
  /** Loopback by default: exposing the server is a decision, not an accident. */
  host: string;
  /** Largest WebSocket message accepted (bytes). 1 s of 48 kHz stereo PCM16 is 192 KB. */
  maxFrameBytes: number;
  /** Longest session, in seconds of received audio. */
  maxSessionSeconds: number;
  /** Concurrent sessions; one more gets a `BUSY` error. Measured capacity: see `npm run bench`. */
  maxSessions: number;
  /** A session that sends nothing for this long is closed with `IDLE_TIMEOUT`. */
  idleTimeoutMs: number;
  /** Allowed `Origin` headers; empty = any origin (CLI clients send none). */
  allowedOrigins: string[];
  /** When set, clients must send `Authorization: Bearer <token>` or `?token=`. */
  token?: string;
  /** Messages per second per connection (audio frames and JSON together), with bursts of up to 5 s of them (a token bucket). */
  maxMessagesPerSecond: number;
  /** Output not yet read by a slow client; past this the session ends with `SLOW_CONSUMER`. */
  maxBufferedBytes: number;
  /** How long a dropped session's results are kept for `resume`. */
  resumeWindowMs: number;
  /** Endpointing: silence that ends an utterance, and the longest utterance. */
  endSilenceMs: number;
  maxUtteranceSeconds: number;
}

export const DEFAULT_SERVER_CONFIG: ServerConfig = {
  port: 8080,
  host: '127.0.0.1',
  maxFrameBytes: 256 * 1024,
  maxSessionSeconds: 15 * 60,
  maxSessions: 8,
  idleTimeoutMs: 30_000,
  allowedOrigins: [],
  token: undefined,
  maxMessagesPerSecond: 200,
  maxBufferedBytes: 4 * 1024 * 1024,
  resumeWindowMs: 30_000,
  endSilenceMs: 500,
  maxUtteranceSeconds: 15,
};

export function serverConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { ...DEFAULT_SERVER_CONFIG, ...defined };
}
