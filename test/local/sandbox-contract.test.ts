/**
 * The contract of the sandbox AWS account: each case pins one documented AWS behaviour the bot relies on,
 * run through real SDK v3 clients with the sandbox installed (and through IamGateway where it fits). When
 * a case fails, either the sandbox drifted from AWS or the case misreads the documentation named in it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListBuildsCommand } from '@aws-sdk/client-codebuild';
import {
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteConflictException,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  EntityAlreadyExistsException,
  GetGroupCommand,
  GetRoleCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  type IAMClient,
  LimitExceededException as IamLimitExceededException,
  MalformedPolicyDocumentException as IamMalformedPolicyDocumentException,
  InvalidInputException,
  ListAttachedUserPoliciesCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  NoSuchEntityException,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  AlreadyExistsException,
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  type KMSClient,
  KMSInvalidStateException,
  LimitExceededException as KmsLimitExceededException,
  MalformedPolicyDocumentException as KmsMalformedPolicyDocumentException,
  ListAliasesCommand,
  NotFoundException,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { IamGateway } from '../../src/aws/iam';
import { TransientError } from '../../src/domain/errors';
import type { PrincipalRef } from '../../src/domain/plan';
import {
  codeBuildKeyStatements,
  defaultKeyPolicy,
  type PolicyDocument,
  SEED_CUSTOM_ACCESS_POLICY,
  serviceRolePolicy,
  serviceRoleTrustPolicy,
} from '../../src/domain/policy-documents';
import { INLINE_QUOTAS, inlinePolicySize, KEY_POLICY_MAX_BYTES } from '../../src/domain/policy-size';
import { POLICY_ARNS } from '../../src/domain/tiers';
import { loadSandboxFixture, type SandboxOptions, SandboxStore } from '../../src/local/sandbox/account';
import { createSandboxClients, SandboxNotImplementedError } from '../../src/local/sandbox/plug';

const FIXTURE = join(__dirname, '../../local/fixtures/sandbox-account.json');
const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;
const ALIAS = 'alias/codebuild-artifacts';
const USER_ARN = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
const TRUST = serviceRoleTrustPolicy({ accountId: ACCOUNT, region: REGION, projectPrefix: 'team-' });
const MANAGED = (name: string) => `arn:aws:iam::aws:policy/${name}`;

let dir: string;
let statePath: string;
let store: SandboxStore;
let iam: IAMClient;
let kms: KMSClient;
let gateway: IamGateway;

const openSandbox = (options: SandboxOptions = {}) => {
  store = SandboxStore.open(statePath, { seed: () => loadSandboxFixture(FIXTURE, options), options });
  const clients = createSandboxClients(store);
  iam = clients.iam;
  kms = clients.kms;
  gateway = new IamGateway(iam);
  return clients;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-contract-'));
  statePath = join(dir, 'state.json');
  openSandbox();
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The error a promise rejects with; fails the test when it resolves. */
const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, and it succeeded');
};

const userRef = (name: string): PrincipalRef => ({ kind: 'user', name, arn: USER_ARN(name) });

/** An identity policy whose IAM size (non-whitespace characters) is exactly `size`. */
const identityPolicyOfSize = (size: number): string => {
  const build = (pad: string) =>
    JSON.stringify(
      {
        Version: '2012-10-17',
        Statement: [{ Sid: `S${pad}`, Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
      },
      null,
      2,
    );
  const text = build('x'.repeat(size - inlinePolicySize(build(''))));
  expect(inlinePolicySize(text)).toBe(size);
  return text;
};

/** A key policy that keeps the default statement and is exactly `bytes` long. */
const keyPolicyOfBytes = (bytes: number): string => {
  const build = (pad: string) =>
    JSON.stringify({
      ...defaultKeyPolicy(ACCOUNT),
      Statement: [
        ...defaultKeyPolicy(ACCOUNT).Statement,
        {
          Sid: `Pad${pad}`,
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: 'kms:DescribeKey',
          Resource: '*',
        },
      ],
    });
  const text = build('x'.repeat(bytes - Buffer.byteLength(build(''))));
  expect(Buffer.byteLength(text)).toBe(bytes);
  return text;
};

const attachedTo = async (userName: string): Promise<string[]> =>
  gateway.listAttachedPolicyArns(userRef(userName));

describe('IAM users and groups', () => {
  it('GetUser returns the user, and NoSuchEntity with HTTP 404 for a user that does not exist (IAM API Reference: GetUser)', async () => {
    await expect(gateway.findPrincipal('user', 'alice')).resolves.toEqual(userRef('alice'));
    const error = await rejection(iam.send(new GetUserCommand({ UserName: 'mallory' })));
    expect(error).toBeInstanceOf(NoSuchEntityException);
    expect(error).toMatchObject({ name: 'NoSuchEntityException', $metadata: { httpStatusCode: 404 } });
    await expect(gateway.findPrincipal('user', 'mallory')).resolves.toBeUndefined();
  });

  it('IAM names are not distinguished by case: GetUser ALICE returns alice (IAM User Guide: IAM identifiers)', async () => {
    const out = await iam.send(new GetUserCommand({ UserName: 'ALICE' }));
    expect(out.User).toMatchObject({ UserName: 'alice', Arn: USER_ARN('alice') });
  });

  it('A user name outside [\\w+=,.@-] is refused with ValidationError before any lookup (IAM API Reference: GetUser)', async () => {
    const error = await rejection(iam.send(new GetUserCommand({ UserName: 'alice smith' })));
    expect(error).toMatchObject({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
  });

  it('GetGroup returns the group and its members (IAM API Reference: GetGroup)', async () => {
    const out = await iam.send(new GetGroupCommand({ GroupName: 'developers' }));
    expect(out.Group?.Arn).toBe(`arn:aws:iam::${ACCOUNT}:group/developers`);
    expect(out.Users?.map((user) => user.UserName)).toEqual(['alice', 'bob']);
    await expect(gateway.findPrincipal('group', 'nobody')).resolves.toBeUndefined();
  });

  it('ListUsers pages MaxItems at a time, with IsTruncated and a Marker for the next page (IAM API Reference: ListUsers)', async () => {
    const first = await iam.send(new ListUsersCommand({ MaxItems: 3 }));
    expect(first.Users?.map((user) => user.UserName)).toEqual(['alice', 'bob', 'carol']);
    expect(first.IsTruncated).toBe(true);
    const second = await iam.send(new ListUsersCommand({ MaxItems: 3, Marker: first.Marker }));
    expect(second.Users?.map((user) => user.UserName)).toEqual(['dave']);
    expect(second.IsTruncated).toBe(false);
    expect(second.Marker).toBeUndefined();
  });

  it('ListUsers leaves tags out and ListUserTags returns them, so IamGateway finds dave by SlackUserId (IAM API Reference: ListUsers)', async () => {
    const out = await iam.send(new ListUsersCommand({}));
    expect(out.Users?.every((user) => user.Tags === undefined)).toBe(true);
    await expect(gateway.findUserByTag('SlackUserId', 'U0DAVE')).resolves.toEqual(userRef('dave'));
    await expect(gateway.findUserByTag('SlackUserId', 'U0NOBODY')).resolves.toBeUndefined();
  });
});

describe('IAM managed policy attachments', () => {
  it('AttachUserPolicy is idempotent: attaching an attached policy succeeds and lists it once (IAM API Reference: AttachUserPolicy)', async () => {
    const input = { UserName: 'alice', PolicyArn: POLICY_ARNS.codeBuildDeveloper };
    await iam.send(new AttachUserPolicyCommand(input));
    await expect(iam.send(new AttachUserPolicyCommand(input))).resolves.toBeDefined();
    await expect(attachedTo('alice')).resolves.toEqual([POLICY_ARNS.codeBuildDeveloper]);
  });

  it('IamGateway reports an attach as changed the first time and unchanged the second', async () => {
    const op = {
      type: 'attachPolicy' as const,
      principal: userRef('bob'),
      policyArn: POLICY_ARNS.s3ReadOnly,
    };
    await expect(gateway.run(op)).resolves.toBe('changed');
    await expect(gateway.run(op)).resolves.toBe('unchanged');
  });

  it('DetachUserPolicy of a policy that is not attached fails with NoSuchEntity (IAM API Reference: DetachUserPolicy)', async () => {
    const error = await rejection(
      iam.send(new DetachUserPolicyCommand({ UserName: 'alice', PolicyArn: POLICY_ARNS.codeBuildAdmin })),
    );
    expect(error).toBeInstanceOf(NoSuchEntityException);
    const op = {
      type: 'detachPolicy' as const,
      principal: userRef('alice'),
      policyArn: POLICY_ARNS.codeBuildAdmin,
    };
    await expect(gateway.run(op)).resolves.toBe('unchanged');
  });

  it('Attaching a policy ARN that names no policy fails with NoSuchEntity, a malformed ARN with InvalidInput (IAM API Reference: AttachUserPolicy)', async () => {
    const missing = await rejection(
      iam.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: MANAGED('NoSuchPolicy') })),
    );
    expect(missing).toBeInstanceOf(NoSuchEntityException);
    const malformed = await rejection(
      iam.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: 'AWSCodeBuildDeveloperAccess' })),
    );
    expect(malformed).toBeInstanceOf(InvalidInputException);
  });

  it.each([
    ['user', (arn: string) => iam.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: arn }))],
    ['group', (arn: string) => iam.send(new AttachGroupPolicyCommand({ GroupName: 'qa', PolicyArn: arn }))],
    [
      'role',
      (arn: string) => iam.send(new AttachRolePolicyCommand({ RoleName: 'legacy-build', PolicyArn: arn })),
    ],
  ] as const)(
    'A %s holds at most 10 managed policies: the 11th attach fails with LimitExceeded, HTTP 409 (IAM quotas)',
    async (_kind, attach) => {
      const arns = [
        POLICY_ARNS.codeBuildAdmin,
        POLICY_ARNS.codeBuildDeveloper,
        POLICY_ARNS.codeBuildReadOnly,
        POLICY_ARNS.s3ReadOnly,
        POLICY_ARNS.iamFull,
        MANAGED('AdministratorAccess'),
        MANAGED('PowerUserAccess'),
        MANAGED('ReadOnlyAccess'),
        MANAGED('IAMReadOnlyAccess'),
        MANAGED('AmazonS3FullAccess'),
      ];
      for (const arn of arns) await attach(arn);
      const error = await rejection(attach(MANAGED('CloudWatchLogsReadOnlyAccess')));
      expect(error).toBeInstanceOf(IamLimitExceededException);
      expect(error).toMatchObject({ $metadata: { httpStatusCode: 409 } });
      // Re-attaching one of the ten is still fine: it changes nothing.
      await expect(attach(arns[0] ?? '')).resolves.toBeDefined();
    },
  );
});

describe('IAM inline policies', () => {
  it('GetUserPolicy returns the document URL-encoded per RFC 3986, exactly as it was put (IAM API Reference: GetUserPolicy)', async () => {
    const text = JSON.stringify(SEED_CUSTOM_ACCESS_POLICY, null, 2);
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'alice',
        PolicyName: 'CodeBuildUserAccessPolicy',
        PolicyDocument: text,
      }),
    );
    const out = await iam.send(
      new GetUserPolicyCommand({ UserName: 'alice', PolicyName: 'CodeBuildUserAccessPolicy' }),
    );
    expect(out.PolicyDocument).not.toBe(text);
    expect(out.PolicyDocument).toMatch(/^%7B%0A/);
    expect(decodeURIComponent(out.PolicyDocument ?? '')).toBe(text);
  });

  it('GetRole returns the trust policy URL-encoded, and CreateRole answers the same way (IAM API Reference: GetRole)', async () => {
    const text = JSON.stringify(TRUST);
    const created = await iam.send(
      new CreateRoleCommand({ RoleName: 'team-build', Path: '/codebuild/', AssumeRolePolicyDocument: text }),
    );
    expect(created.Role?.Arn).toBe(`arn:aws:iam::${ACCOUNT}:role/codebuild/team-build`);
    const out = await iam.send(new GetRoleCommand({ RoleName: 'team-build' }));
    expect(out.Role?.AssumeRolePolicyDocument).toBe(created.Role?.AssumeRolePolicyDocument);
    expect(JSON.parse(decodeURIComponent(out.Role?.AssumeRolePolicyDocument ?? ''))).toEqual(TRUST);
  });

  it.each([
    [
      'user',
      'alice',
      (PolicyName: string, PolicyDocument: string) =>
        iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName, PolicyDocument })),
    ],
    [
      'group',
      'developers',
      (PolicyName: string, PolicyDocument: string) =>
        iam.send(new PutGroupPolicyCommand({ GroupName: 'developers', PolicyName, PolicyDocument })),
    ],
    [
      'role',
      'legacy-build',
      (PolicyName: string, PolicyDocument: string) =>
        iam.send(new PutRolePolicyCommand({ RoleName: 'legacy-build', PolicyName, PolicyDocument })),
    ],
  ] as const)(
    "A %s's inline policies share one quota of non-whitespace characters (2,048 / 5,120 / 10,240): one character over fails with LimitExceeded (IAM quotas)",
    async (kind, name, put) => {
      const entity =
        kind === 'user'
          ? store.account.findUser(name)
          : kind === 'group'
            ? store.account.findGroup(name)
            : store.account.findRole(name);
      const existing = Object.values(entity?.inlinePolicies ?? {});
      const used = existing.reduce((sum, text) => sum + inlinePolicySize(text), 0);
      const free = INLINE_QUOTAS[kind] - used;
      await put('First', identityPolicyOfSize(Math.floor(free / 2)));
      const error = await rejection(put('Second', identityPolicyOfSize(free - Math.floor(free / 2) + 1)));
      expect(error).toBeInstanceOf(IamLimitExceededException);
      await expect(put('Second', identityPolicyOfSize(free - Math.floor(free / 2)))).resolves.toBeDefined();
      // A put replaces the policy of the same name, so its old size no longer counts.
      await expect(put('First', identityPolicyOfSize(Math.floor(free / 2)))).resolves.toBeDefined();
    },
  );

  it('PutUserPolicy refuses a policy with a Principal, without Resource, or not JSON, with MalformedPolicyDocument (IAM API Reference: PutUserPolicy)', async () => {
    const documents = [
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }],
      }),
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*' }] }),
      '{"Version": "2012-10-17", "Statement": [',
    ];
    for (const document of documents) {
      const error = await rejection(
        iam.send(
          new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'Bad', PolicyDocument: document }),
        ),
      );
      expect(error).toBeInstanceOf(IamMalformedPolicyDocumentException);
    }
    const names = await iam.send(new ListUserPoliciesCommand({ UserName: 'alice' }));
    expect(names.PolicyNames).toEqual([]);
  });

  it('DeleteUserPolicy of a policy that does not exist fails with NoSuchEntity (IAM API Reference: DeleteUserPolicy)', async () => {
    const error = await rejection(
      iam.send(new DeleteUserPolicyCommand({ UserName: 'alice', PolicyName: 'Nope' })),
    );
    expect(error).toBeInstanceOf(NoSuchEntityException);
  });
});

describe('IAM roles', () => {
  it('CreateRole on a name that exists, in any case, fails with EntityAlreadyExists, HTTP 409 (IAM API Reference: CreateRole)', async () => {
    const error = await rejection(
      iam.send(
        new CreateRoleCommand({ RoleName: 'Legacy-Build', AssumeRolePolicyDocument: JSON.stringify(TRUST) }),
      ),
    );
    expect(error).toBeInstanceOf(EntityAlreadyExistsException);
    expect(error).toMatchObject({ $metadata: { httpStatusCode: 409 } });
  });

  it('CreateRole refuses a trust policy naming a principal that does not exist, with MalformedPolicyDocument (IAM API Reference: CreateRole)', async () => {
    const trust = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: USER_ARN('mallory') }, Action: 'sts:AssumeRole' }],
    };
    const error = await rejection(
      iam.send(new CreateRoleCommand({ RoleName: 'x', AssumeRolePolicyDocument: JSON.stringify(trust) })),
    );
    expect(error).toBeInstanceOf(IamMalformedPolicyDocumentException);
  });

  it('DeleteRole fails with DeleteConflict while managed or inline policies remain (IAM API Reference: DeleteRole)', async () => {
    await iam.send(
      new CreateRoleCommand({ RoleName: 'team-build', AssumeRolePolicyDocument: JSON.stringify(TRUST) }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'team-build',
        PolicyName: 'CodeBuildServiceRolePolicy',
        PolicyDocument: JSON.stringify(serviceRolePolicy({ vpc: false })),
      }),
    );
    await iam.send(
      new AttachRolePolicyCommand({ RoleName: 'team-build', PolicyArn: POLICY_ARNS.s3ReadOnly }),
    );
    expect(await rejection(iam.send(new DeleteRoleCommand({ RoleName: 'team-build' })))).toBeInstanceOf(
      DeleteConflictException,
    );
    await iam.send(
      new DetachRolePolicyCommand({ RoleName: 'team-build', PolicyArn: POLICY_ARNS.s3ReadOnly }),
    );
    expect(await rejection(iam.send(new DeleteRoleCommand({ RoleName: 'team-build' })))).toBeInstanceOf(
      DeleteConflictException,
    );
    await iam.send(
      new DeleteRolePolicyCommand({ RoleName: 'team-build', PolicyName: 'CodeBuildServiceRolePolicy' }),
    );
    await iam.send(new DeleteRoleCommand({ RoleName: 'team-build' }));
    expect(await rejection(iam.send(new GetRoleCommand({ RoleName: 'team-build' })))).toBeInstanceOf(
      NoSuchEntityException,
    );
  });
});

describe('IAM SimulatePrincipalPolicy', () => {
  it('denies codebuild:StartBuild before AWSCodeBuildDeveloperAccess is attached and allows it after (IAM API Reference: SimulatePrincipalPolicy)', async () => {
    const actions = ['codebuild:StartBuild', 'codebuild:DeleteProject'];
    await expect(gateway.simulate(USER_ARN('carol'), actions)).resolves.toEqual([
      { action: 'codebuild:StartBuild', allowed: false },
      { action: 'codebuild:DeleteProject', allowed: false },
    ]);
    await iam.send(
      new AttachUserPolicyCommand({ UserName: 'carol', PolicyArn: POLICY_ARNS.codeBuildDeveloper }),
    );
    await expect(gateway.simulate(USER_ARN('carol'), actions)).resolves.toEqual([
      { action: 'codebuild:StartBuild', allowed: true },
      { action: 'codebuild:DeleteProject', allowed: false },
    ]);
  });

  it("evaluates a user's group policies and inline policies too (IAM API Reference: SimulatePrincipalPolicy)", async () => {
    await iam.send(
      new AttachGroupPolicyCommand({ GroupName: 'developers', PolicyArn: POLICY_ARNS.codeBuildReadOnly }),
    );
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'bob',
        PolicyName: 'CodeBuildUserAccessPolicy',
        PolicyDocument: JSON.stringify(SEED_CUSTOM_ACCESS_POLICY),
      }),
    );
    await expect(
      gateway.simulate(USER_ARN('alice'), ['codebuild:ListBuilds', 's3:PutObject']),
    ).resolves.toEqual([
      { action: 'codebuild:ListBuilds', allowed: true },
      { action: 's3:PutObject', allowed: false },
    ]);
    await expect(gateway.simulate(USER_ARN('bob'), ['s3:PutObject'])).resolves.toEqual([
      { action: 's3:PutObject', allowed: true },
    ]);
  });
});

describe('KMS keys, key policies and aliases', () => {
  it('DescribeKey accepts a key id, a key ARN, an alias name and an alias ARN (KMS API Reference: DescribeKey)', async () => {
    for (const keyId of [KEY_ID, KEY_ARN, ALIAS, `arn:aws:kms:${REGION}:${ACCOUNT}:${ALIAS}`]) {
      const out = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
      expect(out.KeyMetadata).toMatchObject({ KeyId: KEY_ID, Arn: KEY_ARN, KeyState: 'Enabled' });
    }
    const error = await rejection(kms.send(new DescribeKeyCommand({ KeyId: 'alias/nope' })));
    expect(error).toBeInstanceOf(NotFoundException);
  });

  it('GetKeyPolicy takes a key id or key ARN but not an alias: an alias fails with NotFound (KMS API Reference: GetKeyPolicy)', async () => {
    const error = await rejection(kms.send(new GetKeyPolicyCommand({ KeyId: ALIAS })));
    expect(error).toBeInstanceOf(NotFoundException);
  });

  it('PutKeyPolicy then GetKeyPolicy returns exactly the text that was put (KMS API Reference: PutKeyPolicy)', async () => {
    await iam.send(
      new CreateRoleCommand({ RoleName: 'team-build', AssumeRolePolicyDocument: JSON.stringify(TRUST) }),
    );
    const before = await kms.send(new GetKeyPolicyCommand({ KeyId: KEY_ID }));
    expect(JSON.parse(before.Policy ?? '')).toEqual(defaultKeyPolicy(ACCOUNT));
    const merged: PolicyDocument = {
      ...defaultKeyPolicy(ACCOUNT),
      Statement: [
        ...defaultKeyPolicy(ACCOUNT).Statement,
        ...codeBuildKeyStatements({
          accountId: ACCOUNT,
          region: REGION,
          roleArn: `arn:aws:iam::${ACCOUNT}:role/team-build`,
        }),
      ],
    };
    const text = `${JSON.stringify(merged, null, 4)}\n`;
    await kms.send(new PutKeyPolicyCommand({ KeyId: KEY_ARN, Policy: text }));
    const after = await kms.send(new GetKeyPolicyCommand({ KeyId: KEY_ID, PolicyName: 'default' }));
    expect(after).toMatchObject({ Policy: text, PolicyName: 'default' });
  });

  it('A key policy is at most 32,768 bytes: one byte more fails with LimitExceeded (KMS quotas: key policy document size)', async () => {
    await expect(
      kms.send(new PutKeyPolicyCommand({ KeyId: KEY_ID, Policy: keyPolicyOfBytes(KEY_POLICY_MAX_BYTES) })),
    ).resolves.toBeDefined();
    const error = await rejection(
      kms.send(
        new PutKeyPolicyCommand({ KeyId: KEY_ID, Policy: keyPolicyOfBytes(KEY_POLICY_MAX_BYTES + 1) }),
      ),
    );
    expect(error).toBeInstanceOf(KmsLimitExceededException);
  });

  it('PutKeyPolicy refuses text that is not a policy, and a statement without a principal, with MalformedPolicyDocument (KMS API Reference: PutKeyPolicy)', async () => {
    const noPrincipal = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }],
    });
    for (const policy of ['not json', noPrincipal]) {
      const error = await rejection(kms.send(new PutKeyPolicyCommand({ KeyId: KEY_ID, Policy: policy })));
      expect(error).toBeInstanceOf(KmsMalformedPolicyDocumentException);
    }
  });

  it('PutKeyPolicy refuses a principal that does not exist, with MalformedPolicyDocument (KMS API Reference: PutKeyPolicy)', async () => {
    const policy = {
      ...defaultKeyPolicy(ACCOUNT),
      Statement: [
        ...defaultKeyPolicy(ACCOUNT).Statement,
        ...codeBuildKeyStatements({
          accountId: ACCOUNT,
          region: REGION,
          roleArn: `arn:aws:iam::${ACCOUNT}:role/nope`,
        }),
      ],
    };
    const error = await rejection(
      kms.send(new PutKeyPolicyCommand({ KeyId: KEY_ID, Policy: JSON.stringify(policy) })),
    );
    expect(error).toBeInstanceOf(KmsMalformedPolicyDocumentException);
    expect((error as Error).message).toBe('Policy contains a statement with one or more invalid principals.');
  });

  it('A role just created may not be visible to KMS yet: PutKeyPolicy fails with MalformedPolicyDocument until it is (KMS API Reference: PutKeyPolicy, eventual consistency)', async () => {
    openSandbox({ newRoleKmsVisibilityLag: 2 });
    await iam.send(
      new CreateRoleCommand({ RoleName: 'fresh', AssumeRolePolicyDocument: JSON.stringify(TRUST) }),
    );
    const policy = JSON.stringify({
      ...defaultKeyPolicy(ACCOUNT),
      Statement: [
        ...defaultKeyPolicy(ACCOUNT).Statement,
        ...codeBuildKeyStatements({
          accountId: ACCOUNT,
          region: REGION,
          roleArn: `arn:aws:iam::${ACCOUNT}:role/fresh`,
        }),
      ],
    });
    const put = () => kms.send(new PutKeyPolicyCommand({ KeyId: KEY_ID, Policy: policy }));
    expect(await rejection(put())).toBeInstanceOf(KmsMalformedPolicyDocumentException);
    expect(await rejection(put())).toBeInstanceOf(KmsMalformedPolicyDocumentException);
    await expect(put()).resolves.toBeDefined();
    // An existing role can be hidden on demand too.
    store.account.hideRoleFromKms('fresh', 1);
    expect(await rejection(put())).toBeInstanceOf(KmsMalformedPolicyDocumentException);
    await expect(put()).resolves.toBeDefined();
  });

  it('PutKeyPolicy refuses a policy that would lock the account out unless BypassPolicyLockoutSafetyCheck is set, which the sandbox records (KMS API Reference: PutKeyPolicy)', async () => {
    const lockout = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: USER_ARN('alice') }, Action: 'kms:Decrypt', Resource: '*' },
      ],
    });
    const error = await rejection(kms.send(new PutKeyPolicyCommand({ KeyId: KEY_ID, Policy: lockout })));
    expect(error).toBeInstanceOf(KmsMalformedPolicyDocumentException);
    expect(store.account.keys.get(KEY_ID)?.lockoutCheckBypassed).toBe(false);
    await kms.send(
      new PutKeyPolicyCommand({ KeyId: KEY_ID, Policy: lockout, BypassPolicyLockoutSafetyCheck: true }),
    );
    expect(store.account.keys.get(KEY_ID)?.lockoutCheckBypassed).toBe(true);
  });

  it('CreateKey without a policy gets the default key policy (KMS Developer Guide: default key policy)', async () => {
    const created = await kms.send(new CreateKeyCommand({ Description: 'scratch' }));
    const keyId = created.KeyMetadata?.KeyId ?? '';
    expect(keyId).toMatch(/^[0-9a-f-]{36}$/);
    const out = await kms.send(new GetKeyPolicyCommand({ KeyId: keyId }));
    expect(JSON.parse(out.Policy ?? '')).toEqual(defaultKeyPolicy(ACCOUNT));
  });

  it('CreateAlias on an alias that exists fails with AlreadyExists; DeleteAlias of a missing one with NotFound (KMS API Reference: CreateAlias, DeleteAlias)', async () => {
    const error = await rejection(
      kms.send(new CreateAliasCommand({ AliasName: ALIAS, TargetKeyId: KEY_ID })),
    );
    expect(error).toBeInstanceOf(AlreadyExistsException);
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/team-artifacts', TargetKeyId: KEY_ARN }));
    const listed = await kms.send(new ListAliasesCommand({ KeyId: KEY_ID }));
    expect(listed.Aliases?.map((alias) => alias.AliasName)).toEqual([ALIAS, 'alias/team-artifacts']);
    await kms.send(new DeleteAliasCommand({ AliasName: 'alias/team-artifacts' }));
    const missing = await rejection(kms.send(new DeleteAliasCommand({ AliasName: 'alias/team-artifacts' })));
    expect(missing).toBeInstanceOf(NotFoundException);
  });

  it('ScheduleKeyDeletion takes 7 to 30 days and leaves the key PendingDeletion, where CreateAlias fails with KMSInvalidState (KMS Developer Guide: key states)', async () => {
    const tooSoon = await rejection(
      kms.send(new ScheduleKeyDeletionCommand({ KeyId: KEY_ID, PendingWindowInDays: 6 })),
    );
    expect(tooSoon).toMatchObject({ name: 'ValidationException' });
    const out = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: KEY_ID, PendingWindowInDays: 7 }));
    expect(out).toMatchObject({ KeyId: KEY_ARN, KeyState: 'PendingDeletion', PendingWindowInDays: 7 });
    const described = await kms.send(new DescribeKeyCommand({ KeyId: ALIAS }));
    expect(described.KeyMetadata).toMatchObject({ KeyState: 'PendingDeletion', Enabled: false });
    const error = await rejection(
      kms.send(new CreateAliasCommand({ AliasName: 'alias/late', TargetKeyId: KEY_ID })),
    );
    expect(error).toBeInstanceOf(KMSInvalidStateException);
  });
});

describe('CodeBuild', () => {
  it("ListBuilds returns the account's build ids, none in the seed (CodeBuild API Reference: ListBuilds)", async () => {
    const { codebuild } = createSandboxClients(store);
    const out = await codebuild.send(new ListBuildsCommand({}));
    expect(out.ids).toEqual([]);
  });
});

describe('the sandbox itself', () => {
  it('A command without a handler fails with SandboxNotImplementedError naming the command', async () => {
    const error = await rejection(iam.send(new CreateUserCommand({ UserName: 'eve' })));
    expect(error).toBeInstanceOf(SandboxNotImplementedError);
    expect((error as Error).message).toContain('CreateUserCommand');
  });

  it('Every change is saved atomically to the JSON file, and a store reopened on it sees the same account', async () => {
    await iam.send(
      new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: POLICY_ARNS.codeBuildDeveloper }),
    );
    await iam.send(
      new PutGroupPolicyCommand({
        GroupName: 'qa',
        PolicyName: 'CodeBuildGroupAccessPolicy',
        PolicyDocument: JSON.stringify(SEED_CUSTOM_ACCESS_POLICY, null, 2),
      }),
    );
    await iam.send(
      new CreateRoleCommand({ RoleName: 'team-build', AssumeRolePolicyDocument: JSON.stringify(TRUST) }),
    );
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/team', TargetKeyId: KEY_ID }));
    const reopened = SandboxStore.open(statePath);
    expect(reopened.account.toJSON()).toEqual(store.account.toJSON());
    expect(JSON.parse(readFileSync(statePath, 'utf8'))).toEqual(
      JSON.parse(JSON.stringify(store.account.toJSON())),
    );
    expect(readdirSync(dir)).toEqual(['state.json']);
    const again = createSandboxClients(reopened);
    const attached = await again.iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'alice' }));
    expect(attached.AttachedPolicies).toEqual([
      { PolicyName: 'AWSCodeBuildDeveloperAccess', PolicyArn: POLICY_ARNS.codeBuildDeveloper },
    ]);
  });

  it('aws-sdk-client-mock layers on top for fault injection: a throttled attach fails once, then reaches the sandbox', async () => {
    const iamMock = mockClient(iam);
    try {
      iamMock.send.callThrough();
      const throttling = Object.assign(new Error('Rate exceeded'), {
        name: 'Throttling',
        $metadata: { httpStatusCode: 400 },
      });
      iamMock.on(AttachUserPolicyCommand).rejectsOnce(throttling);
      const op = {
        type: 'attachPolicy' as const,
        principal: userRef('dave'),
        policyArn: POLICY_ARNS.codeBuildReadOnly,
      };
      await expect(gateway.run(op)).rejects.toBeInstanceOf(TransientError);
      await expect(gateway.run(op)).resolves.toBe('changed');
      await expect(attachedTo('dave')).resolves.toEqual([POLICY_ARNS.codeBuildReadOnly]);
      expect(iamMock.commandCalls(AttachUserPolicyCommand)).toHaveLength(2);
    } finally {
      iamMock.restore();
    }
  });

  it('aws-sdk-client-mock callsFake can inspect a call and forward it to the sandbox through an unmocked client', async () => {
    const unmocked = createSandboxClients(store).iam;
    const iamMock = mockClient(iam);
    try {
      iamMock.send.callThrough();
      const seen: string[] = [];
      iamMock.on(AttachUserPolicyCommand).callsFake((input: { UserName: string; PolicyArn: string }) => {
        seen.push(input.PolicyArn);
        return unmocked.send(new AttachUserPolicyCommand(input));
      });
      const op = {
        type: 'attachPolicy' as const,
        principal: userRef('dave'),
        policyArn: POLICY_ARNS.s3ReadOnly,
      };
      await expect(gateway.run(op)).resolves.toBe('changed');
      expect(seen).toEqual([POLICY_ARNS.s3ReadOnly]);
      await expect(attachedTo('dave')).resolves.toEqual([POLICY_ARNS.s3ReadOnly]);
    } finally {
      iamMock.restore();
    }
  });
});
