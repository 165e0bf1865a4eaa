/** English example sentences quoted in WordNet glosses (`| gloss; "example"`). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export function wordnetExamples(dataLine: string): string[] {
  const bar = dataLine.indexOf(' | ');
  if (bar < 0) return [];
  const gloss = dataLine.slice(bar + 3);
  return [...gloss.matchAll(/"([^"]+)"/g)].map((m) => m[1]!.trim());
}

export async function readWordnetSentences(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const pos of ['noun', 'verb', 'adj', 'adv']) {
    const text = await readFile(path.join(dir, `data.${pos}`), 'utf8');
    for (const line of text.split('\n')) {
      if (line.startsWith('  ')) continue;
      out.push(...wordnetExamples(line));
    }
  }
  return out;
}
