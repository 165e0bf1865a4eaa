/**
 * Common Voice layout: a TSV with a header row (`client_id path sentence ...
 * locale ...`) and the audio under `clips/` (mp3, decoded through ffmpeg by
 * `loadItemAudio`). Required columns: `path` and `sentence`; `locale` gives
 * the language when present (else `options.lang`), `client_id` the speaker.
 * Fields are split on tabs only: Common Voice does not quote.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { BabelfishError } from '../../src/errors.ts';
import { readLines } from './lines.ts';
import type { SpeechDataset, SpeechItem } from './types.ts';

export interface CommonVoiceOptions {
  /** Language when the TSV has no `locale` column (Common Voice locales like `es` or `fr`; `en-US` style is cut to `en`). */
  lang?: string;
  /** Folder of the clips (default: `clips/` beside the TSV). */
  clipsDir?: string;
  checkAudio?: boolean;
}

export function readCommonVoice(tsvPath: string, options: CommonVoiceOptions = {}): SpeechDataset {
  const file = path.resolve(tsvPath);
  const clips = path.resolve(options.clipsDir ?? path.join(path.dirname(file), 'clips'));
  return {
    name: path.basename(file),
    async *items(): AsyncGenerator<SpeechItem> {
      let columns: Map<string, number> | undefined;
      for await (const { line, n } of readLines(file)) {
        if (!line.trim()) continue;
        const fields = line.split('\t');
        if (!columns) {
          columns = new Map(fields.map((f, i) => [f.trim(), i]));
          const missing = ['path', 'sentence'].filter((c) => !columns!.has(c));
          if (missing.length) {
            throw new BabelfishError('BAD_ARGUMENT', `${file}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (header has: ${fields.join(', ')})`);
          }
          if (!columns.has('locale') && !options.lang) {
            throw new BabelfishError('BAD_ARGUMENT', `${file}: no locale column; pass the language (lang option)`);
          }
          continue;
        }
        const get = (c: string) => {
          const i = columns!.get(c);
          return i === undefined ? undefined : fields[i]?.trim();
        };
        const clip = get('path');
        const text = get('sentence');
        if (!clip || !text) throw new BabelfishError('BAD_ARGUMENT', `${file}:${n}: empty path or sentence`);
        const locale = get('locale') || options.lang;
        if (!locale) throw new BabelfishError('BAD_ARGUMENT', `${file}:${n}: empty locale`);
        const audioPath = path.join(clips, clip);
        if (options.checkAudio !== false) {
          await access(audioPath).catch(() => {
            throw new BabelfishError('FILE_NOT_FOUND', `${file}:${n}: clip not found: ${audioPath}`);
          });
        }
        const speaker = get('client_id');
        yield {
          id: clip.replace(/\.[^.]+$/, ''),
          audioPath,
          lang: locale.split(/[-_]/)[0].toLowerCase(),
          text,
          ...(speaker ? { speaker } : {}),
        };
      }
    },
  };
}
