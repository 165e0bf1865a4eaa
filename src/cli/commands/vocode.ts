import type { Command } from '../command.ts';
import { parseCommandArgs } from '../args.ts';
import { resolveModelDir } from '../model-dir.ts';
import { BabelfishError } from '../../errors.ts';
import { initBackend } from '../../backend.ts';
import { loadAudio } from '../../audio/decode.ts';
import { writeWav } from '../../audio/wav.ts';
import { logMelSpectrogram } from '../../audio/features.ts';
import { melToAudio } from '../../audio/griffin-lim.ts';
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig } from '../../audio/config.ts';
import { melCepstralDistortion } from '../../metrics/mcd.ts';
import type { MelSpectrogram } from '../../audio/types.ts';
import { parseTemperature, Vocoder } from '../../../models/vocoder/model.ts';
import type { VocoderConfig } from '../../../models/vocoder/config.ts';

/** The log-mel analysis a vocoder was trained on: src/audio's front end at its rate, hop and window. */
export function vocoderFeatureConfig(c: Pick<VocoderConfig, 'sampleRate' | 'hop' | 'melWindow' | 'numMels'>): FeatureConfig {
  return { ...DEFAULT_FEATURE_CONFIG, sampleRate: c.sampleRate, hopLength: c.hop, winLength: c.melWindow, nMels: c.numMels, fMax: Math.min(DEFAULT_FEATURE_CONFIG.fMax, c.sampleRate / 2) };
}

/** Frame pairs above which the DTW matrix for the MCD is skipped (about 30 s against 30 s). */
export const MCD_MAX_CELLS = 1e7;

/** MCD in dB between two mels, or null when a side is empty or the DTW would be too large. */
export function boundedMcd(a: MelSpectrogram, b: MelSpectrogram): number | null {
  if (!a.frames || !b.frames || a.frames * b.frames > MCD_MAX_CELLS) return null;
  return melCepstralDistortion(a, b).mcd;
}

export const command: Command = {
  name: 'vocode',
  summary: 'analysis -> mel -> WaveNet resynthesis of a recording, to judge the vocoder alone',
  usage: `usage: babelfish vocode <audio> -o out.wav [--vocoder dir] [--griffin-lim] [--json]

Computes the recording's log-mel spectrogram (any format ffmpeg decodes) and turns
it back into audio with the WaveNet vocoder, so the vocoder can be heard and
measured without the synthesizer. Prints the mel cepstral distortion (dB, DTW
aligned, src/metrics/mcd.ts) of the result against the input, and the speed.
  -o, --out FILE    the resynthesised speech as a 16-bit WAV
  --vocoder DIR     vocoder folder (default models/vocoder)
  --griffin-lim     invert the mel with Griffin-Lim instead (the baseline, no model needed)
  --temperature T   sampling temperature of the WaveNet (default 1)
  --seed N          sampler seed (default 1)
  --max-seconds S   longest input accepted (default 60)
  --json            print a JSON summary`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      out: { type: 'string', short: 'o' },
      vocoder: { type: 'string' },
      'griffin-lim': { type: 'boolean', default: false },
      temperature: { type: 'string' },
      seed: { type: 'string', default: '1' },
      'max-seconds': { type: 'string', default: '60' },
      json: { type: 'boolean', default: false },
    });
    const input = positionals[0];
    if (!input) throw new BabelfishError('BAD_ARGUMENT', 'vocode needs an audio file: babelfish vocode in.wav -o out.wav');
    if (positionals.length > 1) throw new BabelfishError('BAD_ARGUMENT', `vocode takes one input file, got ${positionals.length}`);
    if (!values.out) throw new BabelfishError('BAD_ARGUMENT', 'say where to write the audio: -o out.wav');
    const temperature = parseTemperature(values.temperature);
    const seed = Number(values.seed);
    if (!Number.isInteger(seed)) throw new BabelfishError('BAD_ARGUMENT', '--seed must be an integer');
    const maxSeconds = Number(values['max-seconds']);
    if (!(maxSeconds > 0)) throw new BabelfishError('BAD_ARGUMENT', '--max-seconds must be positive');

    let vocoder: Vocoder | null = null;
    if (!values['griffin-lim']) {
      await initBackend();
      vocoder = await Vocoder.load(resolveModelDir('vocoder', values.vocoder));
    }
    try {
      const features = vocoder ? vocoderFeatureConfig(vocoder.config) : DEFAULT_FEATURE_CONFIG;
      const audio = await loadAudio(input, features.sampleRate);
      const seconds = audio.samples.length / audio.sampleRate;
      if (seconds > maxSeconds) throw new BabelfishError('BAD_ARGUMENT', `${input} lasts ${seconds.toFixed(1)} s; the limit is ${maxSeconds} s (--max-seconds)`);
      const mel = logMelSpectrogram(audio.samples, features);
      if (mel.frames === 0) throw new BabelfishError('EMPTY_AUDIO', `${input} is shorter than one ${(1000 * features.winLength / features.sampleRate).toFixed(0)} ms analysis window`);
      const t0 = performance.now();
      const out = vocoder ? await vocoder.vocode(mel, { temperature, seed, maxSeconds: maxSeconds + 1 }) : melToAudio(mel, features);
      const compute = (performance.now() - t0) / 1000;
      await writeWav(values.out, out, features.sampleRate);
      const outSeconds = out.length / features.sampleRate;
      const mcd = boundedMcd(mel, logMelSpectrogram(out, features));
      const summary = {
        input,
        out: values.out,
        method: vocoder ? 'wavenet' : 'griffin-lim',
        sampleRate: features.sampleRate,
        inputSeconds: seconds,
        outputSeconds: outSeconds,
        frames: mel.frames,
        seconds: compute,
        rtf: outSeconds > 0 ? compute / outSeconds : 0,
        mcd,
      };
      process.stdout.write(
        (values.json
          ? JSON.stringify(summary)
          : `${values.out}: ${outSeconds.toFixed(2)} s at ${features.sampleRate} Hz by ${summary.method} in ${compute.toFixed(2)} s (RTF ${summary.rtf.toFixed(3)})` +
            (mcd === null ? '' : `, MCD ${mcd.toFixed(2)} dB against the input`)) + '\n',
      );
      return 0;
    } finally {
      vocoder?.dispose();
    }
  },
};
