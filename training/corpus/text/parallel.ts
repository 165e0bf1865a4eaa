/**
 * Reader for parallel text folders: files named `<a>-<b>.<split>.tsv[.gz]`, one
 * `sentence-in-a<TAB>sentence-in-b` per line (extra columns are ignored). Each pair
 * is stored once; reading the other direction swaps the columns. Works on the
 * committed corpus (training/data/text) and on any folder laid out the same way.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { BabelfishError } from '../../../src/errors.ts';
import { DEFAULT_TEXT_CORPUS_CONFIG } from './config.ts';
import { readTsv } from './tsv.ts';

export interface ParallelFile {
  file: string;
  path: string;
  /** First column's language. */
  src: string;
  /** Second column's language. */
  tgt: string;
  split: string;
}

const FILE_NAME = /^([a-z]{2,3})-([a-z]{2,3})\.([a-z][a-z0-9-]*)\.tsv(\.gz)?$/;

export function parseParallelFileName(name: string): Omit<ParallelFile, 'path'> | null {
  const m = FILE_NAME.exec(name);
  if (!m) return null;
  return { file: name, src: m[1]!, tgt: m[2]!, split: m[3]! };
}

export async function listParallelFiles(dir: string = DEFAULT_TEXT_CORPUS_CONFIG.outDir): Promise<ParallelFile[]> {
  const names = await readdir(dir).catch(() => {
    throw new BabelfishError('FILE_NOT_FOUND', `parallel text folder not found: ${dir}`);
  });
  const out: ParallelFile[] = [];
  for (const name of names.sort()) {
    const p = parseParallelFileName(name);
    if (p) out.push({ ...p, path: path.join(dir, name) });
  }
  return out;
}

/** Sentence pairs [source, target] of one split, in the requested direction. */
export async function readParallel(
  src: string,
  tgt: string,
  split: 'train' | 'dev' | 'test' | (string & {}),
  dir: string = DEFAULT_TEXT_CORPUS_CONFIG.outDir,
): Promise<Array<[string, string]>> {
  const files = await listParallelFiles(dir);
  const direct = files.find((f) => f.src === src && f.tgt === tgt && f.split === split);
  const swapped = files.find((f) => f.src === tgt && f.tgt === src && f.split === split);
  const f = direct ?? swapped;
  if (!f) {
    throw new BabelfishError('FILE_NOT_FOUND', `no ${split} file for ${src}-${tgt} (or ${tgt}-${src}) in ${dir}`);
  }
  const rows = await readTsv(f.path);
  return rows.map((r) => {
    if (r.length < 2) throw new BabelfishError('BAD_ARGUMENT', `${f.path}: a line has fewer than two tab-separated fields`);
    return (direct ? [r[0]!, r[1]!] : [r[1]!, r[0]!]) as [string, string];
  });
}

/** Unique sentences of one language in one split across every pair that has it, in first-seen order. */
export async function sentencesFor(
  lang: string,
  split: string,
  dir: string = DEFAULT_TEXT_CORPUS_CONFIG.outDir,
): Promise<string[]> {
  const seen = new Set<string>();
  for (const f of await listParallelFiles(dir)) {
    if (f.split !== split || (f.src !== lang && f.tgt !== lang)) continue;
    const col = f.src === lang ? 0 : 1;
    for (const r of await readTsv(f.path)) {
      const s = r[col];
      if (s) seen.add(s);
    }
  }
  return [...seen];
}
