/**
 * The speech corpus's `manifest.<split>.jsonl` as the trainers read it: every row at once, each
 * with string `audio`, `text` and `lang`; `audio` and `align` paths resolved next to the
 * manifest (or, when nothing is there, against the working directory).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { BabelfishError } from '../../src/errors.ts';

export interface SpeechManifestRow {
  id?: string;
  audio: string;
  lang: string;
  text: string;
  speaker?: string;
  split?: string;
  duration?: number;
  /** espeak word/phoneme timings JSON (`{ words: [{ label, start, end }] }`), if the corpus saved them. */
  align?: string;
  /** What the corpus did to the audio (null: clean). */
  augment?: { noise?: unknown; reverb?: unknown; telephone?: unknown; speed?: number } | null;
}

export async function readSpeechManifest(path: string): Promise<SpeechManifestRow[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new BabelfishError('FILE_NOT_FOUND', `cannot read manifest ${path}`, { cause: e });
  }
  const base = dirname(path);
  const locate = (p: string) => {
    if (isAbsolute(p)) return p;
    const nextToManifest = resolve(base, p);
    return existsSync(nextToManifest) ? nextToManifest : resolve(p);
  };
  const rows: SpeechManifestRow[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let row: SpeechManifestRow;
    try {
      row = JSON.parse(line);
    } catch {
      throw new BabelfishError('BAD_ARGUMENT', `${path}:${i + 1}: not JSON`);
    }
    if (typeof row.audio !== 'string' || typeof row.text !== 'string' || typeof row.lang !== 'string') {
      throw new BabelfishError('BAD_ARGUMENT', `${path}:${i + 1}: a row needs string audio, text and lang`);
    }
    row.audio = locate(row.audio);
    if (typeof row.align === 'string') row.align = locate(row.align);
    rows.push(row);
  });
  return rows;
}
