/**
 * One speaker's streaming translation, independent of any transport: push 16 kHz audio
 * in, receive events out. This is the only place that knows the stage order:
 *
 *   VAD endpointing -> recogniser (streaming, partials) -> translator -> synthesizer -> vocoder
 *
 * Utterance n is translated and spoken while utterance n+1 is being heard: recognition
 * runs on its own chain, and each finished utterance goes down a second chain that keeps
 * the output in order.
 */
import { VoiceActivityDetector } from '../audio/vad.ts';
import { BabelfishError } from '../errors.ts';
import type { PipelineStages, RecognizerStream } from './stages.ts';
import { FairScheduler } from './scheduler.ts';

export const PIPELINE_SAMPLE_RATE = 16000;

export interface SessionOptions {
  id: string;
  from: string; // language code or 'auto'
  to: string;
  voice?: number;
  /** Silence that ends an utterance (the VAD's hangover). */
  endSilenceMs: number;
  maxUtteranceSeconds: number;
  /** Audio kept from before the detected start, so the first phoneme is not clipped. */
  prerollMs: number;
  scheduler: FairScheduler;
}

export const DEFAULT_SESSION_OPTIONS = { endSilenceMs: 500, maxUtteranceSeconds: 15, prerollMs: 200 } as const;

export type PipelineEvent =
  | { type: 'partial'; utterance: number; text: string }
  | { type: 'transcript'; utterance: number; text: string; lang: string; start: number; end: number }
  | { type: 'translation'; utterance: number; text: string; from: string; to: string }
  | { type: 'audio-start'; utterance: number; sampleRate: number }
  | { type: 'audio'; utterance: number; samples: Float32Array }
  | { type: 'audio-end'; utterance: number; samples: number; timings: StageTimings }
  | { type: 'error'; utterance: number; code: string; message: string };

/** Milliseconds. `firstAudio` is from the end of speech to the first audio chunk. */
export interface StageTimings {
  asr: number;
  mt: number;
  tts: number;
  vocoder: number;
  firstAudio: number;
}

interface Utterance {
  index: number;
  stream: RecognizerStream;
  startSample: number;
  partial: string;
  chain: Promise<void>;
}

export class TranslationSession {
  private readonly vad: VoiceActivityDetector;
  private readonly preroll: Float32Array;
  private prerollFill = 0;
  private position = 0; // samples received so far
  private current: Utterance | null = null;
  private nextIndex = 0;
  private outputChain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly stages: PipelineStages,
    private readonly options: SessionOptions,
    private readonly emit: (event: PipelineEvent) => void,
  ) {
    const { recognizer, translator, synthesizer } = stages;
    if (options.from !== 'auto' && !recognizer.languages.includes(options.from))
      throw new BabelfishError('UNSUPPORTED_LANGUAGE', `cannot recognise '${options.from}'; supported: ${recognizer.languages.join(', ')}`);
    if (options.from === 'auto' && !recognizer.detectsLanguage)
      throw new BabelfishError('UNSUPPORTED_LANGUAGE', `this speech encoder cannot detect the language; choose one of ${recognizer.languages.join(', ')}`);
    if (!translator.languages.includes(options.to) || !synthesizer.languages.includes(options.to))
      throw new BabelfishError('UNSUPPORTED_LANGUAGE', `cannot translate into and speak '${options.to}'; supported: ${translator.languages.filter((l) => synthesizer.languages.includes(l)).join(', ')}`);
    if (options.from === options.to) throw new BabelfishError('UNSUPPORTED_PAIR', `source and target are both '${options.to}'`);
    this.vad = new VoiceActivityDetector({ sampleRate: PIPELINE_SAMPLE_RATE, hangoverMs: options.endSilenceMs });
    this.preroll = new Float32Array(Math.round((options.prerollMs / 1000) * PIPELINE_SAMPLE_RATE));
  }

  /** Seconds of audio received. */
  get seconds(): number {
    return this.position / PIPELINE_SAMPLE_RATE;
  }

  /** 16 kHz mono samples, any chunk size. */
  push(samples: Float32Array): void {
    if (this.closed) return;
    const chunkStart = this.position;
    const events = this.vad.push(samples);
    let offset = 0; // within `samples`, how much has been routed
    for (const ev of events) {
      // Audio is routed up to where the VAD decided, which does not depend on how the
      // stream was chunked (the true boundary may lie in an earlier chunk): the pre-roll
      // covers the start, and the recogniser hears the hangover's silence at the end.
      const at = Math.min(samples.length, Math.max(offset, ev.decidedAt - chunkStart));
      this.route(samples.subarray(offset, at));
      offset = at;
      if (ev.type === 'speech-start' && !this.current) this.begin(ev.sample);
      else if (ev.type === 'speech-end' && this.current) this.finishUtterance(ev.sample);
    }
    this.route(samples.subarray(offset));
    this.position += samples.length;
    const u = this.current;
    if (u && this.position - u.startSample > this.options.maxUtteranceSeconds * PIPELINE_SAMPLE_RATE) {
      // Long monologues are cut so translation can start; the next utterance opens at once.
      this.finishUtterance(this.position);
      this.begin(this.position);
    }
  }

  /** The speaker stopped: finish the open utterance and wait until everything is spoken. */
  async end(): Promise<void> {
    if (this.current) this.finishUtterance(this.position);
    await this.outputChain;
  }

  /** Abandon the session (client vanished): queued model work is dropped. */
  close(): void {
    this.closed = true;
    this.options.scheduler.cancel(this.options.id);
  }

  private route(part: Float32Array): void {
    if (part.length === 0) return;
    if (this.current) this.feed(this.current, part);
    this.remember(part);
  }

  private remember(part: Float32Array): void {
    const n = this.preroll.length;
    if (n === 0) return;
    if (part.length >= n) {
      this.preroll.set(part.subarray(part.length - n));
      this.prerollFill = n;
      return;
    }
    const keep = Math.min(this.prerollFill, n - part.length);
    this.preroll.copyWithin(0, this.prerollFill - keep, this.prerollFill);
    this.preroll.set(part, keep);
    this.prerollFill = keep + part.length;
  }

  private begin(startSample: number): void {
    const u: Utterance = {
      index: this.nextIndex++,
      stream: this.stages.recognizer.open(this.options.from),
      startSample,
      partial: '',
      chain: Promise.resolve(),
    };
    this.current = u;
    if (this.prerollFill > 0) this.feed(u, this.preroll.slice(0, this.prerollFill));
  }

  private feed(u: Utterance, part: Float32Array): void {
    const copy = part.slice(); // the caller's buffer may be reused
    u.chain = u.chain.then(async () => {
      const text = await this.options.scheduler.run(this.options.id, () => u.stream.push(copy));
      if (text && text !== u.partial && !this.closed) {
        u.partial = text;
        this.emit({ type: 'partial', utterance: u.index, text });
      }
    });
  }

  private finishUtterance(endSample: number): void {
    const u = this.current!;
    this.current = null;
    const speechEnded = performance.now();
    const recognised = u.chain.then(async () => {
      const t0 = performance.now();
      const result = await this.options.scheduler.run(this.options.id, () => u.stream.finish());
      return { ...result, asr: performance.now() - t0 };
    });
    // Output stays in utterance order even when a later one is recognised faster.
    this.outputChain = this.outputChain
      .then(() => recognised)
      .then((r) => this.speak(u, r, endSample, speechEnded))
      .catch((e: unknown) => {
        if (this.closed) return;
        const err = e instanceof BabelfishError ? e : new BabelfishError('INTERNAL', (e as Error).message ?? String(e));
        this.emit({ type: 'error', utterance: u.index, code: err.code, message: err.message });
      });
  }

  private async speak(u: Utterance, r: { text: string; lang: string; asr: number }, endSample: number, speechEnded: number): Promise<void> {
    if (this.closed) return;
    const text = r.text.trim();
    this.emit({ type: 'transcript', utterance: u.index, text, lang: r.lang, start: u.startSample / PIPELINE_SAMPLE_RATE, end: endSample / PIPELINE_SAMPLE_RATE });
    if (!text) return; // noise or a cough: nothing to say
    const { translator, synthesizer, vocoder } = this.stages;
    const run = <T>(job: () => Promise<T>) => this.options.scheduler.run(this.options.id, job);

    let t = performance.now();
    const translation = r.lang === this.options.to ? text : await run(() => translator.translate(text, r.lang, this.options.to));
    const mt = performance.now() - t;
    if (this.closed) return;
    this.emit({ type: 'translation', utterance: u.index, text: translation, from: r.lang, to: this.options.to });
    if (!translation.trim()) return;

    t = performance.now();
    const mel = await run(() => synthesizer.synthesize(translation, this.options.to, this.options.voice));
    const tts = performance.now() - t;
    if (this.closed) return;

    this.emit({ type: 'audio-start', utterance: u.index, sampleRate: vocoder.sampleRate });
    t = performance.now();
    let firstAudio = -1;
    let samples = 0;
    const chunks = vocoder.stream(mel)[Symbol.asyncIterator]();
    for (;;) {
      const next = await run(() => chunks.next());
      if (next.done || this.closed) break;
      if (firstAudio < 0) firstAudio = performance.now() - speechEnded;
      samples += next.value.length;
      this.emit({ type: 'audio', utterance: u.index, samples: next.value });
    }
    if (this.closed) return;
    const timings: StageTimings = { asr: r.asr, mt, tts, vocoder: performance.now() - t, firstAudio: Math.max(0, firstAudio) };
    this.emit({ type: 'audio-end', utterance: u.index, samples, timings });
  }
}
