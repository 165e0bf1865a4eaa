/**
 * numpy's .npy format for float32 feature matrices [frames, bins] (format version 1.0): how
 * the speech encoder caches its features and the synthesizer hands its predicted mels to the
 * vocoder, in a form numpy reads too (`np.load`), for whoever wants to plot them.
 */
import type { MelSpectrogram } from './types.ts';

const MAGIC = [0x93, ...Array.from('NUMPY', (c) => c.charCodeAt(0))];

export function encodeNpy(f: MelSpectrogram): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${f.frames}, ${f.bins}), }`;
  // the spec pads the header with spaces and a newline so the data starts 64-byte aligned
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + f.frames * f.bins * 4);
  out.set([...MAGIC, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(new Uint8Array(f.data.buffer, f.data.byteOffset, f.frames * f.bins * 4), 10 + header.length);
  return out;
}

export function isNpy(buf: Uint8Array): boolean {
  return buf.length >= 10 && MAGIC.every((b, i) => buf[i] === b);
}

/** Reads what encodeNpy writes: little-endian float32, C order, two dimensions. */
export function decodeNpy(buf: Uint8Array): MelSpectrogram {
  if (!isNpy(buf)) throw new Error('not an .npy file');
  const hlen = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint16(8, true);
  const header = Buffer.from(buf.subarray(10, 10 + hlen)).toString('latin1');
  const m = /'shape': \((\d+), (\d+)\)/.exec(header);
  if (!m || !header.includes("'<f4'") || !header.includes("'fortran_order': False")) throw new Error('unsupported .npy header ' + header.trim());
  const frames = Number(m[1]);
  const bins = Number(m[2]);
  if (buf.length < 10 + hlen + frames * bins * 4) throw new Error(`truncated .npy: ${frames} x ${bins} floats announced, ${buf.length - 10 - hlen} bytes present`);
  // a copy, so the floats are aligned whatever the file buffer's offset (Uint8Array's slice:
  // a Node Buffer's own slice is a view into its pool)
  const bytes = Uint8Array.prototype.slice.call(buf, 10 + hlen, 10 + hlen + frames * bins * 4);
  return { data: new Float32Array(bytes.buffer, 0, frames * bins), frames, bins };
}
