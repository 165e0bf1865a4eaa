/**
 * LJSpeech layout: `metadata.csv` with `id|transcription|normalized
 * transcription` lines (no header, no quoting) and `wavs/<id>.wav`. The
 * normalised text is used when present (numbers spelled out), as Tacotron 2's
 * recipes do. Single speaker, so `speaker` is the dataset's name.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { BabelfishError } from '../../src/errors.ts';
import { readLines } from './lines.ts';
import type { SpeechDataset, SpeechItem } from './types.ts';

export interface LJSpeechOptions {
  lang?: string;
  speaker?: string;
  /** Check each wav exists while reading (default true). */
  checkAudio?: boolean;
}

export function readLJSpeech(dir: string, options: LJSpeechOptions = {}): SpeechDataset {
  const root = path.resolve(dir);
  const metadata = path.join(root, 'metadata.csv');
  const lang = options.lang ?? 'en';
  const speaker = options.speaker ?? path.basename(root);
  return {
    name: path.basename(root),
    async *items(): AsyncGenerator<SpeechItem> {
      for await (const { line, n } of readLines(metadata)) {
        if (!line.trim()) continue;
        const fields = line.split('|');
        if (fields.length < 2 || !fields[0].trim()) {
          throw new BabelfishError('BAD_ARGUMENT', `${metadata}:${n}: expected id|text|normalized text, got ${JSON.stringify(line.slice(0, 80))}`);
        }
        const id = fields[0].trim();
        const normalized = fields.length >= 3 ? fields.slice(2).join('|').trim() : '';
        const text = normalized || fields[1].trim();
        if (!text) throw new BabelfishError('BAD_ARGUMENT', `${metadata}:${n}: empty text for ${id}`);
        const audioPath = path.join(root, 'wavs', `${id}.wav`);
        if (options.checkAudio !== false) {
          await access(audioPath).catch(() => {
            throw new BabelfishError('FILE_NOT_FOUND', `${metadata}:${n}: audio of ${id} not found at ${audioPath}`);
          });
        }
        yield { id, audioPath, lang, text, speaker };
      }
    },
  };
}
