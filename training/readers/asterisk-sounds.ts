/**
 * Asterisk's prompt recordings (Debian's `asterisk-core-sounds-<lang>-*` packages): real people
 * reading telephone prompts, one file per prompt (`<sounds dir>/<name>.<ext>`, names may have a
 * folder: `digits/1`), and a transcript list `core-sounds-<lang>.txt` of `name: text` lines
 * (`;` starts a comment). Useful as a test of recorded human speech, which no synthesizer makes.
 *
 * Not every prompt can be scored against its line: some are tones (`[ascending tones]`), and
 * some lines write what is said with digits or symbols (`press 1`, `press * to pause`), whose
 * spoken words the line does not give. Those are skipped (`skipped` counts them by reason).
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { BabelfishError } from '../../src/errors.ts';
import { hasDigits } from '../../models/speech-encoder/vocab.ts';
import { readLines } from './lines.ts';
import type { SpeechDataset, SpeechItem } from './types.ts';

export interface AsteriskSoundsOptions {
  /** ISO 639-1 code of the prompts. */
  lang: string;
  /** The manifest's `speaker` (default: the sounds folder's name, e.g. `en_US_f_Allison`). */
  speaker?: string;
  /** Audio formats to look for, best first: 16 kHz G.722 over 8 kHz wav and GSM. */
  extensions?: readonly string[];
}

export type AsteriskSkipReason = 'no speech' | 'digits or symbols' | 'no audio' | 'listed twice';

export interface AsteriskSoundsDataset extends SpeechDataset {
  /** Lines not yielded, by reason; complete once `items()` has been read to the end. */
  skipped: Record<AsteriskSkipReason, number>;
}

const DEFAULT_EXTENSIONS = ['g722', 'wav', 'sln16', 'gsm', 'ulaw', 'alaw'];

/** Characters a prompt's line uses for what is spoken as a word (star, pound, at, plus ...). */
const SPOKEN_SYMBOLS = /[*#@%&+=/<>$€£]/;

/** Parses one transcript line: `name: text`, or null for blanks and comments. */
export function parseAsteriskLine(line: string): { name: string; text: string } | null {
  const trimmed = line.trim();
  if (!trimmed || trimmed.startsWith(';')) return null;
  const colon = trimmed.indexOf(':');
  if (colon <= 0) return null;
  return { name: trimmed.slice(0, colon).trim(), text: trimmed.slice(colon + 1).trim() };
}

/** A prompt's text without its bracketed notes, which are stage directions ([beep], [pause]), not words. */
function spokenText(text: string): string {
  return text.replace(/\[[^\]]*\]/g, ' ').replace(/\s+/g, ' ').trim();
}

/** Why a prompt's text cannot be scored as a transcript, or null if it can. */
export function asteriskSkipReason(text: string): AsteriskSkipReason | null {
  const spoken = spokenText(text);
  if (!/\p{L}/u.test(spoken)) return 'no speech';
  if (hasDigits(spoken) || SPOKEN_SYMBOLS.test(spoken)) return 'digits or symbols';
  return null;
}

export function readAsteriskSounds(soundsDir: string, transcripts: string, options: AsteriskSoundsOptions): AsteriskSoundsDataset {
  const root = path.resolve(soundsDir);
  const speaker = options.speaker ?? path.basename(root);
  const extensions = options.extensions ?? DEFAULT_EXTENSIONS;
  const skipped: Record<AsteriskSkipReason, number> = { 'no speech': 0, 'digits or symbols': 0, 'no audio': 0, 'listed twice': 0 };
  return {
    name: `asterisk-${speaker}`,
    skipped,
    async *items(): AsyncGenerator<SpeechItem> {
      for (const k of Object.keys(skipped) as AsteriskSkipReason[]) skipped[k] = 0;
      const entries: { name: string; text: string }[] = [];
      for await (const { line } of readLines(transcripts)) {
        const entry = parseAsteriskLine(line);
        if (entry) entries.push(entry);
      }
      if (entries.length === 0) throw new BabelfishError('BAD_ARGUMENT', `${transcripts}: no "name: text" lines`);
      // A name listed twice with two texts (es: `digits/0: cero`, `digits/0: diez`) has no known transcript.
      const count = new Map<string, number>();
      for (const e of entries) count.set(e.name, (count.get(e.name) ?? 0) + 1);
      for (const entry of entries) {
        if (count.get(entry.name)! > 1) {
          skipped['listed twice']++;
          continue;
        }
        const reason = asteriskSkipReason(entry.text);
        if (reason) {
          skipped[reason]++;
          continue;
        }
        let audioPath: string | null = null;
        for (const ext of extensions) {
          const candidate = path.join(root, `${entry.name}.${ext}`);
          if (await access(candidate).then(() => true, () => false)) {
            audioPath = candidate;
            break;
          }
        }
        if (!audioPath) {
          skipped['no audio']++;
          continue;
        }
        yield { id: `${speaker}-${entry.name.replace(/[^\w-]+/g, '_')}`, audioPath, lang: options.lang, text: spokenText(entry.text), speaker };
      }
    },
  };
}
