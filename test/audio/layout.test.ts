import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

// The DSP files must stay pure (usable in a browser bundle and in workers): I/O lives in wav.ts and decode.ts.
const IO_FILES = new Set(['wav.ts', 'decode.ts', 'index.ts', 'node-wav.d.ts']);
const dir = join(import.meta.dirname, '../../src/audio');

describe('src/audio layout', () => {
  it('pure DSP files import no Node built-ins, ffmpeg or I/O modules', () => {
    const pure = readdirSync(dir).filter((f) => f.endsWith('.ts') && !IO_FILES.has(f));
    expect(pure.length).toBeGreaterThan(8);
    for (const f of pure) {
      const imports = [...readFileSync(join(dir, f), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      const bad = imports.filter((m) => m.startsWith('node:') || m.includes('ffmpeg') || m === 'node-wav' || m.endsWith('/wav.ts') || m.endsWith('/decode.ts'));
      expect({ file: f, bad }).toEqual({ file: f, bad: [] });
    }
  });
});
