/**
 * What the builders of extra train folders (`corpus help-pages`, `corpus ding`) share: the
 * text corpus's dev and test sentences, which must never reach a train row, and the pairs its
 * train files already have. Extra folders sit beside the committed corpus and are added to
 * training with `train translator --extra-train`, so its files and figures stay as they are.
 */
import path from 'node:path';
import { BabelfishError } from '../../../src/errors.ts';
import { writeAtomic } from '../../../src/write-atomic.ts';
import { sentenceKey } from './clean.ts';
import { listParallelFiles, readParallel, type ParallelFile } from './parallel.ts';

export interface CorpusKeys {
  /** The corpus's train files: the pairs an extra folder may add to. */
  trained: ParallelFile[];
  /** `sentenceKey` of every sentence of the corpus's dev and test files. */
  heldOut: Set<string>;
}

export async function corpusKeys(textDir: string): Promise<CorpusKeys> {
  const files = await listParallelFiles(textDir);
  const trained = files.filter((f) => f.split === 'train');
  if (!trained.length) throw new BabelfishError('FILE_NOT_FOUND', `no <a>-<b>.train files in ${textDir}`);
  const heldOut = new Set<string>();
  for (const f of files.filter((f) => f.split !== 'train')) {
    for (const [s, t] of await readParallel(f.src, f.tgt, f.split, textDir)) {
      heldOut.add(sentenceKey(s));
      heldOut.add(sentenceKey(t));
    }
  }
  return { trained, heldOut };
}

/** `key(a) + tab + key(b)` of every train pair of a-b in the corpus. */
export async function trainPairKeys(textDir: string, a: string, b: string): Promise<Set<string>> {
  return new Set((await readParallel(a, b, 'train', textDir)).map(([s, t]) => `${sentenceKey(s)}\t${sentenceKey(t)}`));
}

/** The folder's manifest.json, written last (atomically) so a folder that has one is whole. */
export async function writeExtraManifest(out: string, manifest: Record<string, unknown>): Promise<void> {
  await writeAtomic(path.join(out, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
}
