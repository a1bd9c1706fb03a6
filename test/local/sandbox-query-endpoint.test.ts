/**
 * The sandbox's IAM served over HTTP (src/local/sandbox/query-endpoint.ts), as the bench's cold-start
 * children reach it: a real IAMClient with its endpoint on loopback, so the SDK's own query-protocol
 * serializer and XML parser are on both sides of the translation.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  AttachUserPolicyCommand,
  GetUserCommand,
  IAMClient,
  ListAttachedUserPoliciesCommand,
  MalformedPolicyDocumentException,
  NoSuchEntityException,
  PutUserPolicyCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { loadSandboxFixture, type SandboxAccount } from '../../src/local/sandbox/account';
import { answerIamQuery, decodeIamQuery } from '../../src/local/sandbox/query-endpoint';

const FIXTURE = join(__dirname, '../../local/fixtures/sandbox-account.json');
const ACCOUNT = '111122223333';

let account: SandboxAccount;
let server: Server;
let iam: IAMClient;

beforeEach(async () => {
  account = loadSandboxFixture(FIXTURE);
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void answerIamQuery(account, Buffer.concat(chunks).toString('utf8')).then((answer) => {
        res.writeHead(answer.status, { 'content-type': 'text/xml' });
        res.end(answer.body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  iam = new IAMClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'SANDBOX', secretAccessKey: 'SANDBOX' },
    maxAttempts: 1,
  });
});

afterEach(async () => {
  iam.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('the sandbox IAM over the query protocol', () => {
  it('GetUser answers with the fixture user, dates and all, as the SDK parses it from IAM XML', async () => {
    const out = await iam.send(new GetUserCommand({ UserName: 'alice' }));
    expect(out.User).toMatchObject({
      UserName: 'alice',
      Arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
      Path: '/',
    });
    expect(out.User?.CreateDate).toBeInstanceOf(Date);
  });

  it('a sandbox error reaches the SDK as the IAM error code, with its message and status', async () => {
    const error = await iam.send(new GetUserCommand({ UserName: 'mallory' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoSuchEntityException);
    expect(error).toMatchObject({
      message: 'The user with name mallory cannot be found.',
      $metadata: { httpStatusCode: 404 },
    });
    const malformed = await iam
      .send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'Bad', PolicyDocument: '{' }))
      .catch((e: unknown) => e);
    expect(malformed).toBeInstanceOf(MalformedPolicyDocumentException);
  });

  it('changes made over HTTP are changes to the account, and lists come back as lists', async () => {
    const arn = 'arn:aws:iam::aws:policy/AWSCodeBuildReadOnlyAccess';
    await iam.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: arn }));
    expect(account.findUser('alice')?.attachedPolicyArns).toContain(arn);
    const listed = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'alice', MaxItems: 5 }));
    expect(listed.AttachedPolicies?.map((policy) => policy.PolicyArn)).toContain(arn);
    expect(listed.IsTruncated).toBe(false);
  });

  it('SimulatePrincipalPolicy takes its action list (ActionNames.member.N) from the form', async () => {
    await iam.send(
      new AttachUserPolicyCommand({
        UserName: 'bob',
        PolicyArn: 'arn:aws:iam::aws:policy/AWSCodeBuildReadOnlyAccess',
      }),
    );
    const out = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: `arn:aws:iam::${ACCOUNT}:user/bob`,
        ActionNames: ['codebuild:ListBuilds', 'codebuild:DeleteProject'],
      }),
    );
    expect(out.EvaluationResults?.map((r) => [r.EvalActionName, r.EvalDecision])).toEqual([
      ['codebuild:ListBuilds', 'allowed'],
      ['codebuild:DeleteProject', 'implicitDeny'],
    ]);
  });

  it('decodes nested members, lists in index order, and the numbers and booleans IAM models', () => {
    const { action, input } = decodeIamQuery(
      'Action=CreateRole&Version=2010-05-08&RoleName=r&MaxSessionDuration=7200' +
        '&Tags.member.2.Key=b&Tags.member.2.Value=2&Tags.member.1.Key=a&Tags.member.1.Value=1',
    );
    expect(action).toBe('CreateRole');
    expect(input).toEqual({
      RoleName: 'r',
      MaxSessionDuration: 7200,
      Tags: [
        { Key: 'a', Value: '1' },
        { Key: 'b', Value: '2' },
      ],
    });
  });

  it('an action the sandbox does not implement is refused with InvalidAction, never answered', async () => {
    const answer = await answerIamQuery(account, 'Action=CreateAccessKey&Version=2010-05-08&UserName=alice');
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('<Code>InvalidAction</Code>');
  });
});
