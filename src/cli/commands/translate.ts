import type { Command } from '../command.ts';
import { parseCommandArgs } from '../args.ts';
import { BabelfishError } from '../../errors.ts';
import { loadAudio } from '../../audio/decode.ts';
import { writeWav } from '../../audio/wav.ts';
import { defaultModelDirs, loadStages, vocoderKind } from '../../pipeline/load-stages.ts';
import { translateAudio } from '../../pipeline/translate-audio.ts';

export const command: Command = {
  name: 'translate',
  summary: 'speech in, translated speech out, offline on a file (the streaming pipeline)',
  usage: `usage: babelfish translate <audio> --from en --to es [-o out.wav] [--json]

Runs the same streaming pipeline as the server on a recording (any format ffmpeg
reads): endpointing, recognition, translation, synthesis, vocoding (--vocoder).
  --from LANG      source language, or auto (language id)
  --to LANG        target language
  -o, --out FILE   write the translated speech as a 16-bit WAV
  --voice N        synthesizer voice
  --beam N         translator beam (default 4)
  --vocoder V      wavenet or griffin-lim (default griffin-lim while the shipped WaveNet is under-trained)
  --models DIR     model folder (default models/)
  --json           one JSON object: per utterance the transcript, translation and per-stage timings (ms)`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string', short: 'o' },
      voice: { type: 'string' },
      beam: { type: 'string', default: '4' },
      vocoder: { type: 'string' },
      models: { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    const input = positionals[0];
    if (!input) throw new BabelfishError('BAD_ARGUMENT', 'translate needs an audio file: babelfish translate <audio> --from en --to es -o out.wav');
    if (!values.from || !values.to) throw new BabelfishError('BAD_ARGUMENT', 'say which languages: --from en --to es');
    const beam = Number(values.beam);
    if (!Number.isInteger(beam) || beam < 1 || beam > 32) throw new BabelfishError('BAD_ARGUMENT', '--beam must be an integer from 1 to 32');
    const voice = values.voice === undefined ? undefined : Number(values.voice);
    if (voice !== undefined && (!Number.isInteger(voice) || voice < 0)) throw new BabelfishError('BAD_ARGUMENT', '--voice must be a non-negative integer');

    const stages = await loadStages(defaultModelDirs(values.models), { beam, vocoder: vocoderKind(values.vocoder) });
    const audio = await loadAudio(input, 16000);
    const t0 = performance.now();
    const result = await translateAudio(stages, audio.samples, { from: values.from, to: values.to, voice });
    const seconds = (performance.now() - t0) / 1000;
    if (values.out) await writeWav(values.out, result.audio, result.sampleRate);
    if (values.json) {
      const utterances = result.utterances.map(({ audio: a, ...u }) => ({ ...u, audioSeconds: a.length / result.sampleRate }));
      process.stdout.write(JSON.stringify({ input, seconds: audio.samples.length / 16000, processingSeconds: seconds, utterances, errors: result.errors, out: values.out ?? null }, null, 2) + '\n');
    } else {
      for (const u of result.utterances) process.stdout.write(`[${u.start.toFixed(2)}-${u.end.toFixed(2)}] ${u.transcript}\n  -> ${u.translation}\n`);
      if (result.utterances.length === 0) process.stdout.write('(no speech found)\n');
      if (values.out) process.stderr.write(`wrote ${(result.audio.length / result.sampleRate).toFixed(2)} s to ${values.out}\n`);
    }
    for (const e of result.errors) process.stderr.write(`error [${e.code}]: ${e.message}\n`);
    return result.errors.length ? 1 : 0;
  },
};
