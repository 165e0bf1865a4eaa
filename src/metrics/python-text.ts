/**
 * The few Python string semantics that sacrebleu's results depend on, so our
 * metrics agree with it to the last digit on any input.
 */

/**
 * Python's `str.split()` / `str.strip()` whitespace (`str.isspace()`): differs
 * from JS `\s` by including U+001C..U+001F and U+0085 and excluding U+FEFF.
 */
const PY_WHITESPACE_CLASS =
  '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const PY_WHITESPACE_RUN = new RegExp(`[${PY_WHITESPACE_CLASS}]+`, 'u');

/** `s.split()` in Python: split on whitespace runs, drop empty strings. */
export function pySplit(s: string): string[] {
  return s.split(PY_WHITESPACE_RUN).filter((t) => t.length > 0);
}

const PY_TRAILING_WHITESPACE = new RegExp(`[${PY_WHITESPACE_CLASS}]+$`, 'u');

/** `s.rstrip()` in Python. */
export function pyRstrip(s: string): string {
  return s.replace(PY_TRAILING_WHITESPACE, '');
}

/** Python indexes strings by code point; JS by UTF-16 unit. */
export function codePoints(s: string): string[] {
  return Array.from(s);
}
