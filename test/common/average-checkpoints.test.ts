import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdir, mkdtemp, readFile, writeFile, cp } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/backend.ts';
import { averageModelFolders } from '../../training/common/average-checkpoints.ts';
import { SpeechEncoder } from '../../models/speech-encoder/model.ts';

beforeAll(async () => {
  await initBackend({ log: () => {} });
});

/** Checkpoints of one run: one config, different weights. */
function checkpointLike(k: number): SpeechEncoder {
  const m = SpeechEncoder.build({ numMels: 8, hidden: 8, frontEndChannels: 8, dilations: [1, 2], seed: 1 });
  let n = 0;
  for (const w of Object.values(m.weights)) w.assign(tf.randomNormal(w.shape, 0, 1, 'float32', 1000 * k + n++));
  return m;
}

describe('averageModelFolders', () => {
  it('writes the element-wise mean of every weight, a loadable model with the last folder\'s companions', async () => {
    const root = await mkdtemp(join(tmpdir(), 'avg-'));
    const models = [checkpointLike(1), checkpointLike(2), checkpointLike(3)];
    const dirs = models.map((_, i) => join(root, `ckpt-${i}`));
    for (let i = 0; i < 3; i++) await models[i].save(dirs[i]);
    // Checkpoint bookkeeping is not copied; the last folder's other files are.
    await writeFile(join(dirs[2], 'optimizer.bin'), 'x');
    await writeFile(join(dirs[2], 'state.json'), '{}');
    await mkdir(join(dirs[2], 'lm'));
    await writeFile(join(dirs[2], 'lm', 'note.txt'), 'from the last');
    const out = join(root, 'avg');
    const r = await averageModelFolders(dirs, out);
    const avg = await SpeechEncoder.load(out);
    expect(r.weights).toBe(Object.keys(avg.weights).length);
    for (const [name, w] of Object.entries(avg.weights)) {
      const got = w.dataSync();
      const parts = models.map((m) => m.weights[name].dataSync());
      for (const i of [0, 1, got.length - 1]) expect(got[i]).toBeCloseTo((parts[0][i] + parts[1][i] + parts[2][i]) / 3, 6);
    }
    expect(r.parameters).toBe(Object.values(avg.weights).reduce((n, w) => n + w.size, 0));
    expect(await readFile(join(out, 'lm', 'note.txt'), 'utf8')).toBe('from the last');
    expect(existsSync(join(out, 'optimizer.bin'))).toBe(false);
    expect(existsSync(join(out, 'state.json'))).toBe(false);
    // The mean of one folder is that folder.
    await averageModelFolders([dirs[1]], join(root, 'one'));
    const one = await SpeechEncoder.load(join(root, 'one'));
    for (const [name, w] of Object.entries(one.weights)) expect(Array.from(w.dataSync())).toEqual(Array.from(models[1].weights[name].dataSync()));
    [...models, avg, one].forEach((m) => m.dispose());
  });

  it('refuses folders of different models, configs or shapes, missing folders, and the output among the inputs', async () => {
    const root = await mkdtemp(join(tmpdir(), 'avg-bad-'));
    const a = checkpointLike(1);
    const b = SpeechEncoder.build({ numMels: 8, hidden: 16, frontEndChannels: 8, dilations: [1, 2] });
    await a.save(join(root, 'a'));
    await b.save(join(root, 'b'));
    await cp(join(root, 'a'), join(root, 'a2'), { recursive: true });
    const m = JSON.parse(await readFile(join(root, 'a2', 'model.json'), 'utf8'));
    m.config.seed = 99;
    await writeFile(join(root, 'a2', 'model.json'), JSON.stringify(m));
    await expect(averageModelFolders([join(root, 'a'), join(root, 'b')], join(root, 'o'))).rejects.toThrow(/different configs/);
    await expect(averageModelFolders([join(root, 'a'), join(root, 'a2')], join(root, 'o'))).rejects.toThrow(/different configs/);
    await expect(averageModelFolders([join(root, 'a'), join(root, 'nothing')], join(root, 'o'))).rejects.toThrow(/no saved model/);
    await expect(averageModelFolders([join(root, 'a'), join(root, 'a')], join(root, 'a'))).rejects.toThrow(/one of the inputs/);
    await expect(averageModelFolders([], join(root, 'o'))).rejects.toThrow(/no model folders/);
    expect(existsSync(join(root, 'o'))).toBe(false);
    a.dispose();
    b.dispose();
  });
});
