/**
 * This corpus's JSONL manifests (`manifest.<split>.jsonl` from
 * `babelfish corpus speech`): one JSON object per line with at least `audio`
 * (relative to the manifest or absolute), `lang` and `text`; `id`, `speaker`
 * and `duration` are used when present.
 */
import path from 'node:path';
import { BabelfishError } from '../../src/errors.ts';
import { readLines } from './lines.ts';
import type { SpeechDataset, SpeechItem } from './types.ts';

export function readManifest(manifestPath: string): SpeechDataset {
  const file = path.resolve(manifestPath);
  const base = path.dirname(file);
  return {
    name: path.basename(file),
    async *items(): AsyncGenerator<SpeechItem> {
      for await (const { line, n } of readLines(file)) {
        if (!line.trim()) continue;
        let row: Record<string, unknown>;
        try {
          row = JSON.parse(line);
        } catch {
          throw new BabelfishError('BAD_ARGUMENT', `${file}:${n}: not a JSON object`);
        }
        if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new BabelfishError('BAD_ARGUMENT', `${file}:${n}: not a JSON object`);
        for (const key of ['audio', 'lang', 'text']) {
          if (typeof row[key] !== 'string' || row[key] === '') {
            throw new BabelfishError('BAD_ARGUMENT', `${file}:${n}: missing "${key}" (a manifest row needs string audio, lang and text)`);
          }
        }
        const audio = row.audio as string;
        yield {
          id: typeof row.id === 'string' ? row.id : path.basename(audio).replace(/\.[^.]+$/, ''),
          audioPath: path.resolve(base, audio),
          lang: row.lang as string,
          text: row.text as string,
          ...(typeof row.speaker === 'string' ? { speaker: row.speaker } : {}),
          ...(typeof row.duration === 'number' ? { duration: row.duration } : {}),
        };
      }
    },
  };
}
