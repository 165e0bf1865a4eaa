import type { Command } from '../command.ts';

/**
 * Every subcommand, loaded lazily so `babelfish --help` does not pay for tfjs.
 * Add one line per command; keep the list alphabetical.
 */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  average: { summary: 'average the weights of several checkpoints of one model (checkpoint averaging)', load: async () => (await import('./average.ts')).command },
  client: { summary: 'stream a file or the microphone (stdin) to a server and hear the translation', load: async () => (await import('./client.ts')).command },
  corpus: { summary: 'build the parallel text corpus or the synthetic speech corpus', load: async () => (await import('./corpus.ts')).command },
  eval: { summary: 'evaluate a model on the test split', load: async () => (await import('./eval.ts')).command },
  features: { summary: 'draw the log-mel spectrogram of an audio file as a PNG', load: async () => (await import('./features.ts')).command },
  info: { summary: 'versions, tfjs backend and the models found', load: async () => (await import('./info.ts')).command },
  serve: { summary: 'the WebSocket + HTTP server with the demo page (npm start)', load: async () => (await import('./serve.ts')).command },
  synthesize: { summary: 'text to speech: the synthesizer (text -> mel) then the WaveNet vocoder', load: async () => (await import('./synthesize.ts')).command },
  train: { summary: 'train a model (checkpoints, --resume, progress)', load: async () => (await import('./train.ts')).command },
  transcribe: { summary: 'speech to text with the speech encoder (any format ffmpeg reads, many files per run)', load: async () => (await import('./transcribe.ts')).command },
  translate: { summary: 'speech in, translated speech out, offline on a file (the streaming pipeline)', load: async () => (await import('./translate.ts')).command },
  'translate-text': { summary: 'translate text between en, es, fr and de (batch from stdin, beam search, attention plot)', load: async () => (await import('./translate-text.ts')).command },
  vocode: { summary: 'analysis -> mel -> WaveNet resynthesis of a recording, to judge the vocoder alone', load: async () => (await import('./vocode.ts')).command },
};
