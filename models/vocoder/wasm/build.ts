/**
 * Builds kernel.wasm from kernel.as with AssemblyScript (a dev dependency):
 * `npx tsx models/vocoder/wasm/build.ts`. The source is kept as `.as` so the project's
 * TypeScript check does not read AssemblyScript's builtins; asc wants `.ts`, hence the copy.
 * The built binary is committed, so running the vocoder needs no compiler.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const here = fileURLToPath(new URL('.', import.meta.url));

export async function buildKernel(outFile = join(here, 'kernel.wasm')): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vocoder-kernel-'));
  try {
    const src = join(dir, 'kernel.ts');
    await copyFile(join(here, 'kernel.as'), src);
    const { error, stderr } = await asc.main([src, '-o', outFile, '-O3', '--runtime', 'stub', '--noAssert', '--enable', 'simd']);
    if (error) throw new Error(`asc failed: ${error.message}\n${stderr.toString()}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildKernel();
  process.stderr.write(`built ${join(here, 'kernel.wasm')}\n`);
}
