export type { SpeechItem, SpeechDataset, ParallelTextDataset, SentencePair } from './types.ts';
export { loadItemAudio, collect } from './types.ts';
export { readManifest } from './manifest.ts';
export { readLJSpeech, type LJSpeechOptions } from './ljspeech.ts';
export { readCommonVoice, type CommonVoiceOptions } from './common-voice.ts';
export { readAsteriskSounds, type AsteriskSoundsOptions, type AsteriskSoundsDataset } from './asterisk-sounds.ts';
export { readParallelText, type ParallelTextOptions } from './parallel-text.ts';
