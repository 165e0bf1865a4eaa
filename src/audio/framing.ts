import { BabelfishError } from '../errors.ts';

/** Frames of a non-centred framing: floor((n - frameLength) / hop) + 1, or 0 if the signal is shorter than a frame. */
export function frameCount(n: number, frameLength: number, hop: number): number {
  return n < frameLength ? 0 : Math.floor((n - frameLength) / hop) + 1;
}

function checkFraming(frameLength: number, hop: number): void {
  if (!Number.isInteger(frameLength) || frameLength <= 0 || !Number.isInteger(hop) || hop <= 0)
    throw new BabelfishError('BAD_ARGUMENT', `frame length and hop must be positive integers, got ${frameLength} and ${hop}`);
}

/**
 * Frame i is x[i*hop, i*hop + frameLength). The frames are views into `x`
 * (no copy): writing to one writes to the signal.
 */
export function frameSignal(x: Float32Array, frameLength: number, hop: number): Float32Array[] {
  checkFraming(frameLength, hop);
  const n = frameCount(x.length, frameLength, hop);
  const frames: Float32Array[] = new Array(n);
  for (let i = 0; i < n; i++) frames[i] = x.subarray(i * hop, i * hop + frameLength);
  return frames;
}

/** The same frames copied into one row-major [frames x frameLength] array. */
export function frameSignalFlat(x: Float32Array, frameLength: number, hop: number): { data: Float32Array; frames: number } {
  checkFraming(frameLength, hop);
  const n = frameCount(x.length, frameLength, hop);
  const data = new Float32Array(n * frameLength);
  for (let i = 0; i < n; i++) data.set(x.subarray(i * hop, i * hop + frameLength), i * frameLength);
  return { data, frames: n };
}
