/**
 * ASR-BLEU, the speech-to-speech translation score of Translatotron (Jia et al. 2019) and
 * SeamlessM4T: the translated speech is transcribed by a speech recogniser and the transcript
 * is scored with BLEU against the reference translation. The recogniser writes lowercase words
 * without punctuation, so hypothesis and reference are both normalised that way first
 * (`normalizeTranscript`, the speech encoder's training targets) and BLEU is sacrebleu's
 * corpus BLEU (13a) on the normalised text.
 *
 * The same normalisation is applied to the two text columns it is reported beside, so the
 * three are comparable: text-only BLEU (the translator on the reference source text: the
 * ceiling of the cascade) and cascade BLEU (the translator on the speech encoder's transcript
 * of the source speech: what the pipeline said before it spoke).
 */
import { corpusBleu } from '../../src/metrics/bleu.ts';
import { editDistance } from '../../src/metrics/cer.ts';
import { normalizeTranscript } from '../../models/speech-encoder/vocab.ts';

/** BLEU of normalised hypotheses against normalised references; null when there is nothing to score. */
export function normalizedBleu(hypotheses: string[], references: string[]): number | null {
  if (hypotheses.length !== references.length) throw new Error(`normalizedBleu: ${hypotheses.length} hypotheses for ${references.length} references`);
  const refs = references.map(normalizeTranscript);
  const keep = refs.map((r, i) => i).filter((i) => refs[i] !== '');
  if (!keep.length) return null;
  return corpusBleu(
    keep.map((i) => normalizeTranscript(hypotheses[i]!)),
    keep.map((i) => refs[i]!),
  ).score;
}

/** Corpus word error rate (total word edits / total reference words) on normalised text. */
export function normalizedWer(hypotheses: string[], references: string[]): number | null {
  let edits = 0;
  let words = 0;
  references.forEach((r, i) => {
    const ref = normalizeTranscript(r);
    if (!ref) return;
    const hyp = normalizeTranscript(hypotheses[i] ?? '');
    const rw = ref.split(' ');
    words += rw.length;
    edits += editDistance(rw, hyp ? hyp.split(' ') : []);
  });
  return words ? edits / words : null;
}

export interface SpeechTranslationOutputs {
  /** Reference translations. */
  references: string[];
  /** The speech encoder's transcript of the translated speech. */
  outputTranscripts: string[];
  /** The translator's output on the reference source text. */
  textTranslations: string[];
  /** The pipeline's translation (the translator on the transcript of the source speech). */
  cascadeTranslations: string[];
  /** Source text and the speech encoder's transcript of the source speech. */
  sources: string[];
  sourceTranscripts: string[];
}

export interface DirectionBleu {
  sentences: number;
  asrBleu: number | null;
  textBleu: number | null;
  cascadeBleu: number | null;
  /** WER of the speech encoder on the source speech (what the cascade loses first). */
  sourceWer: number | null;
}

export function scoreDirection(o: SpeechTranslationOutputs): DirectionBleu {
  return {
    sentences: o.references.length,
    asrBleu: normalizedBleu(o.outputTranscripts, o.references),
    textBleu: normalizedBleu(o.textTranslations, o.references),
    cascadeBleu: normalizedBleu(o.cascadeTranslations, o.references),
    sourceWer: normalizedWer(o.sourceTranscripts, o.sources),
  };
}
