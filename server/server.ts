/**
 * The HTTP + WebSocket server: `GET /` (the demo page), `GET /healthz`, `GET /metrics`,
 * and WebSocket upgrades on `/ws` (or `/`). Models load once, after the port is open, so
 * `/healthz` can tell a load balancer when this replica is ready.
 */
import http from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { FairScheduler } from '../src/pipeline/scheduler.ts';
import type { PipelineStages } from '../src/pipeline/stages.ts';
import { serverConfig, type ServerConfig } from './config.ts';
import { ServerMetrics } from './metrics.ts';
import { Connection, type ConnectionContext } from './connection.ts';

export interface ServerOptions {
  config?: Partial<ServerConfig>;
  /** Loads the models; the server answers /healthz 503 until it resolves. */
  loadStages: () => Promise<PipelineStages>;
  /** Folder with the built demo page (index.html and assets). */
  staticDir?: string;
  log?: (line: string) => void;
}

export interface BabelfishServer {
  readonly port: number;
  readonly config: ServerConfig;
  readonly metrics: ServerMetrics;
  /** Resolves once the models are loaded (rejects if they fail to load). */
  readonly ready: Promise<void>;
  sessionCount(): number;
  connectionCount(): number;
  close(graceMs?: number): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wav': 'audio/wav',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
};

export async function startServer(options: ServerOptions): Promise<BabelfishServer> {
  const config = serverConfig(options.config);
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const metrics = new ServerMetrics();
  let stages: PipelineStages | null = null;
  let loadError: Error | null = null;
  const connections = new Set<Connection>();
  const ctx: ConnectionContext = {
    config,
    metrics,
    scheduler: new FairScheduler(1),
    stages: () => stages,
    sessions: new Set(),
    parked: new Map(),
  };

  const httpServer = http.createServer((req, res) => {
    void handleHttp(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end('internal error\n');
    });
  });

  async function handleHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end('method not allowed\n');
      return;
    }
    if (url.pathname === '/healthz') {
      const body = JSON.stringify(stages ? { status: 'ok', sessions: ctx.sessions.size } : { status: loadError ? 'failed' : 'loading', error: loadError?.message });
      res.writeHead(stages ? 200 : 503, { 'content-type': 'application/json' }).end(body + '\n');
      return;
    }
    if (url.pathname === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics.render());
      return;
    }
    if (!options.staticDir) {
      res.writeHead(404).end('not found\n');
      return;
    }
    // Static files, confined to staticDir.
    const rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = path.resolve(options.staticDir, '.' + rel);
    if (!file.startsWith(path.resolve(options.staticDir) + path.sep)) {
      res.writeHead(403).end('forbidden\n');
      return;
    }
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file');
    } catch {
      res.writeHead(404).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : await readFile(file));
  }

  // ws enforces a hard cap well above ours, so that an oversized frame gets our readable
  // error event instead of a bare close 1009.
  const wss = new WebSocketServer({ noServer: true, maxPayload: Math.max(config.maxFrameBytes * 4, 1 << 20) });

  httpServer.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws' && url.pathname !== '/') {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new Connection(ws, ctx);
      connections.add(conn);
      ws.on('close', () => connections.delete(conn));
      // Checks that need a reply the client can read happen after the upgrade. Non-browser
      // clients send no Origin header; the origin list restricts browsers only.
      const origin = req.headers.origin;
      if (config.allowedOrigins.length > 0 && origin !== undefined && !config.allowedOrigins.includes(origin)) {
        conn.reject('FORBIDDEN_ORIGIN', `origin ${origin} is not allowed`);
        return;
      }
      if (config.token !== undefined) {
        const auth = req.headers.authorization;
        const given = auth?.startsWith('Bearer ') ? auth.slice(7) : url.searchParams.get('token');
        if (given !== config.token) {
          conn.reject('UNAUTHORIZED', given ? 'the bearer token is wrong' : 'this server needs a bearer token (Authorization header or ?token=)');
          return;
        }
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log(`babelfish: listening on http://${config.host}:${port} (WebSocket on /ws)`);

  const t0 = performance.now();
  const ready = options.loadStages().then(
    (s) => {
      stages = s;
      log(`babelfish: models loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    },
    (e: Error) => {
      loadError = e;
      log(`babelfish: models failed to load: ${e.message}`);
      throw e;
    },
  );
  ready.catch(() => {}); // observed through /healthz and `ready`

  return {
    port,
    config,
    metrics,
    ready,
    sessionCount: () => ctx.sessions.size,
    connectionCount: () => connections.size,
    async close(graceMs = 5000) {
      // Stop accepting, let open sessions finish what was said, then close them.
      httpServer.close();
      await Promise.all([...connections].map((c) => c.shutdown(graceMs)));
      wss.close();
      httpServer.closeAllConnections();
    },
  };
}
