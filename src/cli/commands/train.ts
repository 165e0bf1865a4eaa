import { verbCommand } from './verbs.ts';

export const command = verbCommand('train', 'train a model (checkpoints, --resume, progress)', {
  all: { summary: 'rebuild the corpus and retrain every default model in order (--size tiny for a toy run)', run: async (a) => (await import('../../../training/train-all.ts')).runTrainAll(a) },
  'speech-encoder': { summary: 'the streaming CTC recogniser', run: async (a) => (await import('../../../training/speech-encoder/train.ts')).runTrainSpeechEncoder(a) },
  'speech-lm': { summary: "the speech encoder's character n-gram LMs and their beam-search weights", run: async (a) => (await import('../../../training/speech-encoder/train-lm.ts')).runTrainSpeechLm(a) },
  synthesizer: { summary: 'text -> mel (duration-based)', run: async (a) => (await import('../../../training/synthesizer/train.ts')).runTrainSynthesizer(a) },
  translator: { summary: 'the multilingual LSTM seq2seq + attention translator', run: async (a) => (await import('../../../training/translator/train.ts')).runTrainTranslator(a) },
  vocoder: { summary: 'the WaveNet vocoder', run: async (a) => (await import('../../../training/vocoder/train.ts')).runTrainVocoder(a) },
});
