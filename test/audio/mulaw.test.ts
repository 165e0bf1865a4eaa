import { describe, it, expect } from 'vitest';
import { mulawEncode, mulawDecode } from '../../src/audio/mulaw.ts';

/*
 * Round-trip bound, by hand. With mu = channels - 1, encoding maps x to
 * y = sign(x) ln(1 + mu|x|) / ln(1 + mu) in [-1, 1], then to the nearest of the
 * mu + 1 levels y_c = 2c/mu - 1 (spacing 2/mu), so |y_c - y| <= 1/mu.
 * Decoding inverts exactly: |x| = ((1+mu)^|y| - 1) / mu, i.e. |x| + 1/mu = (1+mu)^|y| / mu.
 * Moving |y| by d multiplies |x| + 1/mu by (1+mu)^d, so
 *   |x_hat - x| <= (|x| + 1/mu) ((1+mu)^(1/mu) - 1)
 * When the nearest level has the other sign (|x| < 1/mu), |y| + |y_c| <= 1/mu, and with
 * q = 1 + mu, r = q^(1/mu): |x| + |x_hat| = (q^a + r q^-a - 2)/mu <= q^a (r - 1)/mu, the same bound.
 * For 256 channels: r - 1 = exp(ln 256 / 255) - 1 = exp(0.0217458) - 1 = 0.021984.
 */
function bound(x: number, mu: number): number {
  return (Math.abs(x) + 1 / mu) * ((1 + mu) ** (1 / mu) - 1);
}

describe('mu-law', () => {
  it('maps the ends and zero to the expected codes', () => {
    const c = mulawEncode(new Float32Array([-1, 0, 1, -2, 2]));
    expect(Array.from(c)).toEqual([0, 128, 255, 0, 255]);
    expect(mulawDecode([0, 255])).toEqual(new Float32Array([-1, 1]));
  });

  it('numeric value of the 256-channel bound', () => {
    expect((1 + 255) ** (1 / 255) - 1).toBeCloseTo(0.021984, 5);
  });

  for (const channels of [256, 16]) {
    it(`round trip error stays within the hand-derived bound (${channels} channels), and the bound is tight`, () => {
      const mu = channels - 1;
      const x = Float32Array.from({ length: 200001 }, (_, i) => -1 + i / 100000);
      const y = mulawDecode(mulawEncode(x, channels), channels);
      let worstRatio = 0;
      let violations = 0;
      for (let i = 0; i < x.length; i++) {
        const err = Math.abs(y[i]! - x[i]!);
        if (err > bound(x[i]!, mu) + 1e-6) violations++;
        worstRatio = Math.max(worstRatio, err / bound(x[i]!, mu));
      }
      expect(violations).toBe(0);
      // A loose bound would pass anything: the worst case should come close to it.
      expect(worstRatio).toBeGreaterThan(0.9);
    });
  }

  it('codes are monotone in x, and every code decodes to a value that encodes back to it', () => {
    const x = Float32Array.from({ length: 4001 }, (_, i) => -1 + i / 2000);
    const c = mulawEncode(x);
    let monotone = true;
    for (let i = 1; i < c.length; i++) if (c[i]! < c[i - 1]!) monotone = false;
    expect(monotone).toBe(true);
    const codes = Int32Array.from({ length: 256 }, (_, i) => i);
    expect(mulawEncode(mulawDecode(codes))).toEqual(codes);
  });
});
