import { readFile } from 'node:fs/promises';
import type { Command } from '../command.ts';
import { parseCommandArgs } from '../args.ts';
import { resolveModelDir } from '../model-dir.ts';
import { BabelfishError, isBabelfishError } from '../../errors.ts';
import { initBackend } from '../../backend.ts';
import { loadAudio } from '../../audio/decode.ts';
import { SpeechEncoder } from '../../../models/speech-encoder/model.ts';

/** Seconds of audio per step through the model: bounds memory on long files whatever their length. */
const DEFAULT_CHUNK_SECONDS = 30;

export interface FileTranscript {
  file: string;
  text: string;
  lang?: string;
  langProbs?: Record<string, number>;
  /** Seconds of audio. */
  duration: number;
  /** Encoder output frames. */
  frames: number;
  /** Wall-clock seconds per stage: reading/decoding the file, log-mel, the network, CTC decoding. */
  timings: { audioDecode: number; features: number; model: number; ctcDecode: number; total: number };
  /** Compute seconds (features + model + CTC decoding) per second of audio. */
  rtf: number;
}

/**
 * One file through the recogniser. The audio goes in `chunkSeconds` windows through the
 * streaming recogniser (whose output equals the whole-signal pass, the speech encoder's tests
 * prove it), so a 10-minute file never builds a 10-minute tensor.
 */
export async function transcribeFile(
  encoder: SpeechEncoder,
  file: string,
  options: { lang?: string; beamWidth?: number; useLm?: boolean; chunkSeconds?: number } = {},
): Promise<FileTranscript> {
  const t0 = performance.now();
  const audio = await loadAudio(file, encoder.sampleRate);
  const t1 = performance.now();
  const recogniser = encoder.stream({ lang: options.lang, beamWidth: options.beamWidth, useLm: options.useLm });
  const features = encoder.requireFeatures().stream();
  const chunk = Math.max(1, Math.round((options.chunkSeconds ?? DEFAULT_CHUNK_SECONDS) * audio.sampleRate));
  let featureMs = 0;
  let modelMs = 0;
  try {
    for (let i = 0; i < audio.samples.length; i += chunk) {
      const a = performance.now();
      const f = features.push(audio.samples.subarray(i, i + chunk));
      const b = performance.now();
      recogniser.pushFeatures(f);
      featureMs += b - a;
      modelMs += performance.now() - b;
    }
  } catch (e) {
    recogniser.dispose();
    throw e;
  }
  const t2 = performance.now();
  const r = await recogniser.finish();
  const t3 = performance.now();
  const duration = audio.samples.length / audio.sampleRate;
  const compute = (featureMs + modelMs + (t3 - t2)) / 1000;
  return {
    file,
    text: r.text,
    ...(r.lang !== undefined ? { lang: r.lang } : {}),
    ...(r.langProbs ? { langProbs: r.langProbs } : {}),
    duration,
    frames: r.frames,
    timings: { audioDecode: (t1 - t0) / 1000, features: featureMs / 1000, model: modelMs / 1000, ctcDecode: (t3 - t2) / 1000, total: (t3 - t0) / 1000 },
    rtf: duration > 0 ? compute / duration : 0,
  };
}

/** Paths of a list file: one a line, blank lines and lines starting with # ignored. */
export async function readFileList(listPath: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(listPath, 'utf8');
  } catch (e) {
    throw new BabelfishError('FILE_NOT_FOUND', `cannot read the file list ${listPath}`, { cause: e });
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

export const command: Command = {
  name: 'transcribe',
  summary: 'speech to text with the speech encoder (any format ffmpeg reads, many files per run)',
  usage: `usage: babelfish transcribe <audio...> [--list file] [--lang xx|auto] [--beam N] [--json] [--model dir]

Prints the transcript of each file (any format ffmpeg decodes; resampled to
16 kHz mono). With several files each line is "<file><TAB><text>".
  --lang XX          the spoken language (en, es, fr, de) or auto (default: detected by
                     the model's language head)
  --beam N           CTC prefix beam width (default: 16 with the model's character LMs
                     when its folder has lm/, else 1 = greedy)
  --no-lm            decode without the character LMs
  --list FILE        also transcribe the files listed in FILE, one path a line
                     (relative to the current folder; # starts a comment)
  --json             one JSON object per file and line: text, lang, langProbs, duration (s),
                     frames, timings (s: audioDecode, features, model, ctcDecode, total), rtf
  --model DIR        speech encoder folder (default models/speech-encoder)
  --chunk-seconds S  audio per step through the model (default 30; bounds memory on long files)

A file that fails (missing, empty, undecodable) is reported on stderr with its
error code and the others still run; the exit code is then 1.`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      lang: { type: 'string' },
      beam: { type: 'string' },
      'no-lm': { type: 'boolean', default: false },
      list: { type: 'string' },
      json: { type: 'boolean', default: false },
      model: { type: 'string' },
      'chunk-seconds': { type: 'string', default: String(DEFAULT_CHUNK_SECONDS) },
    });
    const beam = values.beam === undefined ? undefined : Number(values.beam);
    if (beam !== undefined && (!Number.isInteger(beam) || beam < 1 || beam > 64)) throw new BabelfishError('BAD_ARGUMENT', '--beam must be an integer from 1 to 64');
    const chunkSeconds = Number(values['chunk-seconds']);
    if (!(chunkSeconds >= 0.1 && chunkSeconds <= 600)) throw new BabelfishError('BAD_ARGUMENT', '--chunk-seconds must be within 0.1..600');
    const files = [...positionals, ...(values.list ? await readFileList(values.list) : [])];
    if (!files.length) throw new BabelfishError('BAD_ARGUMENT', 'transcribe needs audio files: babelfish transcribe <audio...> or --list file');

    await initBackend();
    const encoder = await SpeechEncoder.load(resolveModelDir('speech-encoder', values.model));
    try {
      // An unknown language is the same mistake for every file: say so before decoding any.
      encoder.checkLanguage(values.lang);
      encoder.requireFeatures();
      let failures = 0;
      for (const file of files) {
        let r: FileTranscript;
        try {
          r = await transcribeFile(encoder, file, { lang: values.lang, beamWidth: beam, useLm: !values['no-lm'], chunkSeconds });
        } catch (e) {
          if (!isBabelfishError(e) || files.length === 1) throw e;
          failures++;
          process.stderr.write(`babelfish transcribe: ${file}: error [${e.code}]: ${e.message}\n`);
          if (values.json) process.stdout.write(JSON.stringify({ file, error: { code: e.code, message: e.message } }) + '\n');
          continue;
        }
        if (values.json) process.stdout.write(JSON.stringify(r) + '\n');
        else process.stdout.write((files.length > 1 ? `${file}\t` : '') + r.text + '\n');
      }
      return failures ? 1 : 0;
    } finally {
      encoder.dispose();
    }
  },
};
