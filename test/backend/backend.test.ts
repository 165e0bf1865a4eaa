import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, defaultLoader, type BackendName } from '../../src/backend.ts';
import { BabelfishError } from '../../src/errors.ts';

/** A loader that pretends only `available` backends exist, recording what was tried. */
function fakeLoader(available: BackendName[]) {
  const tried: BackendName[] = [];
  const loader = async (name: BackendName) => {
    tried.push(name);
    if (!available.includes(name)) throw new Error(`Cannot find module for ${name}`);
  };
  return { loader, tried };
}

const quiet = () => {};

describe('backend selection', () => {
  it('prefers node-gpu, then node, then wasm, then cpu', async () => {
    for (const [available, expected, triedCount] of [
      [['node-gpu', 'node', 'wasm', 'cpu'], 'node-gpu', 1],
      [['node', 'wasm', 'cpu'], 'node', 2],
      [['wasm', 'cpu'], 'wasm', 3],
      [['cpu'], 'cpu', 4],
    ] as [BackendName[], BackendName, number][]) {
      const { loader, tried } = fakeLoader(available);
      expect(await selectBackend({ loader, log: quiet, force: '' })).toBe(expected);
      expect(tried).toEqual(['node-gpu', 'node', 'wasm', 'cpu'].slice(0, triedCount));
    }
  });

  it('logs the choice once, naming what was unavailable', async () => {
    const lines: string[] = [];
    const { loader } = fakeLoader(['wasm', 'cpu']);
    await selectBackend({ loader, log: (l) => lines.push(l), force: '' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('wasm');
    expect(lines[0]).toContain('unavailable: node-gpu, node');
  });

  it('a forced backend is used alone, and fails clearly when it cannot load', async () => {
    const ok = fakeLoader(['node-gpu', 'cpu']);
    expect(await selectBackend({ loader: ok.loader, log: quiet, force: 'cpu' })).toBe('cpu');
    expect(ok.tried).toEqual(['cpu']);

    const missing = fakeLoader(['wasm', 'cpu']);
    const err = await selectBackend({ loader: missing.loader, log: quiet, force: 'node' }).catch((e) => e);
    expect(err).toBeInstanceOf(BabelfishError);
    expect(err.code).toBe('BACKEND_UNAVAILABLE');
    expect(err.message).toMatch(/BABELFISH_BACKEND=node .*cannot load/);
    expect(missing.tried).toEqual(['node']);
  });

  it('rejects an unknown forced name and reports when nothing loads', async () => {
    const err = await selectBackend({ loader: fakeLoader([]).loader, log: quiet, force: 'tpu' }).catch((e) => e);
    expect(err.code).toBe('BACKEND_UNAVAILABLE');
    expect(err.message).toContain('wasm, cpu');
    const none = await selectBackend({ loader: fakeLoader([]).loader, log: quiet, force: '' }).catch((e) => e);
    expect(none.code).toBe('BACKEND_UNAVAILABLE');
  });

  it('with the real packages, falls through the absent native ones to WASM', async () => {
    const require = createRequire(import.meta.url);
    const present = (p: string) => {
      try {
        require.resolve(p);
        return true;
      } catch {
        return false;
      }
    };
    // On these machines the native packages' install (a libtensorflow download) fails, so
    // they are absent and selection must fall through to WASM; where they work, they win.
    const native = present('@tensorflow/tfjs-node-gpu') || present('@tensorflow/tfjs-node');
    const chosen = await selectBackend({ loader: defaultLoader, log: quiet, force: '' });
    if (native) expect(['node-gpu', 'node']).toContain(chosen);
    else {
      expect(chosen).toBe('wasm');
      expect(tf.getBackend()).toBe('wasm');
    }
    // And the chosen backend computes: a 2x2 matMul checked by hand.
    const c = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]]));
    expect(Array.from(await c.data())).toEqual([19, 22, 43, 50]);
  });
});
