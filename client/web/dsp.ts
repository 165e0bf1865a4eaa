/**
 * The page's audio arithmetic, kept free of browser APIs so it is unit-tested in Node:
 * downsampling the microphone (44.1/48 kHz) to 16 kHz, cutting it into 20 ms PCM16
 * frames, and the WAV writer for "download this utterance".
 */

/**
 * Streaming anti-aliased downsampler for the capture worklet: a windowed-sinc low-pass
 * at 0.45 x the output rate, evaluated only at output instants (fractional positions),
 * so any input rate works and chunk boundaries do not matter.
 */
export class Downsampler {
  private readonly ratio: number;
  private readonly taps: number;
  private readonly cutoff: number;
  private history: Float32Array;
  private consumed = 0; // input samples dropped from the front of `history`
  private nextOut = 0; // output index to produce next

  constructor(readonly inputRate: number, readonly outputRate = 16000, halfWidth = 16) {
    if (!(inputRate > 0) || !(outputRate > 0)) throw new Error(`bad sample rates ${inputRate} -> ${outputRate}`);
    this.ratio = inputRate / outputRate;
    // Filter half-width in input samples grows with the ratio so the transition band stays fixed.
    this.taps = Math.ceil(halfWidth * Math.max(1, this.ratio));
    this.cutoff = Math.min(1, 1 / this.ratio) * 0.9; // fraction of the input Nyquist
    this.history = new Float32Array(0);
  }

  private kernel(x: number): number {
    // x in input samples; Hann-windowed sinc.
    const w = Math.abs(x) >= this.taps ? 0 : 0.5 + 0.5 * Math.cos((Math.PI * x) / this.taps);
    const arg = Math.PI * this.cutoff * x;
    return this.cutoff * w * (x === 0 ? 1 : Math.sin(arg) / arg);
  }

  /** Samples at the input rate in, samples at 16 kHz out (as many as are complete). */
  push(input: Float32Array): Float32Array {
    const merged = new Float32Array(this.history.length + input.length);
    merged.set(this.history);
    merged.set(input, this.history.length);
    const available = this.consumed + merged.length; // absolute input index bound
    const out: number[] = [];
    for (;;) {
      const centre = this.nextOut * this.ratio; // absolute input position
      if (centre + this.taps >= available) break;
      const lo = Math.max(0, Math.ceil(centre - this.taps));
      const hi = Math.floor(centre + this.taps);
      let acc = 0;
      for (let k = lo; k <= hi; k++) acc += merged[k - this.consumed]! * this.kernel(k - centre);
      out.push(acc);
      this.nextOut++;
    }
    // Keep what the next outputs still need.
    const keepFrom = Math.max(this.consumed, Math.floor(this.nextOut * this.ratio - this.taps) - 1);
    this.history = merged.slice(keepFrom - this.consumed);
    this.consumed = keepFrom;
    return Float32Array.from(out);
  }
}

/** Collects samples and hands out fixed-size frames (20 ms = 320 samples at 16 kHz). */
export class Framer {
  private buffer: Float32Array;
  private fill = 0;

  constructor(readonly frameSize = 320) {
    this.buffer = new Float32Array(frameSize);
  }

  push(samples: Float32Array): Float32Array[] {
    const frames: Float32Array[] = [];
    let i = 0;
    while (i < samples.length) {
      const n = Math.min(this.frameSize - this.fill, samples.length - i);
      this.buffer.set(samples.subarray(i, i + n), this.fill);
      this.fill += n;
      i += n;
      if (this.fill === this.frameSize) {
        frames.push(this.buffer.slice());
        this.fill = 0;
      }
    }
    return frames;
  }

  /** What is left, padded with nothing: the tail of a recording. */
  flush(): Float32Array {
    const rest = this.buffer.slice(0, this.fill);
    this.fill = 0;
    return rest;
  }
}

export function floatToPcm16(x: Float32Array): Int16Array {
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = Math.max(-1, Math.min(1, x[i]!));
    out[i] = Math.round(v < 0 ? v * 32768 : v * 32767);
  }
  return out;
}

export function pcm16ToFloat(bytes: ArrayBuffer): Float32Array {
  const view = new DataView(bytes);
  const out = new Float32Array(Math.floor(bytes.byteLength / 2));
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(2 * i, true) / 32768;
  return out;
}

/** Root-mean-square level in dBFS, floored at -100, for the level meter. */
export function levelDb(x: Float32Array): number {
  if (x.length === 0) return -100;
  let s = 0;
  for (const v of x) s += v * v;
  const rms = Math.sqrt(s / x.length);
  return rms > 0 ? Math.max(-100, 20 * Math.log10(rms)) : -100;
}

/** A 16-bit PCM mono WAV file. */
export function encodeWav(samples: Float32Array, sampleRate: number): ArrayBuffer {
  const pcm = floatToPcm16(samples);
  const buf = new ArrayBuffer(44 + pcm.byteLength);
  const v = new DataView(buf);
  const ascii = (o: number, s: string) => [...s].forEach((c, i) => v.setUint8(o + i, c.charCodeAt(0)));
  ascii(0, 'RIFF');
  v.setUint32(4, 36 + pcm.byteLength, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true); // PCM
  v.setUint16(22, 1, true); // mono
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  ascii(36, 'data');
  v.setUint32(40, pcm.byteLength, true);
  new Int16Array(buf, 44).set(pcm);
  return buf;
}
