/**
 * mu-law companding (ITU-T G.711 curve, continuous form) for the WaveNet
 * vocoder's categorical output: `channels` codes 0..channels-1, mu = channels - 1.
 *
 * Round-trip bound (derived in test/audio/mulaw.test.ts): with y the companded
 * value, quantising y to the nearest of mu+1 levels moves it by at most 1/mu, and
 * |x| + 1/mu = (1+mu)^|y| / mu, so |decode(encode(x)) - x| <= (|x| + 1/mu)((1+mu)^(1/mu) - 1):
 * about 2.2% of |x| (+ 8.6e-5) for 256 channels.
 * (When the nearest level has the other sign, |x| < 1/mu, the same bound holds; see the test.)
 */
import { BabelfishError } from '../errors.ts';

function checkChannels(channels: number): void {
  if (!Number.isInteger(channels) || channels < 2)
    throw new BabelfishError('BAD_ARGUMENT', `mu-law needs an integer number of channels >= 2, got ${channels}`);
}

export function mulawEncode(x: Float32Array, channels = 256): Int32Array {
  checkChannels(channels);
  const mu = channels - 1;
  const k = 1 / Math.log1p(mu);
  const out = new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let v = x[i]!;
    v = v > 1 ? 1 : v < -1 ? -1 : v || 0;
    const y = Math.sign(v) * Math.log1p(mu * Math.abs(v)) * k;
    out[i] = Math.floor(((y + 1) / 2) * mu + 0.5);
  }
  return out;
}

export function mulawDecode(codes: Int32Array | ArrayLike<number>, channels = 256): Float32Array {
  checkChannels(channels);
  const mu = channels - 1;
  const out = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) {
    const c = Math.min(mu, Math.max(0, codes[i]!));
    const y = (2 * c) / mu - 1;
    out[i] = (Math.sign(y) * ((1 + mu) ** Math.abs(y) - 1)) / mu;
  }
  return out;
}
