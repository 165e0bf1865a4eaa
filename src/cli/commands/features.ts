import { writeFile } from 'node:fs/promises';
import type { Command } from '../command.ts';
import { parseCommandArgs } from '../args.ts';
import { BabelfishError } from '../../errors.ts';
import { loadAudio } from '../../audio/decode.ts';
import { logMelSpectrogram } from '../../audio/features.ts';
import { DEFAULT_FEATURE_CONFIG } from '../../audio/config.ts';
import { heatmapPng } from '../../plot/heatmap.ts';
import type { MelSpectrogram } from '../../audio/types.ts';

/** Frames become columns and mel bins rows, low frequencies at the bottom. */
export function melToPng(mel: MelSpectrogram, cellHeight = 3): Buffer {
  const { frames, bins, data } = mel;
  const transposed = new Float32Array(frames * bins);
  for (let t = 0; t < frames; t++) for (let b = 0; b < bins; b++) transposed[b * frames + t] = data[t * bins + b]!;
  // Clip the bottom of the dynamic range so silence does not wash out the picture.
  let max = -Infinity;
  for (const v of data) if (v > max) max = v;
  return heatmapPng(transposed, bins, frames, { origin: 'lower', cellHeight, min: max - 12, max });
}

export const command: Command = {
  name: 'features',
  summary: 'draw the log-mel spectrogram of an audio file as a PNG',
  usage: `usage: babelfish features <audio> --png out.png [--json]

Decodes any format ffmpeg reads, resamples to 16 kHz mono and computes the
80-bin log-mel spectrogram (25 ms window, 10 ms hop) the speech encoder sees.
  --png FILE   write the spectrogram as a PNG (time left to right, low frequencies at the bottom)
  --json       print frames, bins, duration and the value range as JSON`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { png: { type: 'string' }, json: { type: 'boolean' } });
    const input = positionals[0];
    if (!input) throw new BabelfishError('BAD_ARGUMENT', 'features needs an audio file: babelfish features <audio> --png out.png');
    if (!values.png && !values.json) throw new BabelfishError('BAD_ARGUMENT', 'say what to produce: --png out.png and/or --json');
    const audio = await loadAudio(input, DEFAULT_FEATURE_CONFIG.sampleRate);
    const mel = logMelSpectrogram(audio.samples, DEFAULT_FEATURE_CONFIG);
    if (mel.frames === 0) throw new BabelfishError('EMPTY_AUDIO', `${input} is shorter than one 25 ms analysis window`);
    if (values.png) await writeFile(values.png, melToPng(mel));
    let min = Infinity;
    let max = -Infinity;
    for (const v of mel.data) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const summary = { input, seconds: audio.samples.length / audio.sampleRate, frames: mel.frames, bins: mel.bins, min, max, png: values.png ?? null };
    process.stdout.write((values.json ? JSON.stringify(summary) : `${input}: ${summary.seconds.toFixed(2)} s, ${mel.frames} frames x ${mel.bins} mel bins` + (values.png ? ` -> ${values.png}` : '')) + '\n');
    return 0;
  },
};
