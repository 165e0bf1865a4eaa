import type { Command } from '../command.ts';

/**
 * Every subcommand, loaded lazily so `babelfish --help` does not pay for tfjs.
 * Add one line per command; keep the list alphabetical.
 */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  client: { summary: 'stream a file or the microphone (stdin) to a server and hear the translation', load: async () => (await import('./client.ts')).command },
  corpus: { summary: 'build the parallel text corpus or the synthetic speech corpus', load: async () => (await import('./corpus.ts')).command },
  eval: { summary: 'evaluate a model on the test split', load: async () => (await import('./eval.ts')).command },
  features: { summary: 'draw the log-mel spectrogram of an audio file as a PNG', load: async () => (await import('./features.ts')).command },
  info: { summary: 'versions, tfjs backend and the models found', load: async () => (await import('./info.ts')).command },
  serve: { summary: 'the WebSocket + HTTP server with the demo page (npm start)', load: async () => (await import('./serve.ts')).command },
  train: { summary: 'train a model (checkpoints, --resume, progress)', load: async () => (await import('./train.ts')).command },
  translate: { summary: 'speech in, translated speech out, offline on a file (the streaming pipeline)', load: async () => (await import('./translate.ts')).command },
};
