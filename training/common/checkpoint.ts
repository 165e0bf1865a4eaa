/**
 * The checkpoint folder every resumable trainer shares: `<runDir>/checkpoints/step-<n>/`
 * (n zero-padded to 8 digits) holds whatever the trainer writes there (model folder,
 * optimizer state, `state.json`). A checkpoint counts only once `checkpoints/latest.json`
 * ({ dir, step }) names it, and that pointer is replaced by rename, so a kill at any moment
 * leaves the previous checkpoint whole. Older ones are removed only after the pointer moved.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BabelfishError } from '../../src/errors.ts';
import { writeAtomic } from '../../src/write-atomic.ts';

/**
 * Writes checkpoint `step` through `fill(dir)`, points latest.json at it and keeps the `keep`
 * newest step folders (never the one just written). Returns its folder.
 */
export async function writeCheckpoint(runDir: string, step: number, fill: (dir: string) => Promise<void>, keep = 2): Promise<string> {
  const root = join(runDir, 'checkpoints');
  const name = `step-${String(step).padStart(8, '0')}`;
  const dir = join(root, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await fill(dir);
  await writeAtomic(join(root, 'latest.json'), JSON.stringify({ dir: name, step }) + '\n');
  const all = (await readdir(root)).filter((d) => /^step-\d+$/.test(d)).sort();
  for (const old of all.slice(0, Math.max(0, all.length - keep))) if (old !== name) await rm(join(root, old), { recursive: true, force: true });
  return dir;
}

/**
 * Reads the checkpoint latest.json names through `read(dir)`; null when the run has none yet,
 * MODEL_INVALID when the checkpoint is there but `read` fails.
 */
export async function readLatestCheckpoint<T>(runDir: string, read: (dir: string) => Promise<T>): Promise<(T & { dir: string }) | null> {
  const root = join(runDir, 'checkpoints');
  let pointer: { dir: string };
  try {
    pointer = JSON.parse(await readFile(join(root, 'latest.json'), 'utf8'));
  } catch {
    return null;
  }
  const dir = join(root, pointer.dir);
  try {
    return { dir, ...(await read(dir)) };
  } catch (e) {
    throw new BabelfishError('MODEL_INVALID', `checkpoint ${dir} is unreadable: ${(e as Error).message}`, { cause: e });
  }
}

/** `state.json` (step, config, ...), one-space indented for people. */
export function writeTrainState(dir: string, state: object): Promise<void> {
  return writeAtomic(join(dir, 'state.json'), JSON.stringify(state, null, 1) + '\n');
}

export async function readTrainState<S>(dir: string): Promise<S> {
  return JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as S;
}

/**
 * The `state.json` of the checkpoint `latest.json` points at, without loading any weights (a
 * resumed run reads its saved options before it loads its data); null when the run has none.
 */
export function readLatestTrainState<S>(runDir: string): Promise<(S & { dir: string }) | null> {
  return readLatestCheckpoint(runDir, (dir) => readTrainState<S>(dir));
}
