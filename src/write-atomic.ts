/**
 * Writes a file so that readers see the old content or the new, never a torn one: the bytes go
 * to a temporary sibling (named by pid, so two processes never share it) renamed over the target.
 */
import { rename, writeFile } from 'node:fs/promises';

export async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}
