/**
 * `babelfish vocode in.wav -o out.wav`: analysis -> log-mel -> WaveNet resynthesis, for judging
 * the vocoder alone (the lead wires `runVocode` as the command).
 */
import { join } from 'node:path';
import { parseCommandArgs } from '../../src/cli/args.ts';
import { initBackend } from '../../src/backend.ts';
import { BabelfishError } from '../../src/errors.ts';
import { modelsDir } from '../../src/paths.ts';
import { loadAudio } from '../../src/audio/decode.ts';
import { writeWav } from '../../src/audio/wav.ts';
import { logMelSpectrogram } from '../../src/audio/features.ts';
import { parseTemperature, Vocoder, type VocodeOptions } from './model.ts';

export const DEFAULT_VOCODER_DIR = join(modelsDir, 'vocoder', 'default');

export const VOCODE_USAGE = `usage: babelfish vocode IN.wav -o OUT.wav [--model DIR] [--temperature T] [--seed N]
  Resynthesises speech through the vocoder: log-mel analysis, then WaveNet generation.
  --model DIR       trained vocoder (default models/vocoder/default)
  --temperature T   sampling temperature (default 1)
  --seed N          sampler seed (default 1)`;

/** Audio (16 kHz) through the vocoder's own analysis and generation. */
export async function resynthesize(vocoder: Vocoder, samples: Float32Array, options: VocodeOptions = {}): Promise<Float32Array> {
  return vocoder.vocode(logMelSpectrogram(samples), options);
}

export async function runVocode(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    output: { type: 'string', short: 'o' },
    model: { type: 'string' },
    temperature: { type: 'string' },
    seed: { type: 'string' },
  });
  if (values.help) {
    console.log(VOCODE_USAGE);
    return 0;
  }
  if (positionals.length !== 1 || !values.output) throw new BabelfishError('BAD_ARGUMENT', `give one input file and -o OUT.wav\n${VOCODE_USAGE}`);
  const temperature = parseTemperature(values.temperature);
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (!Number.isInteger(seed)) throw new BabelfishError('BAD_ARGUMENT', '--seed must be an integer');
  await initBackend();
  const vocoder = await Vocoder.load(values.model ?? DEFAULT_VOCODER_DIR);
  const { samples } = await loadAudio(positionals[0], vocoder.config.sampleRate);
  const t0 = performance.now();
  const audio = await resynthesize(vocoder, samples, { temperature, seed });
  const seconds = (performance.now() - t0) / 1000;
  await writeWav(values.output, audio, vocoder.config.sampleRate);
  process.stderr.write(`vocode: ${(audio.length / vocoder.config.sampleRate).toFixed(2)} s of audio in ${seconds.toFixed(2)} s (RTF ${(seconds / (audio.length / vocoder.config.sampleRate)).toFixed(3)}) -> ${values.output}\n`);
  vocoder.dispose();
  return 0;
}
