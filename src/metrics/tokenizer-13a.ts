/**
 * The mteval-v13a tokenisation that sacrebleu applies by default before BLEU
 * (sacrebleu/tokenizers/tokenizer_13a.py + tokenizer_re.py): unescape a few
 * XML entities, then split off punctuation, keeping "." and "," inside numbers
 * and "-" after a digit split.
 */
import { pySplit } from './python-text.ts';

// Same patterns and order as TokenizerRegexp; JS `replace` with /g scans left to
// right without overlap exactly like Python's `re.sub`.
const RULES: [RegExp, string][] = [
  // ASCII symbols: { | } ~ [ \ ] ^ _ ` space ! " # $ % & ( ) * + : ; < = > ? @ /
  [/([{-~\[-` -&(-+:-@\/])/gu, ' $1 '],
  // period and comma unless preceded by a digit
  [/([^0-9])([.,])/gu, '$1 $2 '],
  // period and comma unless followed by a digit
  [/([.,])([^0-9])/gu, ' $1 $2'],
  // dash when preceded by a digit
  [/([0-9])(-)/gu, '$1 $2 '],
];

export function tokenize13a(line: string): string {
  let s = line
    .replaceAll('<skipped>', '')
    .replaceAll('-\n', '')
    .replaceAll('\n', ' ')
    .replaceAll('&quot;', '"')
    .replaceAll('&amp;', '&')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>');
  s = ` ${s} `;
  for (const [re, repl] of RULES) s = s.replace(re, repl);
  return pySplit(s).join(' ');
}
