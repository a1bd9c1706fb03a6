/**
 * The contract of the sandbox AWS account: each case pins one documented AWS behaviour the bot relies on,
 * run through real SDK v3 clients with the sandbox installed (and through IamGateway where it fits). When
 * a case fails, either the sandbox drifted from AWS or the case misreads the documentation named in it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListBuildsCommand } from '@aws-sdk/client-codebuild';
import {
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteConflictException,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DeleteRolePermissionsBoundaryCommand,
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  EntityAlreadyExistsException,
  GetGroupCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  type IAMClient,
  LimitExceededException as IamLimitExceededException,
  MalformedPolicyDocumentException as IamMalformedPolicyDocumentException,
  InvalidInputException,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListPoliciesCommand,
  type ListPoliciesCommandInput,
  ListPolicyVersionsCommand,
  ListRolesCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  NoSuchEntityException,
  PutGroupPolicyCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  SetDefaultPolicyVersionCommand,
  SimulatePrincipalPolicyCommand,
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
import type { PrincipalRef } from '../../src/domain/plans';
import { INLINE_QUOTAS, inlinePolicySize, KEY_POLICY_MAX_BYTES } from '../../src/domain/policy-size';
import {
  codeBuildKeyStatements,
  defaultKeyPolicy,
  type PolicyDocument,
  SEED_CUSTOM_ACCESS_POLICY,
  serviceRolePolicy,
  serviceRoleTrustPolicy,
} from '../../src/domain/seed-policies';
import { POLICY_ARNS } from '../../src/domain/tiers';
import {
  loadSandboxFixture,
  SandboxAccount,
  type SandboxOptions,
  SandboxStore,
} from '../../src/local/sandbox/account';
import { createSandboxClients, SandboxNotImplementedError } from '../../src/local/sandbox/plug';
import { deployStackPolicies, StackDeployError } from '../../src/local/sandbox/stack';

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
    await expect(gateway.usersTagged('SlackUserId')).resolves.toEqual([
      { principal: userRef('dave'), value: 'U0DAVE' },
    ]);
  });

  it('GetUser returns the user with its tags, so one call confirms an index entry (IAM API Reference: GetUser)', async () => {
    await expect(gateway.userWithTags('dave')).resolves.toEqual({
      principal: userRef('dave'),
      tags: { SlackUserId: 'U0DAVE' },
    });
    await expect(gateway.userWithTags('nobody')).resolves.toBeUndefined();
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

describe('policy documents judged by @cloud-copilot/iam-policy and iam-simulate', () => {
  const allow = { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' };
  const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

  it.each([
    ['text that is not JSON', '{"Statement": [', 'Syntax errors in policy.'],
    ['an empty Statement list', doc(), 'Syntax errors in policy.'],
    ['an element IAM does not know', doc({ ...allow, Comment: 'hi' }), 'Syntax errors in policy.'],
    ['an Effect other than Allow or Deny', doc({ ...allow, Effect: 'allow' }), 'Syntax errors in policy.'],
    ['a Condition that is a list', doc({ ...allow, Condition: [] }), 'Syntax errors in policy.'],
    ['a Principal', doc({ ...allow, Principal: '*' }), 'Policy document should not specify a principal.'],
    ['no Resource', doc({ Effect: 'Allow', Action: 's3:*' }), 'Policy statement must contain resources.'],
    ['no Action', doc({ Effect: 'Allow', Resource: '*' }), 'Policy statement must contain actions.'],
    [
      'an action without its service prefix',
      doc({ ...allow, Action: 'GetObject' }),
      'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
    ],
    [
      'an unknown Version',
      JSON.stringify({ Version: '2020-01-01', Statement: [allow] }),
      'The policy failed legacy parsing',
    ],
    [
      'two statements with the same Sid',
      doc({ ...allow, Sid: 'Same' }, { ...allow, Sid: 'Same' }),
      'Statement IDs (SID) in a single policy must be unique.',
    ],
  ])(
    'PutUserPolicy refuses %s with MalformedPolicyDocument and IAM wording, storing nothing (IAM API Reference: PutUserPolicy)',
    async (_case, document, message) => {
      const error = await rejection(
        iam.send(
          new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'Bad', PolicyDocument: document }),
        ),
      );
      expect(error).toBeInstanceOf(IamMalformedPolicyDocumentException);
      expect(error).toMatchObject({ message, $metadata: { httpStatusCode: 400 } });
      const names = await iam.send(new ListUserPoliciesCommand({ UserName: 'alice' }));
      expect(names.PolicyNames).toEqual([]);
    },
  );

  it.each([
    [
      'a Resource',
      {
        Effect: 'Allow',
        Principal: { Service: 'codebuild.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Resource: '*',
      },
      'Has prohibited field Resource',
    ],
    ['no Principal', { Effect: 'Allow', Action: 'sts:AssumeRole' }, 'Missing required field Principal'],
    [
      'an action outside STS',
      { Effect: 'Allow', Principal: { Service: 'codebuild.amazonaws.com' }, Action: 's3:GetObject' },
      'AssumeRole policy may only specify STS AssumeRole actions.',
    ],
  ])(
    'CreateRole refuses a trust policy with %s with MalformedPolicyDocument, creating no role (IAM API Reference: CreateRole)',
    async (_case, trustStatement, message) => {
      const error = await rejection(
        iam.send(
          new CreateRoleCommand({ RoleName: 'judged', AssumeRolePolicyDocument: doc(trustStatement) }),
        ),
      );
      expect(error).toBeInstanceOf(IamMalformedPolicyDocumentException);
      expect(error).toMatchObject({ message });
      expect(store.account.findRole('judged')).toBeUndefined();
    },
  );

  it('PutKeyPolicy refuses a statement without a principal with KMS wording, keeping the old policy (KMS API Reference: PutKeyPolicy)', async () => {
    const before = store.account.keys.get(KEY_ID)?.policy;
    const policy = doc(...defaultKeyPolicy(ACCOUNT).Statement, {
      Effect: 'Allow',
      Action: 'kms:*',
      Resource: '*',
    });
    const error = await rejection(kms.send(new PutKeyPolicyCommand({ KeyId: KEY_ID, Policy: policy })));
    expect(error).toBeInstanceOf(KmsMalformedPolicyDocumentException);
    expect(error).toMatchObject({ message: 'Policy contains a statement with no principal.' });
    expect(store.account.keys.get(KEY_ID)?.policy).toBe(before);
  });

  const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
  it.each([
    [
      'grants the account only kms:Decrypt',
      doc({ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:Decrypt', Resource: '*' }),
    ],
    [
      'grants kms:PutKeyPolicy to one user only, not to the account',
      doc({ Effect: 'Allow', Principal: { AWS: USER_ARN('alice') }, Action: 'kms:*', Resource: '*' }),
    ],
    [
      'delegates kms:* to the account but denies kms:PutKeyPolicy to everyone',
      doc(...defaultKeyPolicy(ACCOUNT).Statement, {
        Effect: 'Deny',
        Principal: '*',
        Action: 'kms:PutKeyPolicy',
        Resource: '*',
      }),
    ],
  ])(
    'PutKeyPolicy and CreateKey refuse a key policy that %s: the administrator would be locked out (KMS API Reference: PutKeyPolicy, BypassPolicyLockoutSafetyCheck)',
    async (_case, policy) => {
      const before = store.account.keys.get(KEY_ID)?.policy;
      const keysBefore = store.account.keys.size;
      for (const call of [
        () => kms.send(new PutKeyPolicyCommand({ KeyId: KEY_ID, Policy: policy })),
        () => kms.send(new CreateKeyCommand({ Policy: policy })),
      ]) {
        const error = await rejection(call());
        expect(error).toBeInstanceOf(KmsMalformedPolicyDocumentException);
        expect(error).toMatchObject({
          message: 'The new key policy will not allow you to update the key policy in the future.',
        });
      }
      expect(store.account.keys.get(KEY_ID)?.policy).toBe(before);
      expect(store.account.keys.size).toBe(keysBefore);
    },
  );

  it.each([
    ['the default key policy', JSON.stringify(defaultKeyPolicy(ACCOUNT))],
    [
      'a delegation to the account by its id, limited to key administration',
      doc({ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: ['kms:Put*', 'kms:Get*'], Resource: '*' }),
    ],
  ])(
    'PutKeyPolicy accepts %s, which keeps the account able to update it (KMS Developer Guide: default key policy)',
    async (_case, policy) => {
      await kms.send(new PutKeyPolicyCommand({ KeyId: KEY_ID, Policy: policy }));
      const out = await kms.send(new GetKeyPolicyCommand({ KeyId: KEY_ID }));
      expect(out.Policy).toBe(policy);
    },
  );
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

// --- Customer managed policies and permissions boundaries (what the bot's stack creates) ---

const POLICY_ARN = (name: string, path = '/') => `arn:aws:iam::${ACCOUNT}:policy${path}${name}`;
const ACCESS_ARN = POLICY_ARN('CodeBuildAccessPolicy', '/codebuild/');
const ROLE_ARN = (name: string, path = '/') => `arn:aws:iam::${ACCOUNT}:role${path}${name}`;

const statement = (Effect: 'Allow' | 'Deny', Action: string | string[]) => ({
  Effect,
  Action,
  Resource: '*',
});
const policyText = (...statements: object[]): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2);

const createPolicy = (name: string, document: string, path = '/', Description?: string) =>
  iam.send(
    new CreatePolicyCommand({
      PolicyName: name,
      Path: path,
      PolicyDocument: document,
      ...(Description ? { Description } : {}),
    }),
  );

const createAccessPolicy = () =>
  createPolicy(
    'CodeBuildAccessPolicy',
    JSON.stringify(SEED_CUSTOM_ACCESS_POLICY, null, 2),
    '/codebuild/',
    'The custom tier',
  );

const createRole = (name: string, PermissionsBoundary?: string) =>
  iam.send(
    new CreateRoleCommand({
      RoleName: name,
      Path: '/codebuild/',
      AssumeRolePolicyDocument: JSON.stringify(TRUST),
      ...(PermissionsBoundary ? { PermissionsBoundary } : {}),
    }),
  );

const decisions = async (arn: string, actions: string[]) => {
  const out = await iam.send(
    new SimulatePrincipalPolicyCommand({ PolicySourceArn: arn, ActionNames: actions }),
  );
  return Object.fromEntries((out.EvaluationResults ?? []).map((r) => [r.EvalActionName, r.EvalDecision]));
};

describe('IAM customer managed policies', () => {
  it('CreatePolicy makes arn:aws:iam::ACCOUNT:policy/PATH/NAME at version v1; GetPolicy adds the description (IAM API Reference: CreatePolicy, GetPolicy)', async () => {
    const created = await createAccessPolicy();
    expect(created.Policy).toMatchObject({
      PolicyName: 'CodeBuildAccessPolicy',
      Path: '/codebuild/',
      Arn: ACCESS_ARN,
      DefaultVersionId: 'v1',
      AttachmentCount: 0,
      PermissionsBoundaryUsageCount: 0,
      IsAttachable: true,
    });
    expect(created.Policy?.PolicyId).toMatch(/^ANPA[A-Z2-7]{17}$/);
    expect(created.Policy?.Description).toBeUndefined();
    const got = await iam.send(new GetPolicyCommand({ PolicyArn: ACCESS_ARN }));
    expect(got.Policy).toMatchObject({
      Arn: ACCESS_ARN,
      Description: 'The custom tier',
      DefaultVersionId: 'v1',
    });
  });

  it('GetPolicyVersion returns the document URL-encoded per RFC 3986, exactly as it was sent (IAM API Reference: GetPolicyVersion)', async () => {
    await createAccessPolicy();
    const out = await iam.send(new GetPolicyVersionCommand({ PolicyArn: ACCESS_ARN, VersionId: 'v1' }));
    expect(out.PolicyVersion).toMatchObject({ VersionId: 'v1', IsDefaultVersion: true });
    expect(out.PolicyVersion?.Document).toMatch(/^%7B%0A/);
    expect(decodeURIComponent(out.PolicyVersion?.Document ?? '')).toBe(
      JSON.stringify(SEED_CUSTOM_ACCESS_POLICY, null, 2),
    );
    const missing = await rejection(
      iam.send(new GetPolicyVersionCommand({ PolicyArn: ACCESS_ARN, VersionId: 'v2' })),
    );
    expect(missing).toBeInstanceOf(NoSuchEntityException);
  });

  it('Policy names are unique in the account whatever the path or case: a second CreatePolicy fails with EntityAlreadyExists, HTTP 409 (IAM API Reference: CreatePolicy)', async () => {
    await createAccessPolicy();
    const error = await rejection(
      createPolicy('codebuildaccesspolicy', policyText(statement('Allow', 's3:GetObject'))),
    );
    expect(error).toBeInstanceOf(EntityAlreadyExistsException);
    expect(error).toMatchObject({ $metadata: { httpStatusCode: 409 } });
  });

  it('CreatePolicy refuses text that is not JSON, no statements, a Principal or no Resource with MalformedPolicyDocument, and creates nothing (IAM API Reference: CreatePolicy)', async () => {
    const documents = [
      '{"Version": "2012-10-17", "Statement": [',
      JSON.stringify({ Version: '2012-10-17', Statement: [] }),
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ ...statement('Allow', 's3:*'), Principal: '*' }],
      }),
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*' }] }),
    ];
    for (const document of documents) {
      expect(await rejection(createPolicy('Bad', document))).toBeInstanceOf(
        IamMalformedPolicyDocumentException,
      );
    }
    const listed = await iam.send(new ListPoliciesCommand({ Scope: 'Local' }));
    expect(listed.Policies).toEqual([]);
  });

  it('A managed policy holds at most 6,144 non-whitespace characters: one more fails with LimitExceeded, in CreatePolicy and CreatePolicyVersion (IAM quotas)', async () => {
    await expect(createPolicy('Exact', identityPolicyOfSize(6144))).resolves.toBeDefined();
    expect(await rejection(createPolicy('Over', identityPolicyOfSize(6145)))).toBeInstanceOf(
      IamLimitExceededException,
    );
    const overVersion = await rejection(
      iam.send(
        new CreatePolicyVersionCommand({
          PolicyArn: POLICY_ARN('Exact'),
          PolicyDocument: identityPolicyOfSize(6145),
        }),
      ),
    );
    expect(overVersion).toBeInstanceOf(IamLimitExceededException);
  });

  it('A policy keeps at most 5 versions: the 6th fails with LimitExceeded; version ids are never reused (IAM API Reference: CreatePolicyVersion)', async () => {
    await createAccessPolicy();
    const version = (n: number, SetAsDefault = false) =>
      iam.send(
        new CreatePolicyVersionCommand({
          PolicyArn: ACCESS_ARN,
          PolicyDocument: policyText(statement('Allow', `s3:GetObject`), {
            Sid: `V${n}`,
            ...statement('Allow', 'logs:GetLogEvents'),
          }),
          SetAsDefault,
        }),
      );
    const v2 = await version(2);
    expect(v2.PolicyVersion).toMatchObject({ VersionId: 'v2', IsDefaultVersion: false });
    expect(v2.PolicyVersion?.Document).toBeUndefined();
    await version(3, true);
    await version(4);
    await version(5);
    expect(await rejection(version(6))).toBeInstanceOf(IamLimitExceededException);
    const listed = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: ACCESS_ARN }));
    expect(listed.Versions?.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([
      ['v5', false],
      ['v4', false],
      ['v3', true],
      ['v2', false],
      ['v1', false],
    ]);
    const paged = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: ACCESS_ARN, MaxItems: 2 }));
    expect(paged.IsTruncated).toBe(true);
    const rest = await iam.send(
      new ListPolicyVersionsCommand({ PolicyArn: ACCESS_ARN, Marker: paged.Marker }),
    );
    expect(rest.Versions?.map((v) => v.VersionId)).toEqual(['v3', 'v2', 'v1']);
    await iam.send(new DeletePolicyVersionCommand({ PolicyArn: ACCESS_ARN, VersionId: 'v2' }));
    await expect(version(6)).resolves.toMatchObject({ PolicyVersion: { VersionId: 'v6' } });
  });

  it('DeletePolicyVersion refuses the default version with DeleteConflict; SetDefaultPolicyVersion switches it and refuses a missing one with NoSuchEntity (IAM API Reference)', async () => {
    await createAccessPolicy();
    await iam.send(
      new CreatePolicyVersionCommand({
        PolicyArn: ACCESS_ARN,
        PolicyDocument: policyText(statement('Allow', 's3:GetObject')),
      }),
    );
    const conflict = await rejection(
      iam.send(new DeletePolicyVersionCommand({ PolicyArn: ACCESS_ARN, VersionId: 'v1' })),
    );
    expect(conflict).toBeInstanceOf(DeleteConflictException);
    const missing = await rejection(
      iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: ACCESS_ARN, VersionId: 'v9' })),
    );
    expect(missing).toBeInstanceOf(NoSuchEntityException);
    await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: ACCESS_ARN, VersionId: 'v2' }));
    const got = await iam.send(new GetPolicyCommand({ PolicyArn: ACCESS_ARN }));
    expect(got.Policy?.DefaultVersionId).toBe('v2');
    await iam.send(new DeletePolicyVersionCommand({ PolicyArn: ACCESS_ARN, VersionId: 'v1' }));
    const listed = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: ACCESS_ARN }));
    expect(listed.Versions?.map((v) => v.VersionId)).toEqual(['v2']);
  });

  it('GetPolicy, versions and DeletePolicy of a policy that does not exist fail with NoSuchEntity; a malformed ARN with InvalidInput (IAM API Reference)', async () => {
    const missing = POLICY_ARN('Nope');
    for (const call of [
      () => iam.send(new GetPolicyCommand({ PolicyArn: missing })),
      () => iam.send(new ListPolicyVersionsCommand({ PolicyArn: missing })),
      () =>
        iam.send(
          new CreatePolicyVersionCommand({
            PolicyArn: missing,
            PolicyDocument: policyText(statement('Allow', 's3:*')),
          }),
        ),
      () => iam.send(new DeletePolicyCommand({ PolicyArn: missing })),
    ]) {
      expect(await rejection(call())).toBeInstanceOf(NoSuchEntityException);
    }
    expect(
      await rejection(iam.send(new GetPolicyCommand({ PolicyArn: 'CodeBuildAccessPolicy' }))),
    ).toBeInstanceOf(InvalidInputException);
  });

  it('ListPolicies filters by Scope (Local, AWS, All), PathPrefix and OnlyAttached, and pages with Marker and MaxItems (IAM API Reference: ListPolicies)', async () => {
    await createAccessPolicy();
    await createPolicy(
      'CodeBuildServiceRolePolicy',
      JSON.stringify(serviceRolePolicy({ vpc: false })),
      '/codebuild/',
    );
    await createPolicy('Elsewhere', policyText(statement('Allow', 's3:GetObject')), '/other/');
    const names = async (input: ListPoliciesCommandInput) =>
      (await iam.send(new ListPoliciesCommand(input))).Policies?.map((policy) => policy.PolicyName);
    await expect(names({ Scope: 'Local' })).resolves.toEqual([
      'CodeBuildAccessPolicy',
      'CodeBuildServiceRolePolicy',
      'Elsewhere',
    ]);
    await expect(names({ Scope: 'Local', PathPrefix: '/codebuild/' })).resolves.toEqual([
      'CodeBuildAccessPolicy',
      'CodeBuildServiceRolePolicy',
    ]);
    const aws = await names({ Scope: 'AWS' });
    expect(aws).toContain('AWSCodeBuildDeveloperAccess');
    expect(aws).not.toContain('CodeBuildAccessPolicy');
    const all = await names({});
    expect(all).toEqual(expect.arrayContaining(['CodeBuildAccessPolicy', 'AWSCodeBuildDeveloperAccess']));
    // carol holds AmazonS3ReadOnlyAccess in the seed.
    await iam.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: ACCESS_ARN }));
    await expect(names({ OnlyAttached: true })).resolves.toEqual([
      'AmazonS3ReadOnlyAccess',
      'CodeBuildAccessPolicy',
    ]);
    const first = await iam.send(new ListPoliciesCommand({ Scope: 'Local', MaxItems: 2 }));
    expect(first).toMatchObject({ IsTruncated: true });
    const second = await iam.send(
      new ListPoliciesCommand({ Scope: 'Local', MaxItems: 2, Marker: first.Marker }),
    );
    expect(second.Policies?.map((p) => p.PolicyName)).toEqual(['Elsewhere']);
    expect(second.IsTruncated).toBe(false);
    expect(await rejection(iam.send(new ListPoliciesCommand({ Scope: 'Mine' as 'All' })))).toMatchObject({
      name: 'ValidationError',
    });
  });
});

describe('IAM attaching customer managed policies by ARN', () => {
  it('A user, a group and a role take a customer managed policy; ListAttached* name it and AttachmentCount counts them; Detach undoes it (IAM API Reference: AttachUserPolicy)', async () => {
    await createAccessPolicy();
    await createRole('team-build');
    await iam.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: ACCESS_ARN }));
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'qa', PolicyArn: ACCESS_ARN }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'team-build', PolicyArn: ACCESS_ARN }));
    const expected = [{ PolicyName: 'CodeBuildAccessPolicy', PolicyArn: ACCESS_ARN }];
    expect(
      (await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'alice' }))).AttachedPolicies,
    ).toEqual(expected);
    expect(
      (await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'qa' }))).AttachedPolicies,
    ).toEqual(expected);
    expect(
      (
        await iam.send(
          new ListAttachedRolePoliciesCommand({ RoleName: 'team-build', PathPrefix: '/codebuild/' }),
        )
      ).AttachedPolicies,
    ).toEqual(expected);
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: ACCESS_ARN }))).Policy?.AttachmentCount).toBe(3);
    await iam.send(new DetachUserPolicyCommand({ UserName: 'alice', PolicyArn: ACCESS_ARN }));
    await iam.send(new DetachGroupPolicyCommand({ GroupName: 'qa', PolicyArn: ACCESS_ARN }));
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'team-build', PolicyArn: ACCESS_ARN }));
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: ACCESS_ARN }))).Policy?.AttachmentCount).toBe(0);
    await expect(attachedTo('alice')).resolves.toEqual([]);
  });

  it('Attaching a customer policy ARN that does not exist, or exists at another path or in another account, fails with NoSuchEntity (IAM API Reference: AttachUserPolicy)', async () => {
    await createAccessPolicy();
    for (const arn of [
      POLICY_ARN('Nope'),
      POLICY_ARN('CodeBuildAccessPolicy'),
      'arn:aws:iam::444455556666:policy/codebuild/CodeBuildAccessPolicy',
    ]) {
      const error = await rejection(
        iam.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: arn })),
      );
      expect(error).toBeInstanceOf(NoSuchEntityException);
    }
    await expect(attachedTo('alice')).resolves.toEqual([]);
  });

  it('Customer managed policies count toward the 10 managed policies per principal: the 11th fails with LimitExceeded (IAM quotas)', async () => {
    const arns: string[] = [];
    for (let i = 0; i < 11; i++) {
      const created = await createPolicy(`P${i}`, policyText(statement('Allow', 's3:GetObject')));
      arns.push(created.Policy?.Arn ?? '');
    }
    for (const arn of arns.slice(0, 10)) {
      await iam.send(new AttachUserPolicyCommand({ UserName: 'bob', PolicyArn: arn }));
    }
    const error = await rejection(
      iam.send(new AttachUserPolicyCommand({ UserName: 'bob', PolicyArn: arns[10] })),
    );
    expect(error).toBeInstanceOf(IamLimitExceededException);
    await expect(attachedTo('bob')).resolves.toEqual(arns.slice(0, 10));
  });

  it('DeletePolicy fails with DeleteConflict while attached, while it is a boundary, and while it has other versions; then succeeds (IAM API Reference: DeletePolicy)', async () => {
    await createAccessPolicy();
    const remove = () => iam.send(new DeletePolicyCommand({ PolicyArn: ACCESS_ARN }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: ACCESS_ARN }));
    expect(await rejection(remove())).toBeInstanceOf(DeleteConflictException);
    await iam.send(new DetachUserPolicyCommand({ UserName: 'alice', PolicyArn: ACCESS_ARN }));
    await createRole('bounded', ACCESS_ARN);
    expect(await rejection(remove())).toBeInstanceOf(DeleteConflictException);
    await iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: 'bounded' }));
    await iam.send(
      new CreatePolicyVersionCommand({
        PolicyArn: ACCESS_ARN,
        PolicyDocument: policyText(statement('Allow', 's3:*')),
      }),
    );
    const versions = await rejection(remove());
    expect(versions).toBeInstanceOf(DeleteConflictException);
    expect((versions as Error).message).toContain('more than one version');
    await iam.send(new DeletePolicyVersionCommand({ PolicyArn: ACCESS_ARN, VersionId: 'v2' }));
    await remove();
    expect(await rejection(iam.send(new GetPolicyCommand({ PolicyArn: ACCESS_ARN })))).toBeInstanceOf(
      NoSuchEntityException,
    );
  });
});

describe('IAM permissions boundaries', () => {
  it('CreateRole with a customer managed boundary; GetRole reports it as PermissionsBoundaryPolicy and GetPolicy counts the use (IAM API Reference: CreateRole, GetRole)', async () => {
    const boundary =
      (
        await createPolicy(
          'CodeBuildServiceRoleBoundary',
          JSON.stringify(serviceRolePolicy({ vpc: true, accountId: ACCOUNT, region: REGION })),
          '/codebuild/',
        )
      ).Policy?.Arn ?? '';
    const created = await createRole('team-build', boundary);
    const expected = {
      PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
      PermissionsBoundaryArn: boundary,
    };
    expect(created.Role?.PermissionsBoundary).toEqual(expected);
    const got = await iam.send(new GetRoleCommand({ RoleName: 'team-build' }));
    expect(got.Role?.PermissionsBoundary).toEqual(expected);
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: boundary }))).Policy).toMatchObject({
      AttachmentCount: 0,
      PermissionsBoundaryUsageCount: 1,
    });
  });

  it('CreateRole with a boundary that does not exist fails with NoSuchEntity, a malformed one with InvalidInput, and creates no role (IAM API Reference: CreateRole)', async () => {
    expect(await rejection(createRole('team-build', POLICY_ARN('Missing', '/codebuild/')))).toBeInstanceOf(
      NoSuchEntityException,
    );
    expect(await rejection(createRole('team-build', 'CodeBuildServiceRoleBoundary'))).toBeInstanceOf(
      InvalidInputException,
    );
    expect(await rejection(iam.send(new GetRoleCommand({ RoleName: 'team-build' })))).toBeInstanceOf(
      NoSuchEntityException,
    );
    // An AWS managed policy is a valid boundary too.
    await expect(createRole('team-build', MANAGED('PowerUserAccess'))).resolves.toBeDefined();
  });

  it('ListRoles leaves the boundary out; only GetRole returns it (IAM API Reference: ListRoles)', async () => {
    await createAccessPolicy();
    await createRole('team-build', ACCESS_ARN);
    const listed = await iam.send(new ListRolesCommand({ PathPrefix: '/codebuild/' }));
    const role = listed.Roles?.find((candidate) => candidate.RoleName === 'team-build');
    expect(role?.Arn).toBe(ROLE_ARN('team-build', '/codebuild/'));
    expect(role?.PermissionsBoundary).toBeUndefined();
  });

  it('PutRolePermissionsBoundary sets or replaces the boundary (NoSuchEntity for a missing policy or role); DeleteRolePermissionsBoundary removes it (IAM API Reference)', async () => {
    await createAccessPolicy();
    await createRole('team-build');
    const put = (RoleName: string, PermissionsBoundary: string) =>
      iam.send(new PutRolePermissionsBoundaryCommand({ RoleName, PermissionsBoundary }));
    await put('team-build', ACCESS_ARN);
    expect(
      (await iam.send(new GetRoleCommand({ RoleName: 'team-build' }))).Role?.PermissionsBoundary
        ?.PermissionsBoundaryArn,
    ).toBe(ACCESS_ARN);
    expect(await rejection(put('team-build', POLICY_ARN('Missing')))).toBeInstanceOf(NoSuchEntityException);
    expect(await rejection(put('nobody', ACCESS_ARN))).toBeInstanceOf(NoSuchEntityException);
    await put('team-build', MANAGED('PowerUserAccess'));
    expect(
      (await iam.send(new GetRoleCommand({ RoleName: 'team-build' }))).Role?.PermissionsBoundary
        ?.PermissionsBoundaryArn,
    ).toBe(MANAGED('PowerUserAccess'));
    await iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: 'team-build' }));
    expect(
      (await iam.send(new GetRoleCommand({ RoleName: 'team-build' }))).Role?.PermissionsBoundary,
    ).toBeUndefined();
  });

  it('DeleteRole fails with DeleteConflict while a customer managed policy is attached, and deletes a role that still has a boundary (IAM API Reference: DeleteRole)', async () => {
    await createAccessPolicy();
    await createRole('team-build', ACCESS_ARN);
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'team-build', PolicyArn: ACCESS_ARN }));
    expect(await rejection(iam.send(new DeleteRoleCommand({ RoleName: 'team-build' })))).toBeInstanceOf(
      DeleteConflictException,
    );
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'team-build', PolicyArn: ACCESS_ARN }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'team-build' }));
    expect(
      (await iam.send(new GetPolicyCommand({ PolicyArn: ACCESS_ARN }))).Policy?.PermissionsBoundaryUsageCount,
    ).toBe(0);
  });
});

describe('IAM SimulatePrincipalPolicy with customer managed policies and boundaries', () => {
  it("evaluates an attached customer managed policy's default version, and follows SetDefaultPolicyVersion (IAM API Reference: SimulatePrincipalPolicy)", async () => {
    const arn =
      (
        await createPolicy(
          'Builds',
          policyText(statement('Allow', ['codebuild:StartBuild', 'codebuild:ListBuilds'])),
        )
      ).Policy?.Arn ?? '';
    await expect(decisions(USER_ARN('alice'), ['codebuild:StartBuild'])).resolves.toEqual({
      'codebuild:StartBuild': 'implicitDeny',
    });
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'developers', PolicyArn: arn }));
    await expect(
      decisions(USER_ARN('alice'), ['codebuild:StartBuild', 'codebuild:DeleteProject']),
    ).resolves.toEqual({
      'codebuild:StartBuild': 'allowed',
      'codebuild:DeleteProject': 'implicitDeny',
    });
    // v2 is not the default yet, so it changes nothing until it is.
    await iam.send(
      new CreatePolicyVersionCommand({
        PolicyArn: arn,
        PolicyDocument: policyText(statement('Allow', 'codebuild:ListBuilds')),
      }),
    );
    await expect(decisions(USER_ARN('alice'), ['codebuild:StartBuild'])).resolves.toEqual({
      'codebuild:StartBuild': 'allowed',
    });
    await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' }));
    await expect(
      decisions(USER_ARN('alice'), ['codebuild:StartBuild', 'codebuild:ListBuilds']),
    ).resolves.toEqual({
      'codebuild:StartBuild': 'implicitDeny',
      'codebuild:ListBuilds': 'allowed',
    });
  });

  it('A role is allowed an action only when its policies and its boundary both allow it, and an explicit deny wins (IAM User Guide: permissions boundaries)', async () => {
    const boundary =
      (
        await createPolicy(
          'Boundary',
          policyText(statement('Allow', ['logs:*', 's3:GetObject', 's3:PutObject'])),
        )
      ).Policy?.Arn ?? '';
    const identity =
      (
        await createPolicy(
          'Identity',
          policyText(
            statement('Allow', ['logs:CreateLogStream', 's3:GetObject', 'iam:CreateUser']),
            statement('Deny', 's3:GetObject'),
          ),
        )
      ).Policy?.Arn ?? '';
    await createRole('team-build', boundary);
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'team-build', PolicyArn: identity }));
    const actions = ['logs:CreateLogStream', 'iam:CreateUser', 's3:GetObject', 's3:PutObject'];
    await expect(decisions(ROLE_ARN('team-build', '/codebuild/'), actions)).resolves.toEqual({
      'logs:CreateLogStream': 'allowed',
      // The identity policy allows it, the boundary does not.
      'iam:CreateUser': 'implicitDeny',
      's3:GetObject': 'explicitDeny',
      // The boundary allows it, no identity policy does.
      's3:PutObject': 'implicitDeny',
    });
    await iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: 'team-build' }));
    await expect(decisions(ROLE_ARN('team-build', '/codebuild/'), ['iam:CreateUser'])).resolves.toEqual({
      'iam:CreateUser': 'allowed',
    });
  });
});

describe('the stack deployed into the sandbox', () => {
  const STACK = [
    {
      path: '/codebuild/',
      name: 'CodeBuildAccessPolicy',
      document: SEED_CUSTOM_ACCESS_POLICY,
      description: 'custom tier',
    },
    { path: '/codebuild/', name: 'CodeBuildServiceRolePolicy', document: serviceRolePolicy({ vpc: false }) },
    {
      path: '/codebuild/',
      name: 'CodeBuildServiceRoleVpcPolicy',
      document: serviceRolePolicy({ vpc: true, accountId: ACCOUNT, region: REGION }),
    },
  ];

  it('deployStackPolicies creates the policies, returns their ARNs in order, and changes nothing when run again after a restart', async () => {
    const arns = deployStackPolicies(store.account, STACK);
    expect(arns).toEqual(STACK.map((policy) => POLICY_ARN(policy.name, '/codebuild/')));
    store.saveIfChanged();
    openSandbox();
    const revision = store.account.revision;
    // Reformatting a document is not a change.
    const reformatted = STACK.map((policy) => ({ ...policy, document: JSON.stringify(policy.document) }));
    expect(deployStackPolicies(store.account, reformatted)).toEqual(arns);
    expect(store.account.revision).toBe(revision);
    const got = await iam.send(new GetPolicyCommand({ PolicyArn: arns[0] }));
    expect(got.Policy).toMatchObject({ Description: 'custom tier', DefaultVersionId: 'v1' });
  });

  it('A changed document becomes the new default version, the oldest other version going when all five are used, as a CloudFormation update does', async () => {
    const [access] = STACK;
    if (!access) throw new Error('no stack');
    deployStackPolicies(store.account, [access]);
    for (let n = 2; n <= 7; n++) {
      deployStackPolicies(store.account, [
        {
          ...access,
          document: policyText(statement('Allow', 's3:GetObject'), {
            Sid: `N${n}`,
            ...statement('Allow', 'logs:GetLogEvents'),
          }),
        },
      ]);
    }
    const listed = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: ACCESS_ARN }));
    expect(listed.Versions?.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([
      ['v7', true],
      ['v6', false],
      ['v5', false],
      ['v4', false],
      ['v3', false],
    ]);
  });

  it('deployStackPolicies refuses a policy that exists at another path, and an invalid document with the IAM error', () => {
    deployStackPolicies(store.account, [
      { name: 'CodeBuildAccessPolicy', document: SEED_CUSTOM_ACCESS_POLICY },
    ]);
    expect(() => deployStackPolicies(store.account, STACK)).toThrow(StackDeployError);
    expect(() => deployStackPolicies(store.account, [{ name: 'Broken', document: '{' }])).toThrow(
      IamMalformedPolicyDocumentException,
    );
  });
});

describe('persisted state with managed policies', () => {
  it('Policies, versions, attachments and boundaries are saved and reloaded exactly', async () => {
    await createAccessPolicy();
    await iam.send(
      new CreatePolicyVersionCommand({
        PolicyArn: ACCESS_ARN,
        PolicyDocument: policyText(statement('Allow', 's3:*')),
        SetAsDefault: true,
      }),
    );
    await iam.send(new DeletePolicyVersionCommand({ PolicyArn: ACCESS_ARN, VersionId: 'v1' }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'alice', PolicyArn: ACCESS_ARN }));
    await createRole('team-build', ACCESS_ARN);
    const reopened = SandboxStore.open(statePath);
    expect(reopened.account.toJSON()).toEqual(store.account.toJSON());
    const again = createSandboxClients(reopened).iam;
    await again.send(
      new CreatePolicyVersionCommand({
        PolicyArn: ACCESS_ARN,
        PolicyDocument: policyText(statement('Allow', 's3:GetObject')),
      }),
    );
    const listed = await again.send(new ListPolicyVersionsCommand({ PolicyArn: ACCESS_ARN }));
    expect(listed.Versions?.map((v) => v.VersionId)).toEqual(['v3', 'v2']);
    expect(
      (await again.send(new GetRoleCommand({ RoleName: 'team-build' }))).Role?.PermissionsBoundary
        ?.PermissionsBoundaryArn,
    ).toBe(ACCESS_ARN);
  });

  it('A state file from before managed policies were modelled loads with none', async () => {
    const old = JSON.parse(readFileSync(statePath, 'utf8')) as Record<string, unknown>;
    delete old.policies;
    writeFileSync(statePath, JSON.stringify(old));
    const reopened = SandboxStore.open(statePath);
    expect(reopened.account.policies.size).toBe(0);
    expect(reopened.account.findUser('alice')).toBeDefined();
  });

  it("A seed may give a policy as one document, and roles standing for the bot's own Lambda roles that attach it; a dangling policy ARN is refused", () => {
    const seed = {
      accountId: ACCOUNT,
      region: REGION,
      policies: [
        {
          name: 'ApplyFunctionPolicy',
          path: '/codebuild-access/',
          document: { Version: '2012-10-17', Statement: [statement('Allow', 'iam:AttachUserPolicy')] },
        },
      ],
      roles: [
        {
          name: 'codebuild-access-apply',
          assumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
            ],
          },
          attachedPolicyArns: [POLICY_ARN('ApplyFunctionPolicy', '/codebuild-access/')],
        },
      ],
    };
    const account = SandboxAccount.fromJSON(seed);
    const policy = account.findPolicy('ApplyFunctionPolicy');
    expect(policy).toMatchObject({ defaultVersionId: 'v1', nextVersionNumber: 2 });
    expect(account.attachmentCount(policy?.arn ?? '')).toBe(1);
    const dangling = { ...seed, policies: [] };
    expect(() => SandboxAccount.fromJSON(dangling)).toThrow(/unknown managed policy/);
  });
});
