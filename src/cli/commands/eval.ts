import { verbCommand } from './verbs.ts';

export const command = verbCommand('eval', 'evaluate a model on the test split', {
  'speech-encoder': { summary: 'CER and WER per language on the test voices', run: async (a) => (await import('../../../training/speech-encoder/eval.ts')).runEvalSpeechEncoder(a) },
});
