import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from '../command.ts';
import { parseCommandArgs } from '../args.ts';
import { resolveModelDir } from '../model-dir.ts';
import { melToPng } from './features.ts';
import { vocoderFeatureConfig } from './vocode.ts';
import { BabelfishError } from '../../errors.ts';
import { initBackend } from '../../backend.ts';
import { writeWav } from '../../audio/wav.ts';
import { melToAudio } from '../../audio/griffin-lim.ts';
import { Synthesizer } from '../../../models/synthesizer/model.ts';
import { synthesizerFeatureConfig } from '../../../models/synthesizer/config.ts';
import { Vocoder } from '../../../models/vocoder/model.ts';

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of process.stdin) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

export const command: Command = {
  name: 'synthesize',
  summary: 'text to speech: the synthesizer (text -> mel) then the WaveNet vocoder',
  usage: `usage: babelfish synthesize --lang es --text "..." -o out.wav [--voice N] [--griffin-lim] [--png mel.png]

Speaks the text with the synthesizer (text -> 80-bin log-mel) and the WaveNet
vocoder (mel -> 16 kHz audio). Long text is split into sentences; the output is
bounded (the synthesizer's maxOutputFrames, one minute by default).
  --lang XX          language of the text (en, es, fr, de)
  --text TEXT        what to say; "-" reads it from stdin (also: --text-file FILE)
  -o, --out FILE     write the speech as a 16-bit WAV
  --voice N          voice id (default 0)
  --speed X          speaking rate, 1 normal (0.25..4)
  --griffin-lim      invert the mel with Griffin-Lim instead of the vocoder
  --png FILE         draw the predicted mel spectrogram
  --synthesizer DIR  synthesizer folder (default models/synthesizer)
  --vocoder DIR      vocoder folder (default models/vocoder)
  --seed N           vocoder sampler seed (default 1)
  --json             print a JSON summary (frames, seconds, timings, dropped characters)`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      lang: { type: 'string' },
      text: { type: 'string' },
      'text-file': { type: 'string' },
      out: { type: 'string', short: 'o' },
      voice: { type: 'string', default: '0' },
      speed: { type: 'string', default: '1' },
      'griffin-lim': { type: 'boolean', default: false },
      png: { type: 'string' },
      synthesizer: { type: 'string' },
      vocoder: { type: 'string' },
      seed: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
    });
    if (!values.lang) throw new BabelfishError('BAD_ARGUMENT', 'say which language: --lang es');
    if (!values.out && !values.png) throw new BabelfishError('BAD_ARGUMENT', 'say what to produce: -o out.wav and/or --png mel.png');
    const voice = Number(values.voice);
    if (!Number.isInteger(voice) || voice < 0) throw new BabelfishError('BAD_ARGUMENT', '--voice must be a non-negative integer');
    const speed = Number(values.speed);
    const seed = Number(values.seed);
    if (!Number.isInteger(seed)) throw new BabelfishError('BAD_ARGUMENT', '--seed must be an integer');
    let text: string;
    if (values['text-file']) {
      try {
        text = await readFile(values['text-file'], 'utf8');
      } catch (e) {
        throw new BabelfishError('FILE_NOT_FOUND', `cannot read ${values['text-file']}`, { cause: e });
      }
    } else if (values.text === '-') text = await readStdin();
    else if (values.text !== undefined) text = values.text;
    else throw new BabelfishError('BAD_ARGUMENT', 'say what to speak: --text "..." (or --text - for stdin, --text-file FILE)');
    if (!text.trim()) throw new BabelfishError('BAD_ARGUMENT', 'the text is empty: nothing to say');

    await initBackend();
    const synthesizer = await Synthesizer.load(resolveModelDir('synthesizer', values.synthesizer));
    let vocoder: Vocoder | null = null;
    try {
      synthesizer.checkLanguage(values.lang);
      synthesizer.checkVoice(voice);
      if (!values['griffin-lim'] && values.out) {
        vocoder = await Vocoder.load(resolveModelDir('vocoder', values.vocoder));
        if (vocoder.config.numMels !== synthesizer.config.numMels || vocoder.config.sampleRate !== synthesizer.config.sampleRate) {
          throw new BabelfishError('MODEL_INVALID', `the vocoder takes ${vocoder.config.numMels} mels at ${vocoder.config.sampleRate} Hz, the synthesizer makes ${synthesizer.config.numMels} at ${synthesizer.config.sampleRate} Hz`);
        }
      }
      const t0 = performance.now();
      const mel = await synthesizer.synthesize(text, { lang: values.lang, voice, speed });
      const t1 = performance.now();
      const dropped = synthesizer.lastDropped;
      if (dropped.length) process.stderr.write(`babelfish synthesize: left out ${dropped.map((c) => JSON.stringify(c)).join(' ')} (not in the ${values.lang} inventory, or past the length bound)\n`);
      if (mel.frames === 0) throw new BabelfishError('BAD_ARGUMENT', 'nothing in the text can be spoken (no letters the synthesizer knows)');
      if (values.png) await writeFile(values.png, melToPng(mel));
      let audio: Float32Array | null = null;
      let sampleRate = synthesizer.config.sampleRate;
      if (values.out) {
        if (vocoder) {
          const features = vocoderFeatureConfig(vocoder.config);
          sampleRate = vocoder.config.sampleRate;
          // The synthesizer already bounds its output; the vocoder must not refuse what it made.
          audio = await vocoder.vocode(mel, { seed, maxSeconds: (mel.frames * features.hopLength + features.winLength) / sampleRate + 1 });
        } else audio = melToAudio(mel, synthesizerFeatureConfig(synthesizer.config));
        await writeWav(values.out, audio, sampleRate);
      }
      const t2 = performance.now();
      const seconds = audio ? audio.length / sampleRate : (mel.frames * synthesizer.config.hopMs) / 1000;
      const summary = {
        lang: values.lang,
        voice,
        out: values.out ?? null,
        png: values.png ?? null,
        method: !values.out ? null : vocoder ? 'wavenet' : 'griffin-lim',
        frames: mel.frames,
        sampleRate,
        seconds,
        timings: { synthesizer: (t1 - t0) / 1000, vocoder: (t2 - t1) / 1000 },
        dropped,
      };
      process.stdout.write(
        (values.json
          ? JSON.stringify(summary)
          : `${mel.frames} mel frames -> ${seconds.toFixed(2)} s` + (values.out ? ` in ${values.out} (${summary.method})` : '') + (values.png ? `, spectrogram in ${values.png}` : '')) + '\n',
      );
      return 0;
    } finally {
      synthesizer.dispose();
      vocoder?.dispose();
    }
  },
};
