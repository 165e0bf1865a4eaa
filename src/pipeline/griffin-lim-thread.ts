/**
 * Griffin-Lim off the event loop: `melToAudio` costs about 0.2 s of compute per second of
 * speech, which on the server's thread would stall every other session's audio and events
 * for that long. One worker thread, started on first use, takes requests in order; it holds
 * the process open only while a request is pending.
 *
 * If the worker cannot start or dies, pending requests fail with the reason and the next
 * request starts a new worker.
 */
import { Worker } from 'node:worker_threads';
import { BabelfishError, type ErrorCode } from '../errors.ts';
import type { FeatureConfig } from '../audio/config.ts';
import type { MelSpectrogram } from '../audio/types.ts';
import type { GriffinLimReply, GriffinLimRequest } from './griffin-lim-worker.ts';

interface Pending {
  resolve: (audio: Float32Array) => void;
  reject: (e: Error) => void;
}

export class GriffinLimThread {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /** Audio for `mel` (as `melToAudio(mel, config, iterations)`), computed on the worker thread. */
  melToAudio(mel: MelSpectrogram, config: FeatureConfig, iterations?: number): Promise<Float32Array> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<Float32Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      // a copy: the caller keeps its mel
      const request: GriffinLimRequest = { id, mel: { data: mel.data.slice(), frames: mel.frames, bins: mel.bins }, config, iterations };
      worker.postMessage(request, [request.mel.data.buffer as ArrayBuffer]);
    });
  }

  /** Stops the worker; pending requests fail. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.failAll(new Error('the Griffin-Lim thread was closed'));
    if (w) await w.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./griffin-lim-worker.mjs', import.meta.url));
    w.unref();
    w.on('message', (reply: GriffinLimReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (!this.pending.size) w.unref();
      if ('audio' in reply) p.resolve(reply.audio);
      else p.reject(new BabelfishError((reply.error.code as ErrorCode) ?? 'BAD_ARGUMENT', reply.error.message));
    });
    const lost = (e: Error) => {
      if (this.worker === w) this.worker = null;
      this.failAll(e);
    };
    w.on('error', (e) => lost(new Error(`the Griffin-Lim worker failed: ${e.message}`, { cause: e })));
    w.on('exit', (code) => lost(new Error(`the Griffin-Lim worker exited (code ${code})`)));
    this.worker = w;
    return w;
  }

  private failAll(e: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(e);
  }
}
