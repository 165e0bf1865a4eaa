/**
 * Every error a user can cause carries a stable machine-readable code, so the
 * CLI can print it, the server can put it in an `error` event, and tests can
 * assert on it without matching message text.
 */
export type ErrorCode =
  // audio input
  | 'EMPTY_AUDIO'
  | 'MALFORMED_WAV'
  | 'UNSUPPORTED_AUDIO'
  | 'DECODE_FAILED'
  | 'BAD_SAMPLE_RATE'
  | 'BAD_ARGUMENT'
  // environment
  | 'BACKEND_UNAVAILABLE'
  | 'MODEL_NOT_FOUND'
  | 'MODEL_INVALID'
  | 'FILE_NOT_FOUND'
  // languages and text
  | 'UNSUPPORTED_LANGUAGE'
  | 'UNSUPPORTED_PAIR'
  // protocol
  | 'INVALID_JSON'
  | 'UNKNOWN_MESSAGE'
  | 'NOT_STARTED'
  | 'ALREADY_STARTED'
  | 'FRAME_TOO_LARGE'
  | 'BAD_FRAME'
  | 'RATE_LIMITED'
  | 'SESSION_TOO_LONG'
  | 'IDLE_TIMEOUT'
  | 'BUSY'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN_ORIGIN'
  | 'SLOW_CONSUMER'
  | 'INTERNAL';

export class BabelfishError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BabelfishError';
    this.code = code;
  }
}

export function isBabelfishError(e: unknown): e is BabelfishError {
  return e instanceof BabelfishError;
}
