/**
 * Decoding any container/codec ffmpeg knows (WebM/Opus, Ogg, MP3, FLAC, WAV...)
 * to mono Float32 through fluent-ffmpeg and the ffmpeg binary that npm installs
 * (@ffmpeg-installer/ffmpeg). ffmpeg downmixes and resamples (its swr
 * resampler, with a longer filter than its default), and writes raw f32le.
 * WAV files skip the child process: wav.ts plus resample.ts.
 */
import { PassThrough, Readable, Writable } from 'node:stream';
import { stat, open } from 'node:fs/promises';
import { extname } from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import { BabelfishError } from '../errors.ts';
import { resample, checkSampleRate } from './resample.ts';
import { readWav } from './wav.ts';
import type { AudioData } from './types.ts';
import { concatFloat32 as concat } from './concat.ts';

export const FFMPEG_PATH: string = ffmpegInstaller.path;

/** ffmpeg's error text, less fluent-ffmpeg's prefix and ffmpeg's banner noise: the line a person needs. */
function ffmpegReason(err: Error, stderr: string | null): string {
  const lines = (stderr ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(ffmpeg version|built with|configuration:|lib\w+ +\d|Input #|Output #|Stream #|Stream mapping|Duration:|Metadata:|size=|Press \[q\]|\[.*\] +\w+ +: )/.test(l) && !l.startsWith('--'));
  const tail = lines.slice(-3).join('; ');
  const msg = err.message.replace(/^ffmpeg exited with code \d+:\s*/, '').trim();
  return tail || msg || 'unknown ffmpeg error';
}

function outputOptions(sampleRate: number): string[] {
  // filter_size 64 (default 32) halves the transition band of ffmpeg's resampler. rematrix_maxval=1
  // makes the downmix an average, as downmix() in pcm.ts does (ffmpeg's default sums stereo at -3 dB
  // each, so identical channels came out 3 dB louder than through the WAV path; measured).
  return ['-vn', '-sn', '-dn', '-ac', '1', '-af', `aresample=${sampleRate}:filter_size=64:rematrix_maxval=1`, '-f', 'f32le', '-acodec', 'pcm_f32le'];
}

/** Collects little-endian float32 bytes that arrive in arbitrary pieces. */
class F32Assembler {
  private rest = Buffer.alloc(0);
  push(chunk: Buffer): Float32Array {
    const all = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    const n = all.length >> 2;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = all.readFloatLE(4 * i);
    this.rest = Buffer.from(all.subarray(4 * n));
    return out;
  }
}

interface FfmpegRun {
  cmd: ffmpeg.FfmpegCommand;
  /** Resolves when ffmpeg has exited cleanly AND every output byte has been delivered; rejects with ffmpeg's error. */
  done: Promise<void>;
}

/**
 * Runs ffmpeg with raw f32le output into `onSamples`. The sink is our own Writable that never
 * emits 'close': fluent-ffmpeg treats a closed output stream as "kill ffmpeg in 20 ms", which
 * on a loaded machine can fire before ffmpeg's own exit and turn a good decode into an error.
 * Completion waits for both the process and the sink, because a child's 'exit' can come
 * before the last bytes of its stdout.
 */
function runFfmpeg(source: string | Readable, inputOptions: string[], outputOpts: string[], onSamples: (s: Float32Array) => void): FfmpegRun {
  const asm = new F32Assembler();
  const sink = new Writable({
    emitClose: false,
    write(chunk: Buffer, _enc, cb) {
      const s = asm.push(chunk);
      if (s.length) onSamples(s);
      cb();
    },
  });
  const cmd = ffmpeg(source).setFfmpegPath(FFMPEG_PATH).inputOptions(inputOptions).outputOptions(outputOpts);
  const flushed = new Promise<void>((resolve) => sink.on('finish', () => resolve()));
  const exited = new Promise<void>((resolve, reject) => {
    cmd.on('error', (err: Error, _stdout: string | null, stderr: string | null) => {
      const e = new Error(ffmpegReason(err, stderr), { cause: err });
      reject(e);
    });
    cmd.on('end', () => resolve());
  });
  cmd.pipe(sink, { end: true });
  return { cmd, done: exited.then(() => flushed) };
}

async function checkFile(path: string): Promise<number> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new BabelfishError('BAD_ARGUMENT', `${path} is not a file`);
    return s.size;
  } catch (e) {
    if (e instanceof BabelfishError) throw e;
    throw new BabelfishError('FILE_NOT_FOUND', `no such file: ${path}`, { cause: e });
  }
}

/** Whole input (a path, bytes or a readable stream) to mono Float32 at `sampleRate` (default 16 kHz). */
export async function decodeAudio(input: string | Uint8Array | NodeJS.ReadableStream, opts: { sampleRate?: number } = {}): Promise<AudioData> {
  const sampleRate = opts.sampleRate ?? 16000;
  checkSampleRate(sampleRate);
  let source: string | Readable;
  if (typeof input === 'string') {
    if ((await checkFile(input)) === 0) throw new BabelfishError('EMPTY_AUDIO', `${input} is empty (0 bytes)`);
    source = input;
  } else if (input instanceof Uint8Array) {
    if (input.length === 0) throw new BabelfishError('EMPTY_AUDIO', 'the audio is empty (0 bytes)');
    source = Readable.from([Buffer.from(input.buffer, input.byteOffset, input.byteLength)]);
  } else source = input as Readable;
  const what = typeof input === 'string' ? input : 'the audio';

  const parts: Float32Array[] = [];
  const { done } = runFfmpeg(source, [], outputOptions(sampleRate), (s) => parts.push(s));
  try {
    await done;
  } catch (e) {
    throw new BabelfishError('DECODE_FAILED', `cannot decode ${what}: ${(e as Error).message}`, { cause: e });
  }
  return { samples: concat(parts), sampleRate };
}

async function startsWithRiff(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    await fh.read(head, 0, 4, 0);
    return head.toString('latin1') === 'RIFF';
  } finally {
    await fh.close();
  }
}

/**
 * An audio file as mono Float32 at `sampleRate`. RIFF/WAVE files (PCM/float)
 * are read directly and resampled here; anything else, and WAV codecs wav.ts
 * does not read (ADPCM, A-law...), goes through ffmpeg. A broken RIFF file is
 * reported as MALFORMED_WAV; a file named .wav that is not RIFF is still
 * offered to ffmpeg (a renamed MP3 plays), and if ffmpeg cannot read it either
 * the error is MALFORMED_WAV, which is what the name promised.
 */
export async function loadAudio(path: string, sampleRate = 16000): Promise<AudioData> {
  checkSampleRate(sampleRate);
  if ((await checkFile(path)) === 0) throw new BabelfishError('EMPTY_AUDIO', `${path} is empty (0 bytes)`);
  const named = extname(path).toLowerCase() === '.wav';
  if (named || (await startsWithRiff(path))) {
    try {
      const a = await readWav(path);
      return { samples: a.sampleRate === sampleRate ? a.samples : resample(a.samples, a.sampleRate, sampleRate), sampleRate };
    } catch (e) {
      if (!(e instanceof BabelfishError)) throw e;
      const notRiff = e.code === 'MALFORMED_WAV' && !(await startsWithRiff(path));
      if (e.code !== 'UNSUPPORTED_AUDIO' && !notRiff) throw e;
      if (notRiff)
        return decodeAudio(path, { sampleRate }).catch((ffmpegError: unknown) => {
          throw ffmpegError instanceof BabelfishError && ffmpegError.code === 'DECODE_FAILED' ? e : ffmpegError;
        });
    }
  }
  return decodeAudio(path, { sampleRate });
}

export interface StreamingDecoderOptions {
  /** Output rate (default 16 kHz). */
  sampleRate?: number;
  /** ffmpeg input format (e.g. 'webm', 'ogg') when probing a few bytes is not enough. */
  inputFormat?: string;
}

/**
 * A long-lived ffmpeg child for a container stream arriving in pieces (a
 * browser's MediaRecorder WebM/Opus): push() bytes, receive Float32 chunks
 * through onData() or by async iteration. Probing is cut to a few kilobytes and
 * output packets are flushed at once, so audio flows while the stream is still
 * open. Errors arrive as DECODE_FAILED via onError() (or end()/the iterator if
 * no one listens). destroy() kills the child.
 */
export class StreamingDecoder implements AsyncIterable<Float32Array> {
  readonly sampleRate: number;
  private readonly input = new PassThrough();
  private readonly cmd: ffmpeg.FfmpegCommand;
  private readonly dataListeners: ((samples: Float32Array) => void)[] = [];
  private readonly errorListeners: ((e: BabelfishError) => void)[] = [];
  private readonly queue: Float32Array[] = [];
  private wake: (() => void) | null = null;
  private error: BabelfishError | null = null;
  private finished = false;
  private destroyed = false;
  private readonly done: Promise<void>;
  private samples = 0;
  private bytesIn = 0;

  constructor(opts: StreamingDecoderOptions = {}) {
    this.sampleRate = opts.sampleRate ?? 16000;
    checkSampleRate(this.sampleRate);
    // Not '-fflags nobuffer': it drops the first Opus frame (measured: 15680 of 16000 samples).
    const inputOptions = ['-probesize', '4096', '-analyzeduration', '0'];
    if (opts.inputFormat) inputOptions.push('-f', opts.inputFormat);
    const run = runFfmpeg(this.input, inputOptions, [...outputOptions(this.sampleRate), '-flush_packets', '1'], (s) => {
      if (this.destroyed) return;
      this.samples += s.length;
      if (this.dataListeners.length) {
        // A throwing consumer must not break ffmpeg's pipe: its error goes to onError like ours.
        try {
          for (const l of this.dataListeners) l(s);
        } catch (e) {
          this.fail(e instanceof BabelfishError ? e : new BabelfishError('INTERNAL', `audio consumer failed: ${(e as Error).message}`, { cause: e }));
        }
      } else {
        this.queue.push(s);
        this.wakeUp();
      }
    });
    this.cmd = run.cmd;
    this.cmd.on('start', () => {
      if (this.destroyed) this.cmd.kill('SIGKILL');
    });
    this.done = run.done.then(
      () => this.finish(),
      (err: Error) => {
        // A stream that never received a byte (start, then stop) is empty, not broken.
        if (!this.destroyed && this.bytesIn > 0) this.fail(new BabelfishError('DECODE_FAILED', `cannot decode the audio stream: ${err.message}`, { cause: err }));
        this.finish();
      },
    );
  }

  /** The ffmpeg child's process id once it has started (for monitoring and tests). */
  get pid(): number | undefined {
    return (this.cmd as unknown as { ffmpegProc?: { pid?: number } }).ffmpegProc?.pid;
  }

  /** Samples decoded so far. */
  get samplesOut(): number {
    return this.samples;
  }

  onData(listener: (samples: Float32Array) => void): void {
    this.dataListeners.push(listener);
  }

  onError(listener: (e: BabelfishError) => void): void {
    this.errorListeners.push(listener);
  }

  push(chunk: Uint8Array): void {
    if (this.finished || this.destroyed || this.input.writableEnded || chunk.length === 0) return;
    this.bytesIn += chunk.length;
    this.input.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }

  /** No more input; resolves once everything is decoded and delivered (rejects only if an error had no listener). */
  async end(): Promise<void> {
    if (!this.input.writableEnded) this.input.end();
    await this.done;
    if (this.error && this.errorListeners.length === 0) throw this.error;
  }

  /** Kill the child process now; nothing more is delivered. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (!this.input.writableEnded) this.input.end();
    if (!this.finished) this.cmd.kill('SIGKILL'); // a no-op before the spawn: the 'start' hook catches that case
    this.finish();
  }

  close(): void {
    this.destroy();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Float32Array> {
    for (;;) {
      if (this.queue.length) {
        yield this.queue.shift()!;
        continue;
      }
      if (this.error) throw this.error;
      if (this.finished) return;
      await new Promise<void>((r) => (this.wake = r));
    }
  }

  private fail(e: BabelfishError): void {
    if (this.error) return;
    this.error = e;
    for (const l of this.errorListeners) l(e);
    this.wakeUp();
  }

  private finish(): void {
    this.finished = true;
    this.wakeUp();
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}
