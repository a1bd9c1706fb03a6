import { GetUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { type Config, loadConfig } from '../src/config';
import { lazy } from '../src/lazy';
import { deferredSlackPorts, type SlackPorts } from '../src/slack-ports';
import { liveSlackPorts, slackAwsClients } from '../src/slack-ports-live';

// The slack Lambda's ports stand in for liveSlackPorts until their first call (src/slack-ports.ts):
// these tests hold that the stand-ins load nothing before a call, then behave as the live ports do.

const iamMock = mockClient(IAMClient);
// The stores send through the DynamoDB document client.
const dynamoMock = mockClient(DynamoDBDocumentClient);
beforeEach(() => {
  iamMock.reset();
  dynamoMock.reset();
});

const BASE = { REQUESTS_TABLE: 'requests', AUDIT_CHANNEL_ID: 'C0AUDIT' };
const FULL = {
  ...BASE,
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:111122223333:stateMachine:access-request',
  AWS_REGION: 'us-east-1',
  AWS_ACCOUNT_ID: '111122223333',
  STAGE: 'dev',
  ACCOUNTS: 'prod=444455556666',
};

/** The deferred ports over the live ones, counting how often the live ones were built. */
function deferredOverLive(config: Config): { ports: SlackPorts; loads: () => number } {
  let loads = 0;
  const ports = deferredSlackPorts(
    config,
    lazy(async () => {
      loads += 1;
      return liveSlackPorts(config, slackAwsClients());
    }),
  );
  return { ports, loads: () => loads };
}

describe('deferredSlackPorts', () => {
  it('builds no live port (and loads no SDK code) until a port method is called', () => {
    const { ports, loads } = deferredOverLive(loadConfig(FULL));

    expect(Object.keys(ports).sort()).toEqual(
      ['accounts', 'codebuildPort', 'iam', 'store', 'userIndex', 'workflow'].sort(),
    );
    expect(loads()).toBe(0);
  });

  it('sends the first call through the live port, and builds the live ports once for every later call', async () => {
    iamMock.on(GetUserCommand).resolves({
      User: {
        UserName: 'alice',
        UserId: 'AIDA',
        Arn: 'arn:aws:iam::111122223333:user/alice',
        Path: '/',
        CreateDate: new Date(),
      },
    });
    dynamoMock.on(GetCommand).resolves({});
    const { ports, loads } = deferredOverLive(loadConfig(FULL));

    await expect(ports.iam.findPrincipal('user', 'alice')).resolves.toEqual({
      kind: 'user',
      name: 'alice',
      arn: 'arn:aws:iam::111122223333:user/alice',
    });
    await expect(ports.store.get('REQ-1')).resolves.toBeUndefined();

    expect(iamMock).toHaveReceivedCommandWith(GetUserCommand, { UserName: 'alice' });
    expect(dynamoMock).toHaveReceivedCommandWith(GetCommand, {
      TableName: 'requests',
      Key: { requestId: 'REQ-1' },
    });
    expect(loads()).toBe(1);
  });

  it.each([
    ['everything configured', FULL],
    ['no state machine', { ...FULL, STATE_MACHINE_ARN: undefined }],
    ['no region (no accounts access)', { ...FULL, AWS_REGION: undefined }],
    ['neither', BASE],
  ])('has exactly the ports liveSlackPorts builds from the same config: %s', (_name, env) => {
    const config = loadConfig(env);
    const { ports } = deferredOverLive(config);

    expect(Object.keys(ports).sort()).toEqual(Object.keys(liveSlackPorts(config, slackAwsClients())).sort());
  });

  it('stands in only for methods the live ports have (the compiler holds that it names all of them)', () => {
    const config = loadConfig(FULL);
    const { ports } = deferredOverLive(config);
    const live = liveSlackPorts(config, slackAwsClients()) as unknown as Record<
      string,
      Record<string, unknown>
    >;

    for (const key of ['iam', 'store', 'userIndex', 'codebuildPort', 'workflow'] as const) {
      for (const name of Object.keys(ports[key]!))
        expect([key, typeof live[key]![name]]).toEqual([key, 'function']);
    }
    // The two lookups src/slack/app-deps.ts looks for on the store (duplicate check, Home tab).
    expect(Object.keys(ports.store)).toEqual(expect.arrayContaining(['pendingFor', 'listByStatus']));
  });

  it.each([
    ['the hub', { name: 'hub', id: '111122223333' }],
    ['a member account', { name: 'prod', id: '444455556666' }],
    ['a member account in another region', { name: 'prod', id: '444455556666', region: 'eu-west-1' }],
  ])("answers the accounts' directory and ARNs without loading: %s", (_name, account) => {
    const config = loadConfig(FULL);
    const { ports, loads } = deferredOverLive(config);
    const live = liveSlackPorts(config, slackAwsClients()).accounts!;

    expect(ports.accounts!.directory).toEqual(live.directory);
    expect(ports.accounts!.context(account)).toEqual(live.context(account));
    expect(loads()).toBe(0);
  });

  it('passes a failed load to the caller, and loads again on the next call', async () => {
    const config = loadConfig(FULL);
    let attempts = 0;
    const ports = deferredSlackPorts(
      config,
      lazy(async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('chunk missing');
        return liveSlackPorts(config, slackAwsClients());
      }),
    );
    dynamoMock.on(GetCommand).resolves({});

    await expect(ports.store.get('REQ-1')).rejects.toThrow('chunk missing');
    await expect(ports.store.get('REQ-1')).resolves.toBeUndefined();
    expect(attempts).toBe(2);
  });
});
