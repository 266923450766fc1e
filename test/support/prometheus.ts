// A real Prometheus (Debian's /usr/bin/prometheus) for the fleet suite, run as a plain process
// scraping HAProxy's built-in exporter every second. Two small proxies in this process sit in
// front of it: one on the scrape path (so a test can make scrapes fail, as a dead exporter
// would), one on the query API (so a test can act at the moment the action asks a given query).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';

export interface RunningPrometheus {
  /** What the action is given as prometheus-url (the query proxy). */
  url: string;
  /** Prometheus itself. */
  directUrl: string;
  pid: number;
  /** Scrapes fail (503) from now on, until resumeScrape. */
  pauseScrape(): void;
  resumeScrape(): void;
  /**
   * Called with each query the action sends (and its Authorization header, and the address it came
   * from), before it is forwarded.
   */
  onQuery: ((query: string, params: URLSearchParams, authorization: string | undefined, from: string | undefined) => void) | null;
  /**
   * The query proxy, also listening on `address` (the fleet's bridge, 10.77.0.1): `url` listens on
   * 127.0.0.1, which inside a fleet host's network namespace is that host's own loopback. Closed by stop().
   */
  listenOn(address: string): Promise<string>;
  stop(): Promise<void>;
}

function forward(target: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', target);
  const out = request(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (up) => {
    res.writeHead(up.statusCode ?? 502, up.headers);
    up.pipe(res);
  });
  out.on('error', (err) => res.writeHead(502).end(String(err)));
  req.pipe(out);
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

async function freePort(): Promise<number> {
  const s = createServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
}

/** One instant query straight to Prometheus; the first series' value, or null. */
export async function promValue(baseUrl: string, query: string): Promise<number | null> {
  const res = await fetch(`${baseUrl}/api/v1/query?query=${encodeURIComponent(query)}`).catch(() => null);
  if (!res?.ok) return null;
  const json = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
  const v = json.data?.result?.[0]?.value?.[1];
  return v === undefined ? null : Number(v);
}

async function waitFor(what: string, ms: number, ok: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Prometheus: ${what} not within ${ms} ms`);
}

export async function startPrometheus(metricsUrl: string): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'zdr-prometheus-'));
  let paused = false;
  const extra: Server[] = [];
  const scrapeProxy = createServer((req, res) => (paused ? res.writeHead(503).end('paused by the test\n') : forward(metricsUrl, req, res)));
  const scrapePort = await listen(scrapeProxy);
  const promPort = await freePort();
  const directUrl = `http://127.0.0.1:${promPort}`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: haproxy\n    static_configs:\n      - targets: ['127.0.0.1:${scrapePort}']\n`,
  );
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const handle: RunningPrometheus = {
    url: '',
    directUrl,
    pid: child.pid ?? 0,
    pauseScrape: () => void (paused = true),
    resumeScrape: () => void (paused = false),
    onQuery: null,
    listenOn: async (address) => {
      const server = createServer(answerQuery);
      extra.push(server);
      await new Promise<void>((r) => server.listen(0, address, r));
      return `http://${address}:${(server.address() as AddressInfo).port}`;
    },
    stop: async () => {
      const exited = new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      if (child.pid && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.pid && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
      await Promise.all([scrapeProxy, queryProxy, ...extra].map((s) => new Promise((r) => s.close(r))));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  function answerQuery(req: IncomingMessage, res: ServerResponse): void {
    const params = new URL(req.url ?? '/', 'http://x').searchParams;
    const q = params.get('query');
    if (q !== null) handle.onQuery?.(q, params, req.headers.authorization, req.socket.remoteAddress);
    forward(directUrl, req, res);
  }
  const queryProxy = createServer(answerQuery);
  handle.url = `http://127.0.0.1:${await listen(queryProxy)}`;
  try {
    await waitFor('ready', 30_000, async () => (await fetch(`${directUrl}/-/ready`).catch(() => null))?.ok === true);
    // Three scrapes: the counters exist and the rate of scrapes can be counted.
    await waitFor(
      'three scrapes of HAProxy',
      30_000,
      async () => ((await promValue(directUrl, 'count_over_time(up{job="haproxy"}[10s])')) ?? 0) >= 3,
    );
  } catch (err) {
    await handle.stop();
    throw new Error(`${(err as Error).message}; stderr: ${stderr}`);
  }
  return handle;
}
