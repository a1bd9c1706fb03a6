import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadSandboxFixture, type SandboxAccount } from '../../src/local/sandbox/account';
import { answerIamQuery } from '../../src/local/sandbox/query-endpoint';
import { ROOT } from './bundles';

/**
 * AWS on loopback for the cold-start children, which run the packaged bundles and so reach AWS only over
 * HTTP (AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL_SFN). IAM is the sandbox account of local mode and the tests
 * (local/fixtures/sandbox-account.json, answered by src/local/sandbox through its query-protocol front),
 * so the bench meets the same IAM rules as everything else. Step Functions is reduced to StartExecution,
 * the one call the slash command path makes; anything else gets a 400, so an unexpected call fails the
 * benchmark instead of passing unnoticed.
 */
export interface LoopbackAws {
  endpoint: string;
  /** `iam:GetUser`, `sfn:StartExecution`, ... in the order they arrived. */
  calls: string[];
  stop(): Promise<void>;
}

const FIXTURE = join(ROOT, 'local', 'fixtures', 'sandbox-account.json');

const startExecution = (body: string): { status: number; body: string } => {
  const input = JSON.parse(body) as { stateMachineArn: string; name: string };
  const executionArn = `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.name}`;
  return { status: 200, body: JSON.stringify({ executionArn, startDate: Date.now() / 1000 }) };
};

const answerSfn = (operation: string, body: string): { status: number; body: string } =>
  operation === 'StartExecution'
    ? startExecution(body)
    : { status: 400, body: JSON.stringify({ __type: 'UnknownOperationException', message: operation }) };

/**
 * Serves `account` (default: local mode's fixture account), seeded by the caller as it likes. `delayMs`
 * holds every answer that long after its request arrived, as a stand-in for the network and AWS's own
 * time (the ack-under-latency bench adds 30 ms to every AWS call).
 */
export async function startLoopbackAws(
  account: SandboxAccount = loadSandboxFixture(FIXTURE),
  options: { delayMs?: number } = {},
): Promise<LoopbackAws> {
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const arrived = Date.now();
      const body = await readBody(req);
      const held = (options.delayMs ?? 0) - (Date.now() - arrived);
      if (held > 0) await new Promise((resolve) => setTimeout(resolve, held));
      const target = req.headers['x-amz-target'];
      if (typeof target === 'string') {
        const operation = target.split('.').pop() ?? '';
        calls.push(`sfn:${operation}`);
        const answer = answerSfn(operation, body);
        res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(answer.body);
        return;
      }
      calls.push(`iam:${new URLSearchParams(body).get('Action') ?? ''}`);
      const answer = await answerIamQuery(account, body);
      res.writeHead(answer.status, { 'content-type': 'text/xml' });
      res.end(answer.body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
