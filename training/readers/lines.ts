/**
 * Line-by-line reading of text files, plain or gzip (recognised by its magic
 * bytes, whatever the file is called), with readable errors for missing files.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { BabelfishError } from '../../src/errors.ts';

export async function isGzip(file: string): Promise<boolean> {
  const fh = await openOrThrow(file);
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

async function openOrThrow(file: string) {
  try {
    return await open(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BabelfishError('FILE_NOT_FOUND', code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
}

/** Lines without their line ends (a final empty line is dropped), with 1-based numbers. */
export async function* readLines(file: string): AsyncGenerator<{ line: string; n: number }> {
  const gz = await isGzip(file);
  const raw = createReadStream(file);
  const input = gz ? raw.pipe(createGunzip()) : raw;
  const rl = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of rl) {
      n++;
      // A UTF-8 byte order mark on the first line is not part of the data.
      yield { line: n === 1 ? line.replace(/^\uFEFF/, '') : line, n };
    }
  } catch (e) {
    throw new BabelfishError('BAD_ARGUMENT', `${file}: cannot read line ${n + 1}: ${(e as Error).message}`, { cause: e });
  } finally {
    rl.close();
    raw.destroy();
  }
}
