/**
 * Bible verses from a SWORD module, read with `diatheke` (Debian package
 * `diatheke`). Verse references are the alignment key between languages.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The whole canon in the module's own versification; modules without a book simply skip it. */
const WHOLE_BIBLE = 'Genesis 1:1-Revelation of John 22:21';

/** "Genesis 1:1: text", "  I Samuel 3:4: text", "Song of Solomon 2:1: text" */
const VERSE_START = /^\s*((?:I{1,3}V?|IV) )?([A-Z][a-z]+(?: (?:of|[A-Z][a-z]+))*) (\d+):(\d+): ?(.*)$/;

export async function exportBibleModule(module: string): Promise<string> {
  const { stdout } = await run('diatheke', ['-b', module, '-f', 'plain', '-k', WHOLE_BIBLE], {
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout;
}

/** Parses diatheke's plain output into reference -> verse text (lines of a poetic verse joined). */
export function parseDiathekePlain(text: string, module: string): Map<string, string> {
  const verses = new Map<string, string>();
  let ref: string | null = null;
  let parts: string[] = [];
  const flush = (): void => {
    if (ref !== null) verses.set(ref, stripStrongs(parts.join(' ')));
  };
  for (const line of text.split('\n')) {
    if (line.trim() === `(${module})`) break;
    const m = VERSE_START.exec(line);
    if (m) {
      flush();
      ref = `${m[1] ?? ''}${m[2]} ${m[3]}:${m[4]}`;
      parts = [m[5] ?? ''];
    } else if (ref !== null) {
      parts.push(line);
    }
  }
  flush();
  return verses;
}

/** Plain output still carries Strong's numbers on some modules ("ochocientos <H3967> años"). */
export function stripStrongs(verse: string): string {
  return verse.replace(/<[HG]\d+[a-z]?>/g, ' ').replace(/\s+/g, ' ').trim();
}
