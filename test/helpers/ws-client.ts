/** A small promise-based WebSocket test client that records everything it receives. */
import WebSocket from 'ws';

export interface Received {
  events: Record<string, any>[];
  audio: Buffer[];
}

export class TestClient {
  readonly received: Received = { events: [], audio: [] };
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];
  closed: { code: number; reason: string } | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) this.received.audio.push(data as Buffer);
      else this.received.events.push(JSON.parse(String(data)));
      this.check();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.check();
    });
  }

  static open(url: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      const client = new TestClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  private check(): void {
    this.waiters = this.waiters.filter((w) => {
      if (w.pred()) {
        w.resolve();
        return false;
      }
      return true;
    });
  }

  /** Waits until `pred` holds, failing with a readable message after `ms`. */
  until(pred: () => boolean, what: string, ms = 20_000): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.received.events.map((e) => e.type + (e.code ? ':' + e.code : '')))}`)), ms);
      this.waiters.push({ pred, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  event(type: string, code?: string) {
    return this.received.events.find((e) => e.type === type && (code === undefined || e.code === code));
  }

  waitFor(type: string, code?: string, ms?: number) {
    return this.until(() => this.event(type, code) !== undefined, code ? `${type} ${code}` : type, ms).then(() => this.event(type, code)!);
  }

  json(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.ws.close();
    return this.until(() => this.closed !== null, 'close');
  }
}

/** Polls a condition on server state (which sends no message when it changes). */
export async function waitUntil(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
