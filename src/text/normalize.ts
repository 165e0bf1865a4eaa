/**
 * Text normalisation applied before tokenising, so that visually identical
 * strings map to the same ids and every space is a single U+0020.
 */

/** SentencePiece's word-boundary marker (U+2581 LOWER ONE EIGHTH BLOCK). */
export const WORD_BOUNDARY = '\u2581';

const WHITESPACE_RUN = /\s+/gu;

/**
 * Unicode normal form (NFC by default: composes "e" + U+0301 into "é"), then
 * every run of whitespace (tabs, newlines, no-break and other Unicode spaces)
 * becomes one space, with none at either end.
 */
export function normalizeText(text: string, form: 'NFC' | 'NFKC' = 'NFC'): string {
  return text.normalize(form).replace(WHITESPACE_RUN, ' ').trim();
}

/**
 * The normalisation the subword tokenizer is lossless for. NFKC rather than
 * NFC because the Universal Sentence Encoder Tokenizer we build on applies NFKC
 * itself; doing it here too means training, encoding and the round-trip test
 * all see the same string (NFKC also folds ligatures, full-width forms and
 * no-break spaces, harmless for translation). A literal U+2581 would be read
 * back as a space, so it becomes one here.
 */
export function normalizeForSubwords(text: string): string {
  return normalizeText(text.replaceAll(WORD_BOUNDARY, ' '), 'NFKC');
}
