/**
 * Bundles the demo page with esbuild into client/dist: the app, the capture worklet
 * (a separate module: AudioWorklet loads it by URL), the HTML and the CSS. Fast enough
 * (well under a second) that `babelfish serve` runs it at start-up when dist is stale.
 */
import { build } from 'esbuild';
import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const WEB_SRC = path.join(here, 'web');
export const WEB_DIST = path.join(here, 'dist');

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const f of await readdir(dir)) newest = Math.max(newest, (await stat(path.join(dir, f))).mtimeMs);
  return newest;
}

/** Rebuilds when any source is newer than the bundle; returns the dist folder. */
export async function buildClient(force = false): Promise<string> {
  if (!force) {
    try {
      if ((await stat(path.join(WEB_DIST, 'app.js'))).mtimeMs >= (await newestMtime(WEB_SRC))) return WEB_DIST;
    } catch {
      // no bundle yet
    }
  }
  await mkdir(WEB_DIST, { recursive: true });
  await build({
    entryPoints: { app: path.join(WEB_SRC, 'app.ts'), 'capture-worklet': path.join(WEB_SRC, 'capture-worklet.ts') },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    outdir: WEB_DIST,
    sourcemap: true,
    minify: false,
    logLevel: 'warning',
  });
  await copyFile(path.join(WEB_SRC, 'index.html'), path.join(WEB_DIST, 'index.html'));
  await copyFile(path.join(WEB_SRC, 'styles.css'), path.join(WEB_DIST, 'styles.css'));
  return WEB_DIST;
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  await buildClient(true);
  console.log(`built ${WEB_DIST}`);
}
