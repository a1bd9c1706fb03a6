import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP proxy that holds each request `delayMs` before passing it on to `target` (dynalite,
 * the local Slack Web API): the ack-under-latency bench puts 30 ms on every AWS call and 50 ms on every
 * Slack call without touching the fakes themselves. Counts what it forwarded.
 */
export interface LatencyProxy {
  endpoint: string;
  forwarded: number;
  stop(): Promise<void>;
}

export async function startLatencyProxy(target: string, delayMs: number): Promise<LatencyProxy> {
  const to = new URL(target);
  const proxy: LatencyProxy = { endpoint: '', forwarded: 0, stop: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      setTimeout(() => {
        proxy.forwarded += 1;
        const upstream = request(
          {
            host: to.hostname,
            port: to.port,
            method: req.method,
            path: req.url ?? '/',
            headers: { ...req.headers, host: to.host },
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', (error) => {
          res.writeHead(502);
          res.end(String(error));
        });
        upstream.end(Buffer.concat(chunks));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // Same path as the target's (the Slack Web API's /api/), so the proxy is a drop-in base URL.
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}${to.pathname}`;
  proxy.stop = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });
  return proxy;
}
