/**
 * Text normalisation for synthesis and the character inventory the synthesizer reads.
 *
 * Characters, not phonemes: the only phonemizer at hand (espeak-ng) is GPL, and the serving
 * path must not depend on it; en/es/fr/de spelling is regular enough for a conv encoder with
 * a few characters of context either side to learn the pronunciation from the corpus.
 *
 * Normalisation: Unicode NFC, lower case (case carries no sound), numbers spelled out in the
 * target language, sentence punctuation kept as pause symbols (',' short, '.' '?' '!' long,
 * and '?' also marks question prosody), quotes and brackets dropped silently, anything else
 * outside the inventory tried without its accents and otherwise dropped and reported.
 */
import { spellNumber } from './numbers.ts';

export const PAD = '_';
/** Index 0 is padding; the order is part of a trained model (saved in its config). */
export const DEFAULT_SYMBOLS: readonly string[] = [
  PAD,
  ' ',
  ',',
  '.',
  '?',
  '!',
  "'",
  ...'abcdefghijklmnopqrstuvwxyz',
  ...'àâäáãåçéèêëíìîïñóòôöõúùûüýÿœæß',
];

export interface NormalizedText {
  /** The text the model reads (every character in the inventory). */
  text: string;
  ids: number[];
  /** Characters that could not be mapped and were dropped (once each, in order of appearance). */
  dropped: string[];
}

const SHORT_PAUSE = /[,;:\u2013\u2014()\[\]{}\/]/; // – — and brackets mark a breath
const LONG_PAUSE = /[.\u2026]/; // full stop, ellipsis
const SILENT = /["\u201c\u201d\u201e\u00ab\u00bb\u2039\u203a*_#~`^|<>\\]/;
const AMPERSAND: Record<string, string> = { en: 'and', es: 'y', fr: 'et', de: 'und' };

export class SymbolTable {
  readonly symbols: readonly string[];
  private readonly index: Map<string, number>;

  constructor(symbols: readonly string[] = DEFAULT_SYMBOLS) {
    if (symbols[0] !== PAD) throw new Error(`symbol 0 must be the padding symbol '${PAD}'`);
    this.symbols = symbols;
    this.index = new Map(symbols.map((s, i) => [s, i]));
  }

  get size(): number {
    return this.symbols.length;
  }

  has(ch: string): boolean {
    return ch !== PAD && this.index.has(ch);
  }

  id(ch: string): number {
    const i = this.index.get(ch);
    if (i === undefined || i === 0) throw new Error(`'${ch}' is not a synthesizer symbol`);
    return i;
  }

  /** Text as the model reads it, for a given language. */
  normalize(raw: string, lang: string): NormalizedText {
    let s = raw.normalize('NFC').toLowerCase();
    s = s.replace(/[\u2018\u2019\u02bc`\u00b4]/g, "'");
    s = s.replace(/&/g, ` ${AMPERSAND[lang] ?? 'and'} `);
    // Numbers before punctuation handling, so "3.5" and "1,000" are read as numbers.
    s = s.replace(/\d+(?:[.,]\d+)*/g, (m) => ` ${spellNumber(m, lang)} `);
    const out: string[] = [];
    const dropped: string[] = [];
    const push = (c: string) => out.push(c);
    for (const ch of s) {
      if (this.has(ch)) push(ch);
      else if (/\s/.test(ch) || ch === '-') push(' ');
      else if (SHORT_PAUSE.test(ch)) push(',');
      else if (LONG_PAUSE.test(ch)) push('.');
      else if (ch === '\u00bf' || ch === '\u00a1' || SILENT.test(ch)) push(' '); // ¿ ¡ open a sentence; quotes
      else {
        // Letters with accents we do not list (e.g. ā, ł): try the bare letter.
        const bare = ch.normalize('NFD').replace(/\p{M}/gu, '');
        if (bare.length > 0 && [...bare].every((c) => this.has(c))) for (const c of bare) push(c);
        else {
          if (!dropped.includes(ch)) dropped.push(ch);
          push(' ');
        }
      }
    }
    const text = tidy(out.join(''));
    return { text, ids: [...text].map((c) => this.id(c)), dropped };
  }
}

/**
 * What the model reads for one sentence: a leading ' ' (the silence before speech gets its own
 * symbol, so MAS need not stretch the first letter over it) and a final pause symbol (the
 * trailing silence). Used identically in training and at inference.
 */
export function utteranceIds(table: SymbolTable, raw: string, lang: string): NormalizedText {
  const n = table.normalize(raw, lang);
  if (!n.text) return n;
  let text = ' ' + n.text;
  if (!/[,.?!]$/.test(text)) text += '.';
  return { text, ids: [...text].map((c) => table.id(c)), dropped: n.dropped };
}

/** Collapses runs of spaces and pauses: ' , , ' -> ', ', leading pauses go, a trailing space goes. */
function tidy(s: string): string {
  let t = s.replace(/\s+/g, ' ');
  t = t.replace(/ *([,.?!])( *[,.?!])+/g, (_m, first: string, rest: string) => {
    // Keep the strongest pause of a run: ? ! . beat ,
    const all = (first + rest).replace(/ /g, '');
    const strong = [...all].reverse().find((c) => c !== ',');
    return strong ?? ',';
  });
  t = t.replace(/ +([,.?!])/g, '$1');
  t = t.replace(/([,.?!])(?=[^ ,.?!])/g, '$1 ');
  t = t.replace(/^[ ,.?!]+/, '');
  return t.trim();
}
