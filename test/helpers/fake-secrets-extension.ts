import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The AWS Parameters and Secrets Lambda Extension's parameter endpoint on loopback: answers
 * GET /systemsmanager/parameters/get?name=…&withDecryption=true as the extension does, only with the
 * session token header it was started with (403 otherwise, as the extension). Records each request.
 */
export interface FakeSecretsExtension {
  port: number;
  requests: Array<{ name: string | null; withDecryption: string | null; token: string | undefined }>;
  stop(): Promise<void>;
}

export async function startFakeSecretsExtension(options: {
  parameters: Record<string, string>;
  sessionToken: string;
  /** Added before each answer, like a real extension's first (uncached) GetParameter. */
  delayMs?: number;
}): Promise<FakeSecretsExtension> {
  const requests: FakeSecretsExtension['requests'] = [];
  const answer = (req: IncomingMessage): { status: number; body: string } => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const token = req.headers['x-aws-parameters-secrets-token'] as string | undefined;
    const name = url.searchParams.get('name');
    requests.push({ name, withDecryption: url.searchParams.get('withDecryption'), token });
    if (token !== options.sessionToken) return { status: 403, body: 'not authorized' };
    if (url.pathname !== '/systemsmanager/parameters/get' || name === null) return { status: 400, body: '' };
    const value = options.parameters[name];
    if (value === undefined) return { status: 400, body: `parameter ${name} not found` };
    return {
      status: 200,
      body: JSON.stringify({ Parameter: { Name: name, Type: 'SecureString', Value: value, Version: 1 } }),
    };
  };
  const server = createServer((req, res) => {
    const { status, body } = answer(req);
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    }, options.delayMs ?? 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
