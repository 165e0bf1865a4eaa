import { verbCommand } from './verbs.ts';

export const command = verbCommand('eval', 'evaluate a model on the test split', {
  'speech-encoder': { summary: 'CER and WER per language on the test voices', run: async (a) => (await import('../../../training/speech-encoder/eval.ts')).runEvalSpeechEncoder(a) },
  translator: { summary: 'BLEU/chrF per direction, zero-shot vs copy, human test vs apertium, retrieval, speed', run: async (a) => (await import('../../../training/translator/eval.ts')).runEvalTranslator(a) },
  voice: { summary: 'MCD (resynthesis, synthesis), round-trip CER and spectrogram PNGs per language', run: async (a) => (await import('../../../training/voice/eval.ts')).runEvalVoice(a) },
  all: { summary: 'every model and the whole pipeline (ASR-BLEU, latency): REPORT.md, report.json and PNGs', run: async (a) => (await import('../../../training/eval-all.ts')).runEvalAll(a) },
});
