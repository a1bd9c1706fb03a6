import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for the two AWS APIs the slash command path calls besides DynamoDB (dynalite
 * covers that): IAM GetUser/GetGroup (query protocol, XML) and Step Functions StartExecution (JSON).
 * The cold-start children reach it through AWS_ENDPOINT_URL_IAM and AWS_ENDPOINT_URL_SFN. Anything
 * else gets a 400, so an unexpected call fails the benchmark instead of passing unnoticed.
 */
export interface FakeAws {
  endpoint: string;
  calls: string[];
  stop(): Promise<void>;
}

const ACCOUNT = '111122223333';

export async function startFakeAws(): Promise<FakeAws> {
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const target = req.headers['x-amz-target'];
      if (typeof target === 'string') {
        const operation = target.split('.').pop() ?? '';
        calls.push(`sfn:${operation}`);
        if (operation === 'StartExecution') {
          const input = JSON.parse(body) as { stateMachineArn: string; name: string };
          const executionArn = `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.name}`;
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(JSON.stringify({ executionArn, startDate: Date.now() / 1000 }));
          return;
        }
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'UnknownOperationException', message: operation }));
        return;
      }
      const form = new URLSearchParams(body);
      const action = form.get('Action') ?? '';
      calls.push(`iam:${action}`);
      const name = form.get('UserName') ?? form.get('GroupName') ?? '';
      const xml =
        action === 'GetUser'
          ? `<User><Path>/</Path><UserName>${name}</UserName><UserId>AIDABENCH</UserId>` +
            `<Arn>arn:aws:iam::${ACCOUNT}:user/${name}</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate></User>`
          : action === 'GetGroup'
            ? `<Group><Path>/</Path><GroupName>${name}</GroupName><GroupId>AGPABENCH</GroupId>` +
              `<Arn>arn:aws:iam::${ACCOUNT}:group/${name}</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate></Group>` +
              '<Users></Users><IsTruncated>false</IsTruncated>'
            : undefined;
      if (xml === undefined) {
        res.writeHead(400, { 'content-type': 'text/xml' });
        res.end(
          `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>${action}</Message></Error></ErrorResponse>`,
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<${action}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><${action}Result>${xml}</${action}Result>` +
          `<ResponseMetadata><RequestId>bench</RequestId></ResponseMetadata></${action}Response>`,
      );
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
