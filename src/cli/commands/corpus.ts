import { verbCommand } from './verbs.ts';

export const command = verbCommand('corpus', 'build the parallel text corpus or the synthetic speech corpus', {
  'back-translations': { summary: "pivot back-translations for the zero-shot directions, made by a trained translator through its trained directions", run: async (a) => (await import('../../../training/translator/back-translate.ts')).runBackTranslations(a) },
  ding: { summary: "everyday German-English sentence pairs from the Ding dictionary's examples, for en-de, with held-out dev and test files (train translator --extra-train)", run: async (a) => (await import('../../../training/corpus/text/ding-build.ts')).runDing(a) },
  'help-pages': { summary: "more human-translated train pairs from LibreOffice's help pages, for the trained pairs (train translator --extra-train)", run: async (a) => (await import('../../../training/corpus/text/help-pages-build.ts')).runHelpPages(a) },
  wesnoth: { summary: "human-translated game dialogue from The Battle for Wesnoth's campaigns, for the trained pairs (train translator --extra-train)", run: async (a) => (await import('../../../training/corpus/text/wesnoth-build.ts')).runWesnoth(a) },
  text: { summary: 'rebuild training/data/text from Debian packages (apertium, Bibles, fortunes; see training/CORPUS.md)', run: async (a) => (await import('../../../training/corpus/text/build.ts')).runCorpusText(a) },
  'speech-debian': { summary: "utterances from Debian's other synthesizers (flite and festival, English; MBROLA, all four languages; Pico and RHVoice), to train on more than espeak-ng", run: async (a) => (await import('../../../training/corpus/speech/debian-build.ts')).runCorpusDebian(a) },
  'speech-import': { summary: 'a speech dataset (Asterisk prompt recordings, Common Voice, LJSpeech) as a manifest of 16 kHz wavs, to evaluate or train on', run: async (a) => (await import('../../../training/corpus/speech/import.ts')).runCorpusImport(a) },
  speech: { summary: 'synthesise the multi-voice speech corpus with espeak-ng (--size tiny|default|full)', run: async (a) => (await import('../../../training/corpus/speech/build.ts')).runCorpusSpeech(a) },
});
