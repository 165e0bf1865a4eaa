/** The word list behind the beam search's word-list bias. */
import { describe, it, expect } from 'vitest';
import { WordList } from '../../models/speech-encoder/word-list.ts';
import { defaultVocab } from '../../models/speech-encoder/vocab.ts';

const vocab = defaultVocab();
const ids = (text: string) => vocab.encode(text);

describe('WordList', () => {
  const list = WordList.fromSentences(['the cat sat', 'the cat ran', "it's the hat"].map(ids), vocab);

  it('holds the words between spaces, each once', () => {
    expect(list.words()).toEqual(['cat', 'hat', "it's", 'ran', 'sat', 'the']);
    expect(list.size).toBe(6);
    expect(list.has('cat')).toBe(true);
    expect(list.has('ca')).toBe(false);
    expect(list.has('')).toBe(false);
  });

  it('keeps only words seen minCount times', () => {
    const often = WordList.fromSentences(['the cat sat', 'the cat ran', "it's the hat"].map(ids), vocab, 2);
    expect(often.words()).toEqual(['cat', 'the']);
  });

  it('judges the word a label prefix ends with', () => {
    const space = list.space;
    expect(vocab.symbols[space]).toBe(' ');
    expect(list.endsWithKnownWord([])).toBe(true); // no word yet
    expect(list.endsWithKnownWord(ids('the'))).toBe(true);
    expect(list.endsWithKnownWord([...ids('the'), space])).toBe(true); // closed, nothing open
    expect(list.endsWithKnownWord(ids('the ca'))).toBe(false); // "ca" is not a word
    expect(list.endsWithKnownWord(ids('dog the cat'))).toBe(true); // only the last word counts
    expect(list.endsWithKnownWord(ids('the dog'))).toBe(false);
    expect(list.endsWithKnownWord(ids('thecat'))).toBe(false);
  });

  it('round-trips through its text form; lines are normalised like transcripts', () => {
    const back = WordList.fromText(list.toText(), vocab);
    expect(back.words()).toEqual(list.words());
    const typed = WordList.fromText('Cat\n\nTHE\ntwo words\n', vocab);
    expect(typed.words()).toEqual(['cat', 'the']); // blank lines and lines with a space are not words
  });
});
