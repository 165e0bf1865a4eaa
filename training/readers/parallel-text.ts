/**
 * Tab-separated parallel text: `source<TAB>target` per line (further columns
 * ignored), plain or gzip. Languages come from the caller or from a file name
 * like `en-es.train.tsv(.gz)` (source first); `reverse` swaps the columns.
 */
import path from 'node:path';
import { BabelfishError } from '../../src/errors.ts';
import { readLines } from './lines.ts';
import type { ParallelTextDataset, SentencePair } from './types.ts';

export interface ParallelTextOptions {
  src?: string;
  tgt?: string;
  /** Read the second column as the source. */
  reverse?: boolean;
}

const NAMED = /^([a-z]{2,3})-([a-z]{2,3})\./;

export function readParallelText(file: string, options: ParallelTextOptions = {}): ParallelTextDataset {
  const abs = path.resolve(file);
  const named = NAMED.exec(path.basename(abs));
  let src = options.src ?? named?.[1];
  let tgt = options.tgt ?? named?.[2];
  if (!src || !tgt) {
    throw new BabelfishError('BAD_ARGUMENT', `${abs}: languages unknown: name the file <src>-<tgt>.<split>.tsv or pass src and tgt`);
  }
  if (options.reverse && !(options.src && options.tgt)) [src, tgt] = [tgt, src];
  return {
    name: path.basename(abs),
    src,
    tgt,
    async *pairs(): AsyncGenerator<SentencePair> {
      for await (const { line, n } of readLines(abs)) {
        if (!line.trim()) continue;
        const fields = line.split('\t');
        if (fields.length < 2 || !fields[0].trim() || !fields[1].trim()) {
          throw new BabelfishError('BAD_ARGUMENT', `${abs}:${n}: expected two tab-separated sentences, got ${JSON.stringify(line.slice(0, 80))}`);
        }
        const [a, b] = [fields[0].trim(), fields[1].trim()];
        yield options.reverse ? { source: b, target: a } : { source: a, target: b };
      }
    },
  };
}
