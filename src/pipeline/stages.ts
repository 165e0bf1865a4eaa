/**
 * What the streaming pipeline needs from each model, and nothing more. The models'
 * own classes are richer; `load-stages.ts` adapts them to these shapes, and tests or
 * other deployments can put anything else that fits behind them.
 */
import type { MelSpectrogram } from '../audio/types.ts';

/** One utterance being recognised while it is spoken. */
export interface RecognizerStream {
  /** 16 kHz mono samples in; the current partial hypothesis out. */
  push(samples: Float32Array): Promise<string>;
  /** No more audio: the final text and the (detected or given) language. */
  finish(): Promise<{ text: string; lang: string }>;
}

export interface SpeechRecognizerStage {
  readonly languages: readonly string[];
  /** Whether `open('auto')` can detect the spoken language. */
  readonly detectsLanguage: boolean;
  open(lang: string): RecognizerStream;
}

export interface TranslatorStage {
  readonly languages: readonly string[];
  translate(text: string, from: string, to: string): Promise<string>;
}

export interface SynthesizerStage {
  readonly languages: readonly string[];
  readonly voices: number;
  synthesize(text: string, lang: string, voice?: number): Promise<MelSpectrogram>;
}

export interface VocoderStage {
  readonly sampleRate: number;
  /** Audio comes out in chunks as it is generated, so playback can start early. */
  stream(mel: MelSpectrogram): AsyncIterable<Float32Array>;
}

export interface PipelineStages {
  recognizer: SpeechRecognizerStage;
  translator: TranslatorStage;
  synthesizer: SynthesizerStage;
  vocoder: VocoderStage;
}
