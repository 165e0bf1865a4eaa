/**
 * Debian package descriptions and their human translations (the Debian Description
 * Translation Project). apt keeps one index per language, `Translation-<lang>`, in
 * which each description is keyed by the md5 of its English text, so two languages'
 * descriptions of one md5 are translations of each other. Sentences are paired
 * paragraph by paragraph (translators keep the paragraph and list structure).
 */
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

/** One description: its one-line synopsis and its body, cut into paragraphs and list items. */
export interface Description {
  synopsis: string;
  blocks: string[];
}

/** A bullet opens a new block: list items are translated one for one. */
const BULLET = /^\s*[*+\-·•]\s+/;

/** Paragraphs (" ." lines) and list items of a description body, each joined into one line. */
export function descriptionBlocks(bodyLines: string[]): string[] {
  const blocks: string[] = [];
  let cur: string[] = [];
  const flush = (): void => {
    const text = cur.join(' ').replace(/\s+/g, ' ').trim();
    if (text) blocks.push(text);
    cur = [];
  };
  for (const line of bodyLines) {
    if (line.trim() === '.') {
      flush();
      continue;
    }
    if (BULLET.test(line)) {
      flush();
      cur.push(line.replace(BULLET, ''));
      continue;
    }
    cur.push(line);
  }
  flush();
  return blocks;
}

/** Parses a Translation-<lang> index: description md5 -> description in that language. */
export function parseTranslationIndex(text: string, lang: string): Map<string, Description> {
  const out = new Map<string, Description>();
  const field = `Description-${lang}:`;
  for (const stanza of text.split(/\n\s*\n/)) {
    const lines = stanza.split('\n');
    const md5 = lines.find((l) => l.startsWith('Description-md5:'))?.slice('Description-md5:'.length).trim();
    const at = lines.findIndex((l) => l.startsWith(field));
    if (!md5 || at < 0 || out.has(md5)) continue;
    const body: string[] = [];
    for (let i = at + 1; i < lines.length && /^[ \t]/.test(lines[i]!); i++) body.push(lines[i]!.slice(1));
    out.set(md5, { synopsis: lines[at]!.slice(field.length).trim(), blocks: descriptionBlocks(body) });
  }
  return out;
}

/**
 * Pairs two translations of one description: the synopses, then block i with block i
 * when both have the same number of blocks (otherwise the body is skipped: a merged or
 * split paragraph would misalign everything after it). Long blocks are cut into
 * sentences by `align`, which also rejects pairs of implausible lengths.
 */
export function pairDescriptions(
  a: Description,
  b: Description,
  align: (x: string, y: string) => Array<[string, string]>,
): Array<[string, string]> {
  const out = align(a.synopsis, b.synopsis);
  if (a.blocks.length === b.blocks.length) a.blocks.forEach((x, i) => out.push(...align(x, b.blocks[i]!)));
  return out;
}

const run = promisify(execFile);

/** apt's index files for one language (main, contrib, ...), whatever compression apt chose. */
async function indexFiles(listsDir: string, lang: string): Promise<string[]> {
  const names = await readdir(listsDir).catch(() => [] as string[]);
  return names.filter((n) => new RegExp(`_i18n_Translation-${lang}(\\.[a-z0-9]+)?$`).test(n)).sort().map((n) => path.join(listsDir, n));
}

/**
 * Every description md5 -> { lang: description } for the given languages, read from
 * apt's lists (apt-get -o Acquire::Languages=en,de,... update fetches them). apt
 * stores them lz4-compressed; its own apt-helper decompresses.
 */
export async function readDdtp(listsDir: string, langs: string[]): Promise<Map<string, Record<string, Description>>> {
  const out = new Map<string, Record<string, Description>>();
  for (const lang of langs) {
    const files = await indexFiles(listsDir, lang);
    if (files.length === 0) throw new Error(`no Translation-${lang} index in ${listsDir}`);
    for (const file of files) {
      const { stdout } = await run('/usr/lib/apt/apt-helper', ['cat-file', file], { maxBuffer: 1 << 30 });
      for (const [md5, d] of parseTranslationIndex(stdout, lang)) {
        const rec = out.get(md5) ?? {};
        if (!(lang in rec)) rec[lang] = d;
        out.set(md5, rec);
      }
    }
  }
  return out;
}
