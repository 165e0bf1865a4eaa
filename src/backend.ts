/**
 * Picks the fastest TensorFlow.js backend this machine can load, once per process.
 *
 * Order: tfjs-node-gpu, tfjs-node, WASM, plain CPU. The native packages are optional
 * dependencies whose install downloads libtensorflow; where that failed they are
 * absent or fail to load, and we fall through. Measured on these 2-core machines:
 * WASM is ~30x the CPU backend on a 512x512 matMul, so it is the default here.
 * `BABELFISH_BACKEND=wasm|cpu|node|node-gpu` forces one and fails loudly if it cannot load.
 */
import * as tf from '@tensorflow/tfjs';
import { BabelfishError } from './errors.ts';
import { registerWasmSliceKernels } from './wasm-slice.ts';

export type BackendName = 'node-gpu' | 'node' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendName[] = ['node-gpu', 'node', 'wasm', 'cpu'];

/** How to bring up one backend; injectable so tests can simulate missing packages. */
export type BackendLoader = (name: BackendName) => Promise<void>;

export interface InitBackendOptions {
  /** Overrides `BABELFISH_BACKEND`. */
  force?: string;
  loader?: BackendLoader;
  log?: (line: string) => void;
}

const NATIVE_PACKAGES: Record<'node-gpu' | 'node', string> = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
};

/** The real loader: import the package, register it, and make it the active backend. */
export const defaultLoader: BackendLoader = async (name) => {
  if (name === 'node-gpu' || name === 'node') {
    // A variable specifier keeps bundlers and tsc from resolving a package that may not exist.
    const pkg = NATIVE_PACKAGES[name];
    await import(pkg);
    // Both native packages register themselves as 'tensorflow'.
    if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg} registered no usable backend`);
    return;
  }
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // One thread: the server runs one session's work per core, and the threaded
    // build needs cross-origin isolation in browsers anyway.
    wasm.setThreadsCount?.(1);
    registerWasmSliceKernels(); // its own Slice copies the whole input per slice (see wasm-slice.ts)
    if (!(await tf.setBackend('wasm'))) throw new Error('the WASM backend failed to initialise');
    return;
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('the CPU backend failed to initialise');
};

let chosen: Promise<BackendName> | null = null;

/** Selects and activates the backend once; later calls return the same choice. */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendName> {
  if (!chosen) {
    chosen = selectBackend(options).catch((e) => {
      chosen = null; // let a corrected environment retry
      throw e;
    });
  }
  return chosen;
}

/** The selection itself, without the once-per-process cache (tests call this directly). */
export async function selectBackend(options: InitBackendOptions = {}): Promise<BackendName> {
  const loader = options.loader ?? defaultLoader;
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const forced = (options.force ?? process.env.BABELFISH_BACKEND ?? '').trim();

  if (forced) {
    if (!BACKEND_ORDER.includes(forced as BackendName)) {
      throw new BabelfishError(
        'BACKEND_UNAVAILABLE',
        `BABELFISH_BACKEND=${forced} is not a backend; choose one of ${BACKEND_ORDER.join(', ')}`,
      );
    }
    const name = forced as BackendName;
    try {
      await loader(name);
    } catch (e) {
      throw new BabelfishError(
        'BACKEND_UNAVAILABLE',
        `BABELFISH_BACKEND=${name} was requested but it cannot load: ${(e as Error).message}`,
        { cause: e },
      );
    }
    log(`babelfish: tfjs backend ${name} (forced by BABELFISH_BACKEND)`);
    return name;
  }

  const skipped: string[] = [];
  for (const name of BACKEND_ORDER) {
    try {
      await loader(name);
      log(`babelfish: tfjs backend ${name}` + (skipped.length ? ` (unavailable: ${skipped.join(', ')})` : ''));
      return name;
    } catch {
      skipped.push(name);
    }
  }
  throw new BabelfishError('BACKEND_UNAVAILABLE', `no tfjs backend could load (tried ${BACKEND_ORDER.join(', ')})`);
}
