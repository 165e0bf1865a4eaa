declare module 'node-wav' {
  export function decode(buffer: ArrayBuffer | Uint8Array): { sampleRate: number; channelData: Float32Array[] };
  export function encode(channelData: Float32Array[], opts: { sampleRate?: number; float?: boolean; bitDepth?: number }): Buffer;
  const wav: { decode: typeof decode; encode: typeof encode };
  export default wav;
}
