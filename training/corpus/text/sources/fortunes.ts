/** Sentences from `fortune` cookie files: entries separated by lines holding only `%`. */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { splitSentences } from '../clean.ts';

export async function listFortuneFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of paths) {
    const st = await stat(p).catch(() => null);
    if (!st) continue;
    if (st.isFile()) {
      files.push(p);
      continue;
    }
    for (const name of (await readdir(p)).sort()) {
      if (/\.(dat|u8|pre)$/.test(name)) continue;
      const full = path.join(p, name);
      if ((await stat(full)).isFile()) files.push(full);
    }
  }
  return files;
}

/**
 * One fortune entry to candidate sentences. Attribution lines ("-- Mark Twain"),
 * dialogue labels and indented verse or code are dropped; what remains is joined
 * and cut into sentences.
 */
export function fortuneEntrySentences(entry: string): string[] {
  const kept: string[] = [];
  for (const raw of entry.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (/^\s*(--|—|-\s|~)/.test(line)) break;
    if (/^\s{4,}\S/.test(line) && kept.length === 0) return [];
    if (/^\s*[A-Z][A-Za-z .]{0,20}:\s/.test(line)) return [];
    kept.push(line.trim());
  }
  const text = kept.join(' ').replace(/\s+/g, ' ').trim();
  if (!text) return [];
  return splitSentences(text);
}

export async function readFortuneSentences(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const file of await listFortuneFiles(paths)) {
    const buf = await readFile(file);
    let text = buf.toString('utf8');
    // A few old cookie files are Latin-1; a replacement character tells.
    if (text.includes('\ufffd')) text = buf.toString('latin1');
    for (const entry of text.split(/\n%\n?/)) out.push(...fortuneEntrySentences(entry));
  }
  return out;
}
