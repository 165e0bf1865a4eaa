/**
 * AudioWorklet processor: runs on the audio thread, downsamples the microphone to
 * 16 kHz and posts 20 ms frames (Float32, 320 samples) plus a level reading to the page.
 */
import { Downsampler, Framer, levelDb } from './dsp.ts';

declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, ctor: unknown): void;

class CaptureProcessor extends AudioWorkletProcessor {
  private readonly down = new Downsampler(sampleRate, 16000);
  private readonly framer = new Framer(320);

  process(inputs: Float32Array[][]): boolean {
    const channel = inputs[0]?.[0];
    if (channel && channel.length > 0) {
      for (const frame of this.framer.push(this.down.push(channel))) {
        this.port.postMessage({ frame, level: levelDb(frame) }, [frame.buffer]);
      }
    }
    return true;
  }
}

registerProcessor('babelfish-capture', CaptureProcessor);
