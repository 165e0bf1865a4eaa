/**
 * gettext binary catalogs (.mo): English msgid -> translated msgstr, written by
 * each program's human translation team. Only messages that read like a sentence
 * (no format directives, options or file names) are kept by the cleaning step.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** Parses a .mo file (both byte orders); skips the header, plural and context entries. */
export function parseMo(buf: Buffer): Map<string, string> {
  const magic = buf.readUInt32LE(0);
  const le = magic === 0x950412de;
  if (!le && buf.readUInt32BE(0) !== 0x950412de) throw new Error('not a gettext .mo file');
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const n = u32(8);
  const origTable = u32(12);
  const transTable = u32(16);
  const out = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const ol = u32(origTable + 8 * i);
    const oo = u32(origTable + 8 * i + 4);
    const tl = u32(transTable + 8 * i);
    const to = u32(transTable + 8 * i + 4);
    const id = buf.toString('utf8', oo, oo + ol);
    const str = buf.toString('utf8', to, to + tl);
    if (id === '' || id.includes('\u0000') || id.includes('\u0004') || str === '') continue;
    out.set(id, str);
  }
  return out;
}

/** msgid -> { lang: msgstr } across the given domains; English is the msgid itself. */
export async function readGettextCatalogs(
  localeDir: string,
  domains: string[],
  locales: Record<string, string>,
): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for (const domain of domains) {
    for (const [lang, locale] of Object.entries(locales)) {
      if (lang === 'en') continue;
      const file = path.join(localeDir, locale, 'LC_MESSAGES', `${domain}.mo`);
      const buf = await readFile(file).catch(() => null);
      if (!buf) continue;
      for (const [id, str] of parseMo(buf)) {
        const rec = out.get(id) ?? { en: id };
        if (!(lang in rec)) rec[lang] = str;
        out.set(id, rec);
      }
    }
  }
  return out;
}

/**
 * Program messages that can be prose: they start with a letter and hold no format
 * directive, option, escape or markup. Checked on the raw msgid, before cleaning
 * would trim a leading "--" or "-V, ".
 */
export function isProseMessage(msgid: string): boolean {
  return /^[A-Za-z]/.test(msgid) && !/--|%|\\|\n|\t|[<>{}$`|_=]|^[A-Za-z],\s/.test(msgid.replace(/\n$/, ''));
}

/** One translation pair drawn from a message: two of its languages, cleaned. */
export interface GettextPair {
  l1: string;
  s1: string;
  l2: string;
  s2: string;
  /** The source id whose catalogs gave the message. */
  source: string;
  /** `gettext:<key>`: a message is one unit whichever catalog carries it. */
  unit: string;
}

/**
 * Every two cleaned languages of every prose message, source by source. A message (by
 * `key`, the corpus's sentence key) belongs to the first source that has it, so a source
 * added later cannot take messages from an earlier one and change its files. `clean`
 * returns '' for a sentence the corpus rejects.
 */
export function gettextPairs(
  sources: Array<{ id: string; messages: Map<string, Record<string, string>> }>,
  languages: string[],
  clean: (lang: string, text: string) => string,
  key: (text: string) => string,
): { pairs: GettextPair[]; messagesPerSource: Record<string, number> } {
  const pairs: GettextPair[] = [];
  const messagesPerSource: Record<string, number> = {};
  const earlier = new Set<string>();
  for (const { id: source, messages } of sources) {
    let n = 0;
    for (const [id, rec] of messages) {
      const k = key(id);
      if (!isProseMessage(id) || earlier.has(k)) continue;
      const c: Record<string, string> = {};
      for (const [lang, s] of Object.entries(rec)) {
        if (!languages.includes(lang)) continue;
        const x = clean(lang, s);
        if (x) c[lang] = x;
      }
      const langs = Object.keys(c);
      if (langs.length < 2) continue;
      n++;
      const unit = `gettext:${k}`;
      for (let i = 0; i < langs.length; i++) {
        for (let j = i + 1; j < langs.length; j++) pairs.push({ l1: langs[i]!, s1: c[langs[i]!]!, l2: langs[j]!, s2: c[langs[j]!]!, source, unit });
      }
    }
    for (const id of messages.keys()) earlier.add(key(id));
    messagesPerSource[source] = n;
  }
  return { pairs, messagesPerSource };
}
