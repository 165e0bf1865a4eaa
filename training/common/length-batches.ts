/**
 * Length-bucketed batches and their order: items sorted by length are cut into batches whose
 * padded size (count x longest) stays within a frame budget, fixed for a run; each epoch
 * visits them in a fresh seeded shuffle, so a step number alone names its batch and a resumed
 * run replays the same order.
 */
import { mulberry32 } from '../../src/random.ts';

/** Item indices per batch: at most `maxBatch` items and `maxFrames` padded frames each (a longer item gets a batch of its own). */
export function lengthBatches(items: readonly { frames: number }[], maxFrames: number, maxBatch: number): number[][] {
  const order = items.map((_, i) => i).sort((a, b) => items[a]!.frames - items[b]!.frames);
  const batches: number[][] = [];
  let cur: number[] = [];
  for (const i of order) {
    const longest = items[i]!.frames;
    if (cur.length && ((cur.length + 1) * longest > maxFrames || cur.length >= maxBatch)) {
      batches.push(cur);
      cur = [];
    }
    cur.push(i);
  }
  if (cur.length) batches.push(cur);
  return batches;
}

/** The batch of global step `step`: a Fisher-Yates shuffle per epoch, seeded by the run's seed and the epoch. */
export function batchForStep(step: number, numBatches: number, seed: number): number {
  const epoch = Math.floor(step / numBatches);
  const rand = mulberry32(seed * 1_000_003 + epoch);
  const perm = Array.from({ length: numBatches }, (_, i) => i);
  for (let i = perm.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  return perm[step % numBatches]!;
}
