/**
 * How well the alignments agree with espeak's own word timings (the corpus saves them in
 * align/<id>.json): mean absolute difference, in ms, between the time each word starts in
 * our character durations and the time espeak says it started. A check on Monotonic
 * Alignment Search that needs no phonemizer in the model; only utterances whose word count
 * matches (numbers and hyphens can split words differently) are compared.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';

/** Start frame of every word (run of letters and apostrophes) of `text`, given per-character durations. */
export function wordStartFrames(text: string, durations: readonly number[]): number[] {
  const chars = [...text];
  const starts: number[] = [];
  let frame = 0;
  let inWord = false;
  chars.forEach((c, i) => {
    const letter = /[\p{L}']/u.test(c);
    if (letter && !inWord) starts.push(frame);
    inWord = letter;
    frame += durations[i] ?? 0;
  });
  return starts;
}

/** Word start times (s) from an align/<id>.json file next to the manifest, or null. */
export function readWordStarts(alignPath: string | undefined, manifestPath: string): number[] | null {
  if (!alignPath) return null;
  const path = isAbsolute(alignPath) ? alignPath : resolve(dirname(manifestPath), alignPath);
  if (!existsSync(path)) return null;
  try {
    const j = JSON.parse(readFileSync(path, 'utf8')) as { words?: { start: number }[] };
    return Array.isArray(j.words) ? j.words.map((w) => w.start) : null;
  } catch {
    return null;
  }
}

/**
 * Mean |ours - espeak| over word starts in ms, and how many utterances could be compared.
 * A word starting at frame f is taken to start at the centre of that frame's analysis
 * window: f * hop + window / 2.
 */
export function wordTimingError(
  utts: { text: string; durations: readonly number[]; wordStarts: readonly number[] | null | undefined }[],
  hopSeconds = 0.01,
  windowSeconds = 0.025,
): { meanMs: number; compared: number } {
  let sum = 0;
  let n = 0;
  let compared = 0;
  for (const u of utts) {
    if (!u.wordStarts) continue;
    const ours = wordStartFrames(u.text, u.durations);
    if (ours.length !== u.wordStarts.length || !ours.length) continue;
    compared++;
    ours.forEach((f, i) => {
      sum += Math.abs(f * hopSeconds + windowSeconds / 2 - u.wordStarts![i]!);
      n++;
    });
  }
  return { meanMs: n ? (1000 * sum) / n : NaN, compared };
}
