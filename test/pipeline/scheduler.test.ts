import { describe, it, expect } from 'vitest';
import { FairScheduler } from '../../src/pipeline/scheduler.ts';

describe('FairScheduler', () => {
  it('takes turns between owners instead of draining one queue first', async () => {
    const s = new FairScheduler(1);
    const ran: string[] = [];
    const job = (tag: string) => async () => {
      ran.push(tag);
    };
    const all = [
      ...['a1', 'a2', 'a3', 'a4'].map((t) => s.run('a', job(t))),
      ...['b1', 'b2'].map((t) => s.run('b', job(t))),
      s.run('c', job('c1')),
    ];
    await Promise.all(all);
    // a1 starts at once; a2 was already waiting when b and c arrived, then turns alternate.
    expect(ran).toEqual(['a1', 'a2', 'b1', 'c1', 'a3', 'b2', 'a4']);
  });

  it('never runs more than `concurrency` jobs at once and passes results and errors through', async () => {
    const s = new FairScheduler(2);
    let live = 0;
    let peak = 0;
    const job = (v: number) => async () => {
      live++;
      peak = Math.max(peak, live);
      await new Promise((r) => setTimeout(r, 5));
      live--;
      if (v < 0) throw new Error('negative');
      return v * 2;
    };
    const results = await Promise.all([1, 2, 3, 4, 5].map((v, i) => s.run(`o${i % 3}`, job(v))));
    expect(results).toEqual([2, 4, 6, 8, 10]);
    expect(peak).toBe(2);
    await expect(s.run('x', job(-1))).rejects.toThrow('negative');
  });

  it('cancel rejects an owner’s queued jobs and leaves the others', async () => {
    const s = new FairScheduler(1);
    const gate = new Promise<void>((r) => setTimeout(r, 10));
    const first = s.run('a', () => gate.then(() => 'a1'));
    const queued = s.run('a', async () => 'a2');
    const other = s.run('b', async () => 'b1');
    s.cancel('a');
    await expect(queued).rejects.toThrow('session closed');
    expect(await first).toBe('a1');
    expect(await other).toBe('b1');
    expect(s.pending).toBe(0);
  });
});
