/** Gzip (or plain) tab-separated text files: one record a line, no header, no quoting. */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';

export async function readTsv(file: string): Promise<string[][]> {
  const buf = await readFile(file);
  const text = (file.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
  const rows: string[][] = [];
  for (const line of text.split('\n')) {
    const l = line.replace(/\r$/, '');
    if (l.length > 0) rows.push(l.split('\t'));
  }
  return rows;
}

/** Atomic write (temp file then rename); gzip output carries no timestamp, so equal rows give equal bytes. */
export async function writeTsv(file: string, rows: string[][]): Promise<void> {
  for (const r of rows) {
    for (const f of r) if (/[\t\n\r]/.test(f)) throw new Error(`field with tab or newline in ${file}: ${JSON.stringify(f)}`);
  }
  const text = rows.map((r) => r.join('\t')).join('\n') + (rows.length ? '\n' : '');
  const data = file.endsWith('.gz') ? gzipSync(Buffer.from(text, 'utf8'), { level: 9 }) : Buffer.from(text, 'utf8');
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}
