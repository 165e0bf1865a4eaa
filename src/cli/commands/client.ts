import type { Command } from '../command.ts';
import { parseCommandArgs } from '../args.ts';
import { BabelfishError } from '../../errors.ts';
import { runClient, type ClientOptions } from '../../../client/cli/client.ts';

export const command: Command = {
  name: 'client',
  summary: 'stream a file or the microphone (stdin) to a server and hear the translation',
  usage: `usage: babelfish client --from en --to es [--url ws://127.0.0.1:8080] [--input FILE|-] [--out out.wav] [--play]

Streams audio to a babelfish server, prints transcripts and translations as they
arrive, and writes (--out) or plays (--play, through aplay) the translated speech.
  --url URL            server (default ws://127.0.0.1:8080)
  --from, --to LANG    languages (--from auto if the server detects languages)
  --input FILE|-       any file ffmpeg reads, or - for standard input (default -)
  --format F           stdin: auto (default: sniff a container, else raw), pcm16, webm, ogg, wav, mp3, flac
  --rate HZ            stdin raw PCM16 sample rate (default 16000)
  --realtime BOOL      pace audio as if spoken (default true); false sends as fast as the server accepts
  --token TOKEN        bearer token (or BABELFISH_TOKEN)
  --json               print every server event as a JSON line
Microphone on Linux: arecord -f S16_LE -r 16000 -c 1 | babelfish client --from en --to es --play`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      url: { type: 'string', default: 'ws://127.0.0.1:8080' },
      from: { type: 'string' },
      to: { type: 'string' },
      input: { type: 'string', default: '-' },
      format: { type: 'string', default: 'auto' },
      rate: { type: 'string', default: '16000' },
      out: { type: 'string', short: 'o' },
      play: { type: 'boolean', default: false },
      realtime: { type: 'string', default: 'true' },
      token: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    if (!values.from || !values.to) throw new BabelfishError('BAD_ARGUMENT', 'say which languages: --from en --to es');
    const formats = ['auto', 'pcm16', 'webm', 'ogg', 'wav', 'mp3', 'flac'];
    if (!formats.includes(values.format!)) throw new BabelfishError('BAD_ARGUMENT', `--format must be one of ${formats.join(', ')}`);
    const rate = Number(values.rate);
    if (!Number.isInteger(rate) || rate < 8000 || rate > 96000) throw new BabelfishError('BAD_SAMPLE_RATE', `--rate must be an integer from 8000 to 96000`);
    if (!['true', 'false'].includes(values.realtime!)) throw new BabelfishError('BAD_ARGUMENT', '--realtime is true or false');
    const result = await runClient({
      url: values.url!,
      from: values.from,
      to: values.to,
      input: values.input!,
      stdinFormat: values.format as ClientOptions['stdinFormat'],
      sampleRate: rate,
      out: values.out,
      play: values.play!,
      realtime: values.realtime === 'true',
      token: values.token ?? process.env.BABELFISH_TOKEN,
      json: values.json!,
      frameMs: 20,
      print: (l) => process.stdout.write(l + '\n'),
    });
    if (values.out) process.stderr.write(`wrote ${(result.audio.length / result.sampleRate).toFixed(2)} s to ${values.out}\n`);
    return result.errors.length > 0 ? 1 : 0;
  },
};
