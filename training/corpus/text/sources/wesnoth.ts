/**
 * The Battle for Wesnoth's text (Debian's `wesnoth-1.16-data` and its campaign packages): the
 * game's gettext catalogs, one per text domain (wesnoth-httt, wesnoth-units, ...), under
 * `<root>/<locale>/LC_MESSAGES/`. Most of it is story dialogue written for characters to say
 * ("This way, into the forest! We'll be able to lose them in the Grey Woods."), translated by
 * people into German, Spanish and French: the nearest thing Debian carries to the sentences a
 * person speaks, where the corpus's other human text is software messages and help.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TranslationUnit } from '../extra-pairs.ts';
import { isProseMessage, parseMo } from './gettext.ts';

/**
 * Wesnoth marks a message's context in the msgid itself, before a caret ("female^Frontier
 * Baroness", "race^Elves", "race+female^..."); the translation may keep it when it was left as
 * it came. A context of several words ("waiting for^...") is not stripped; such messages are
 * dropped by the reader.
 */
export function stripWesnothContext(s: string): string {
  return s.replace(/^[A-Za-z_][\w+]*\^/, '');
}

/**
 * One unit per English message (the msgid) with its translations in the given languages
 * (`locales`: language -> locale folder under `root`), text domain by text domain in name
 * order; a message two domains carry is the first one's. Only messages that can be prose
 * (`isProseMessage`: no variables, markup or line breaks) are kept, and a translation
 * identical to the English is left out, so it cannot teach the translator to copy.
 */
export async function readWesnothUnits(root: string, locales: Record<string, string>): Promise<TranslationUnit[]> {
  const domains = new Set<string>();
  for (const locale of Object.values(locales)) {
    const files = await readdir(path.join(root, locale, 'LC_MESSAGES')).catch(() => [] as string[]);
    for (const f of files) if (f.endsWith('.mo')) domains.add(f.slice(0, -3));
  }
  if (!domains.size) throw new Error(`no gettext catalogs under ${root}/{${Object.values(locales).join(',')}}/LC_MESSAGES`);
  const units = new Map<string, TranslationUnit>();
  for (const domain of [...domains].sort()) {
    const here = new Map<string, TranslationUnit>();
    for (const [lang, locale] of Object.entries(locales)) {
      const buf = await readFile(path.join(root, locale, 'LC_MESSAGES', `${domain}.mo`)).catch(() => null);
      if (!buf) continue;
      for (const [id, str] of parseMo(buf)) {
        const en = stripWesnothContext(id);
        const t = stripWesnothContext(str);
        if (units.has(en) || !isProseMessage(en) || en.includes('^') || t === en) continue;
        const u = here.get(en) ?? { unit: `${domain}:${en}`, texts: { en } };
        u.texts[lang] = t;
        here.set(en, u);
      }
    }
    for (const [en, u] of here) units.set(en, u);
  }
  return [...units.values()];
}
