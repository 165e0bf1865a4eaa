/**
 * Model work from all sessions goes through one fair queue: jobs run `concurrency` at a
 * time and sessions take turns (round robin), so a session that queues a long
 * synthesis cannot starve another's recognition. Jobs should be short (one audio chunk,
 * one sentence, one vocoder block) for the turns to be fine-grained.
 */
export class FairScheduler {
  private readonly queues = new Map<string, { job: () => Promise<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void }[]>();
  private readonly order: string[] = [];
  private running = 0;

  constructor(readonly concurrency = 1) {}

  get pending(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  run<T>(owner: string, job: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let q = this.queues.get(owner);
      if (!q) {
        this.queues.set(owner, (q = []));
        this.order.push(owner);
      }
      q.push({ job, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  /** Drops an owner's queued jobs (its session closed); running ones finish. */
  cancel(owner: string, reason: Error = new Error('session closed')): void {
    const q = this.queues.get(owner);
    if (!q) return;
    this.queues.delete(owner);
    const i = this.order.indexOf(owner);
    if (i >= 0) this.order.splice(i, 1);
    for (const item of q) item.reject(reason);
  }

  private pump(): void {
    while (this.running < this.concurrency && this.order.length > 0) {
      const owner = this.order.shift()!;
      const q = this.queues.get(owner)!;
      const item = q.shift()!;
      if (q.length > 0) this.order.push(owner); // back of the line: the others go first
      else this.queues.delete(owner);
      this.running++;
      // setImmediate lets socket I/O in between jobs.
      setImmediate(() => {
        item
          .job()
          .then(item.resolve, item.reject)
          .finally(() => {
            this.running--;
            this.pump();
          });
      });
    }
  }
}
