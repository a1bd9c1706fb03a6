import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateKeyCommand,
  DescribeKeyCommand,
  KMSServiceException,
  PutKeyPolicyCommand,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { KmsGateway } from '../../src/aws/kms';
import { AwsOperationError, ConflictError, NotYetConsistentError } from '../../src/domain/errors';
import { policyHash } from '../../src/domain/key-policy';
import {
  codeBuildKeyStatements,
  defaultKeyPolicy,
  type PolicyDocument,
} from '../../src/domain/seed-policies';
import { loadSandboxFixture, SandboxStore } from '../../src/local/sandbox/account';
import { createSandboxClients, type SandboxClients } from '../../src/local/sandbox/plug';

const FIXTURE = join(__dirname, '../../local/fixtures/sandbox-account.json');
const ACCOUNT = '111122223333';
const STAGE = 'dev';
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/codebuild/legacy-build`;

let dir: string;
let store: SandboxStore;
let clients: SandboxClients;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kms-gateway-'));
  store = SandboxStore.open(join(dir, 'account.json'), { seed: () => loadSandboxFixture(FIXTURE) });
  clients = createSandboxClients(store);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const currentPolicy = (): string => store.account.keys.get(KEY_ID)?.policy ?? '';
const merged = (before: PolicyDocument): PolicyDocument => ({
  ...before,
  Statement: [
    ...before.Statement,
    ...codeBuildKeyStatements({ accountId: ACCOUNT, region: 'us-east-1', roleArn: ROLE_ARN }),
  ],
});
const putOp = () => {
  const before = JSON.parse(currentPolicy()) as PolicyDocument;
  return {
    type: 'putKeyPolicy' as const,
    keyArn: KEY_ARN,
    policy: merged(before),
    previous: before,
    expectedHash: policyHash(currentPolicy()),
  };
};

describe('KmsGateway', () => {
  it('writes the approved policy without ever bypassing the lockout check, and is a no-op when repeated', async () => {
    const kms = mockClient(clients.kms);
    kms.send.callThrough();
    const gateway = new KmsGateway(clients.kms, STAGE);
    const op = putOp();

    await expect(gateway.run(op)).resolves.toEqual({ outcome: 'changed' });
    await expect(gateway.run(op)).resolves.toEqual({ outcome: 'unchanged' });

    expect(JSON.parse(currentPolicy())).toEqual(op.policy);
    expect(kms.commandCalls(PutKeyPolicyCommand)).toHaveLength(1);
    for (const call of kms.commandCalls(PutKeyPolicyCommand)) {
      expect(call.args[0].input).not.toHaveProperty('BypassPolicyLockoutSafetyCheck');
    }
    expect(store.account.keys.get(KEY_ID)?.lockoutCheckBypassed).toBe(false);
    kms.restore();
  });

  it('refuses to write when the key policy drifted since the plan, and leaves it as it is', async () => {
    const op = putOp();
    const drifted = {
      ...op.previous,
      Statement: [
        ...op.previous.Statement,
        {
          Sid: 'ByHand',
          Effect: 'Allow' as const,
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: 'kms:Decrypt',
          Resource: '*',
        },
      ],
    };
    store.account.keys.get(KEY_ID)!.policy = JSON.stringify(drifted);

    await expect(new KmsGateway(clients.kms, STAGE).run(op)).rejects.toThrow(ConflictError);
    expect(JSON.parse(currentPolicy())).toEqual(drifted);
  });

  it('reads the policy back and fails when KMS does not hold what was written', async () => {
    const kms = mockClient(clients.kms);
    kms.send.callThrough();
    kms.on(PutKeyPolicyCommand).resolves({});

    await expect(new KmsGateway(clients.kms, STAGE).run(putOp())).rejects.toThrow(AwsOperationError);
    kms.restore();
  });

  it('turns MalformedPolicyDocument for a role KMS cannot see yet into NotYetConsistent', async () => {
    store.account.hideRoleFromKms('legacy-build', 1);
    const gateway = new KmsGateway(clients.kms, STAGE);
    const op = putOp();

    await expect(gateway.run(op)).rejects.toThrow(NotYetConsistentError);
    await expect(gateway.run(op)).resolves.toEqual({ outcome: 'changed' });
  });

  it('refuses a key its role may not read by naming the exact opt-in tag for its own stage', async () => {
    const kms = mockClient(clients.kms);
    // What KMS answers the plan role for a key without codebuild-access=dev (e.g. one tagged for prod).
    kms.on(DescribeKeyCommand).rejects(
      new KMSServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'User is not authorized to perform: kms:DescribeKey',
      }),
    );

    const refusal = new KmsGateway(clients.kms, 'dev').describeKey('alias/prod-artifacts');

    await expect(refusal).rejects.toThrow(ConflictError);
    await expect(refusal).rejects.toMatchObject({
      userMessage: expect.stringContaining('a key admin tags the key codebuild-access=dev '),
    });
    await expect(refusal).rejects.not.toMatchObject({ userMessage: expect.stringContaining('=allowed') });
    kms.restore();
  });

  it('creates keys with the given policy and no tags (tagging would need kms:TagResource), never bypassing the lockout check', async () => {
    const kms = mockClient(clients.kms);
    kms.send.callThrough();
    const policy = merged(defaultKeyPolicy(ACCOUNT));

    const result = await new KmsGateway(clients.kms, STAGE).run({
      type: 'createKey',
      alias: 'alias/new',
      policy,
      description: 'test',
    });

    expect(result.outcome).toBe('changed');
    const input = kms.commandCalls(CreateKeyCommand)[0]?.args[0].input;
    expect(input).not.toHaveProperty('Tags');
    expect(input).not.toHaveProperty('BypassPolicyLockoutSafetyCheck');
    const keyId = result.keyArn?.split('/').pop() ?? '';
    expect(JSON.parse(store.account.keys.get(keyId)?.policy ?? '{}')).toEqual(policy);
    kms.restore();
  });
});
