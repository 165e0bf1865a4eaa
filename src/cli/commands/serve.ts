import type { Command } from '../command.ts';
import { parseCommandArgs } from '../args.ts';
import { BabelfishError } from '../../errors.ts';
import { DEFAULT_SERVER_CONFIG, type ServerConfig } from '../../../server/config.ts';
import { startServer } from '../../../server/server.ts';
import { buildClient } from '../../../client/build.ts';
import { defaultModelDirs, loadStages, vocoderKind } from '../../pipeline/load-stages.ts';

const d = DEFAULT_SERVER_CONFIG;

function int(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new BabelfishError('BAD_ARGUMENT', `--${name} must be an integer from ${min} to ${max}`);
  return n;
}

export const command: Command = {
  name: 'serve',
  summary: 'the WebSocket + HTTP server with the demo page (npm start)',
  usage: `usage: babelfish serve [options]

Serves the demo page on GET /, /healthz, /metrics and the WebSocket protocol on /ws
(server/PROTOCOL.md), with the models in models/ loaded once and shared.
  --port N               (default ${d.port}; 0 picks a free port)
  --host H               (default ${d.host}; 0.0.0.0 to expose it)
  --models DIR           folder holding speech-encoder/, translator/, synthesizer/, vocoder/ (default models/)
  --token T              require "Authorization: Bearer T" (or ?token=T); also BABELFISH_TOKEN
  --origins A,B          allowed browser origins (default: any)
  --max-sessions N       (default ${d.maxSessions})
  --max-frame-bytes N    (default ${d.maxFrameBytes})
  --max-session-seconds N (default ${d.maxSessionSeconds})
  --idle-timeout-ms N    (default ${d.idleTimeoutMs})
  --max-messages-per-second N (default ${d.maxMessagesPerSecond})
  --end-silence-ms N     silence that ends an utterance (default ${d.endSilenceMs})
  --beam N               translator beam width (default 4; 1 is fastest)
  --vocoder V            wavenet or griffin-lim (default griffin-lim while the shipped WaveNet is under-trained)
SIGTERM or Ctrl-C: stop accepting, finish what was said, close sessions, exit.`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      port: { type: 'string' },
      host: { type: 'string' },
      models: { type: 'string' },
      token: { type: 'string' },
      origins: { type: 'string' },
      'max-sessions': { type: 'string' },
      'max-frame-bytes': { type: 'string' },
      'max-session-seconds': { type: 'string' },
      'idle-timeout-ms': { type: 'string' },
      'max-messages-per-second': { type: 'string' },
      'end-silence-ms': { type: 'string' },
      beam: { type: 'string' },
      vocoder: { type: 'string' },
    });
    const config: Partial<ServerConfig> = {
      port: int(values.port, 'port', 0, 65535),
      host: values.host,
      token: values.token ?? process.env.BABELFISH_TOKEN,
      allowedOrigins: values.origins ? values.origins.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
      maxSessions: int(values['max-sessions'], 'max-sessions', 1, 10_000),
      maxFrameBytes: int(values['max-frame-bytes'], 'max-frame-bytes', 1024, 64 << 20),
      maxSessionSeconds: int(values['max-session-seconds'], 'max-session-seconds', 1, 86_400),
      idleTimeoutMs: int(values['idle-timeout-ms'], 'idle-timeout-ms', 100, 86_400_000),
      maxMessagesPerSecond: int(values['max-messages-per-second'], 'max-messages-per-second', 1, 100_000),
      endSilenceMs: int(values['end-silence-ms'], 'end-silence-ms', 100, 10_000),
    };
    const beam = int(values.beam, 'beam', 1, 32) ?? 4;
    const staticDir = await buildClient();
    const dirs = defaultModelDirs(values.models);
    const server = await startServer({ config, staticDir, loadStages: () => loadStages(dirs, { beam, vocoder: vocoderKind(values.vocoder) }) });
    // A model that cannot load is a configuration error: say which and stop.
    server.ready.catch((e: Error) => {
      process.stderr.write(`babelfish serve: ${e.message}\n`);
      void server.close(0).then(() => process.exit(1));
    });
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) process.exit(1); // a second Ctrl-C: do not wait
      stopping = true;
      process.stderr.write(`babelfish: ${signal}, finishing open sessions...\n`);
      void server.close(5000).then(() => process.exit(0));
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    await new Promise<never>(() => {}); // serve until a signal
  },
};
