/**
 * Application help written as one HTML page per topic, translated page by page:
 * LibreOffice's help (`libreoffice-help-<lang>`, /usr/share/libreoffice/help/<locale>/text/...).
 * Every language's copy of a page has the same paragraphs under the same element ids
 * (the translations are made from one source file per page), so two languages' texts
 * of one id are translations of each other, with no sentence aligner needed.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TranslationUnit } from '../extra-pairs.ts';

/** Elements whose text is one translated paragraph or heading. */
const BLOCK = /^(p|h[1-6])$/;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

/** Elements without a closing tag. */
const VOID = new Set(['br', 'img', 'meta', 'link', 'input', 'hr', 'wbr', 'source', 'col', 'area', 'base', 'embed', 'param', 'track']);

const attr = (tag: string, name: string): string | undefined => new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1];

/**
 * Element id -> plain text of every paragraph and heading of one help page that has an id.
 * A platform or module switch (`<span hidden="true" class="MAC">Command</span><span
 * hidden="true">Ctrl</span>`) keeps only its default case, the one without a class, so
 * "Command Ctrl+C" reads "Ctrl+C". Tags are dropped, entities decoded, spaces collapsed, and
 * the menu-path arrow some languages use (▸) becomes English's " - ".
 */
export function helpPageParagraphs(html: string): Map<string, string> {
  const out = new Map<string, string>();
  /** Open elements: name, the id of a block (or null), whether its text is dropped. */
  const stack: Array<{ name: string; block: string | null; hidden: boolean }> = [];
  /** Text gathered for each open block, innermost last. */
  const texts: string[] = [];
  const hidden = (): boolean => stack.some((e) => e.hidden);
  const tagRe = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>|<!--[\s\S]*?-->|<![^>]*>|<\?[^>]*>/g;
  let last = 0;
  const addText = (t: string): void => {
    if (!t || hidden()) return;
    for (let i = 0; i < texts.length; i++) texts[i] += t;
  };
  for (let m = tagRe.exec(html); m; m = tagRe.exec(html)) {
    addText(html.slice(last, m.index));
    last = m.index + m[0].length;
    if (!m[2]) continue; // comment, doctype, processing instruction
    const name = m[2].toLowerCase();
    const rest = m[3] ?? '';
    if (name === 'script' || name === 'style') {
      if (m[1]) continue;
      const closeRe = new RegExp(`</${name}`, 'gi');
      closeRe.lastIndex = last;
      const close = closeRe.exec(html);
      last = close ? close.index : html.length;
      tagRe.lastIndex = last;
      continue;
    }
    if (m[1]) {
      // Close the innermost open element of that name (and anything left open inside it).
      const at = stack.map((e) => e.name).lastIndexOf(name);
      if (at < 0) continue;
      while (stack.length > at) {
        const e = stack.pop()!;
        if (e.block !== null) {
          // Menu paths: some translations write "Formato ▸ Celdas" where English writes "Format - Cells".
          const text = decodeEntities(texts.pop()!).replace(/\s*\u25b8\s*/g, ' - ').replace(/\s+/g, ' ').trim();
          if (text && !out.has(e.block)) out.set(e.block, text);
        }
      }
      continue;
    }
    if (name === 'br') addText(' ');
    if (VOID.has(name) || rest.trimEnd().endsWith('/')) continue;
    const id = attr(rest, 'id');
    const isBlock = BLOCK.test(name) && id !== undefined && !hidden();
    stack.push({ name, block: isBlock ? id! : null, hidden: attr(rest, 'hidden') !== undefined && attr(rest, 'class') !== undefined });
    if (isBlock) texts.push('');
  }
  return out;
}


/** Every `.html` file below `dir`, as paths relative to it, sorted. */
async function htmlFiles(dir: string, rel = ''): Promise<string[]> {
  const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...(await htmlFiles(dir, r)));
    else if (e.name.endsWith('.html')) out.push(r);
  }
  return out.sort();
}

/**
 * Paragraphs of the help in the given languages (`locales`: language -> folder name under
 * `root`, e.g. en -> en-US), page by page, element id by element id. A translation identical
 * to the English (a program name, a formula) is left out, so it cannot teach the translator
 * to copy; a page missing from a language is skipped for that language.
 */
export async function readHelpPages(root: string, locales: Record<string, string>): Promise<TranslationUnit[]> {
  const langs = Object.keys(locales);
  const base = langs.find((l) => l === 'en') ?? langs[0]!;
  const pages = await htmlFiles(path.join(root, locales[base]!, 'text')).catch(() => {
    throw new Error(`no help pages in ${path.join(root, locales[base]!, 'text')}`);
  });
  const units: TranslationUnit[] = [];
  for (const page of pages) {
    const perLang: Record<string, Map<string, string>> = {};
    for (const l of langs) {
      const html = await readFile(path.join(root, locales[l]!, 'text', page), 'utf8').catch(() => null);
      if (html !== null) perLang[l] = helpPageParagraphs(html);
    }
    for (const [id, baseText] of perLang[base] ?? []) {
      const texts: Record<string, string> = { [base]: baseText };
      for (const l of langs) {
        const t = perLang[l]?.get(id);
        if (l !== base && t !== undefined && t !== baseText) texts[l] = t;
      }
      if (Object.keys(texts).length >= 2) units.push({ unit: `${page}#${id}`, texts });
    }
  }
  return units;
}
