import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Command } from '../command.ts';
import { parseCommandArgs } from '../args.ts';
import { initBackend } from '../../backend.ts';
import { projectRoot } from '../../paths.ts';

const require = createRequire(import.meta.url);

function versionOf(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** A model folder counts as found when it holds a config and tfjs weights. */
async function findModels(dir: string): Promise<{ name: string; ready: boolean; sizeMB: number }[]> {
  const out: { name: string; ready: boolean; sizeMB: number }[] = [];
  let entries: string[] = [];
  try {
    entries = await readdir(dir);
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    const folder = path.join(dir, name);
    if (!(await stat(folder)).isDirectory()) continue;
    const files = await readdir(folder);
    let bytes = 0;
    for (const f of files) {
      const s = await stat(path.join(folder, f));
      if (s.isFile()) bytes += s.size;
    }
    out.push({ name, ready: files.includes('model.json') || files.includes('config.json'), sizeMB: bytes / 2 ** 20 });
  }
  return out;
}

export const command: Command = {
  name: 'info',
  summary: 'versions, tfjs backend and the models found',
  usage: `usage: babelfish info [--json]

Prints the versions of Node.js, babelfish and its main libraries, the tfjs backend
this machine selects (BABELFISH_BACKEND=wasm|cpu|node|node-gpu forces one), and the
model folders found under models/.`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean' } });
    const ownVersion = (JSON.parse(await readFile(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
    const backend = await initBackend({ log: () => {} });
    const info = {
      babelfish: ownVersion,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      backend,
      packages: Object.fromEntries(
        ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'ws', 'fluent-ffmpeg', '@ffmpeg-installer/ffmpeg'].map((p) => [p, versionOf(p)]),
      ),
      models: await findModels(path.join(projectRoot, 'models')),
    };
    if (values.json) {
      process.stdout.write(JSON.stringify(info, null, 2) + '\n');
      return 0;
    }
    const lines = [
      `babelfish ${info.babelfish} on Node.js ${info.node} (${info.platform})`,
      `tfjs backend: ${info.backend}`,
      'packages:',
      ...Object.entries(info.packages).map(([k, v]) => `  ${k.padEnd(30)} ${v}`),
      'models:',
      ...(info.models.length
        ? info.models.map((m) => `  ${m.name.padEnd(30)} ${m.ready ? 'ready' : 'no weights'}  ${m.sizeMB.toFixed(1)} MB`)
        : ['  (none found)']),
    ];
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};
