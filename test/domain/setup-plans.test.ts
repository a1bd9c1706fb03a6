import type { IdentityTarget } from '../../src/domain/command';
import { ConflictError, QuotaExceededError, UsageError } from '../../src/domain/errors';
import { policyHash } from '../../src/domain/key-policy';
import {
  type AccountContext,
  describeOperation,
  heldTiers,
  type KeyFacts,
  manualCommand,
  type Operation,
  planGrant,
  planKmsAllow,
  planKmsCreate,
  planRevoke,
  planServiceRole,
  type RoleFacts,
} from '../../src/domain/plan';
import {
  CUSTOM_ACCESS_POLICY,
  codeBuildKeyStatements,
  defaultKeyPolicy,
  serviceRolePolicy,
  serviceRoleTrustPolicy,
} from '../../src/domain/policy-documents';
import { POLICY_ARNS } from '../../src/domain/tiers';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const account: AccountContext = { accountId: ACCOUNT, region: REGION, partition: 'aws', kmsKeyArns: [] };
const alice: IdentityTarget = { kind: 'user', name: 'alice', arn: `arn:aws:iam::${ACCOUNT}:user/alice` };
const qa: IdentityTarget = { kind: 'group', name: 'qa', arn: `arn:aws:iam::${ACCOUNT}:group/qa` };
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/codebuild/build`;
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const custom = JSON.stringify(CUSTOM_ACCESS_POLICY);

const big = (chars: number): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${'x'.repeat(chars)}` }],
  });

describe('planGrant custom', () => {
  it('puts CodeBuildUserAccessPolicy on a user, with an undo that deletes it', () => {
    const plan = planGrant(alice, 'custom', { attachedPolicyArns: [], inlinePolicies: {} });
    expect(plan.steps).toEqual([
      {
        id: 'put:CodeBuildUserAccessPolicy',
        do: {
          type: 'putInlinePolicy',
          principal: { kind: 'user', name: 'alice', arn: alice.arn },
          policyName: 'CodeBuildUserAccessPolicy',
          document: CUSTOM_ACCESS_POLICY,
        },
        undo: {
          type: 'deleteInlinePolicy',
          principal: { kind: 'user', name: 'alice', arn: alice.arn },
          policyName: 'CodeBuildUserAccessPolicy',
        },
      },
    ]);
    expect(plan.verification.expectAllowed).toEqual([
      'codebuild:ListBuilds',
      'codebuild:StartBuild',
      'logs:GetLogEvents',
      's3:GetObject',
    ]);
    expect(plan.details?.[0]).toMatch(/of 2,048 non-whitespace characters/);
  });

  it('uses CodeBuildGroupAccessPolicy and the group quota (5,120) on a group', () => {
    const plan = planGrant(qa, 'custom', { attachedPolicyArns: [], inlinePolicies: { Other: big(4000) } });
    expect(plan.steps[0]?.do).toMatchObject({ policyName: 'CodeBuildGroupAccessPolicy' });
    expect(() =>
      planGrant(alice, 'custom', { attachedPolicyArns: [], inlinePolicies: { Other: big(1700) } }),
    ).toThrow(QuotaExceededError);
  });

  it.each([
    ['a user', alice, 1700, 'IAM allows 2,048 for a user'],
    ['a group', qa, 4800, 'IAM allows 5,120 for a group'],
  ] as const)(
    'refuses %s over the inline quota, counting non-whitespace characters',
    (_label, target, size, text) => {
      expect(() =>
        planGrant(target, 'custom', { attachedPolicyArns: [], inlinePolicies: { Other: big(size) } }),
      ).toThrow(text);
    },
  );

  it('does not count white space, as IAM does not', () => {
    const spaced = big(1300)
      .split('{')
      .join(`{\n${' '.repeat(300)}`);
    // Counting its white space too, the total would be over the quota.
    expect(spaced.length + custom.length).toBeGreaterThan(2048);
    expect(() =>
      planGrant(alice, 'custom', { attachedPolicyArns: [], inlinePolicies: { Other: spaced } }),
    ).not.toThrow();
  });

  it('plans nothing when the same policy is already there (in any spelling)', () => {
    const plan = planGrant(alice, 'custom', {
      attachedPolicyArns: [],
      inlinePolicies: { CodeBuildUserAccessPolicy: JSON.stringify(CUSTOM_ACCESS_POLICY, null, 2) },
    });
    expect(plan.steps).toEqual([]);
    expect(plan.unchanged).toEqual([
      "CodeBuildUserAccessPolicy is already in place with the seed's statements",
    ]);
  });

  it('replaces a different policy of that name, warns, and undoes by putting the old one back', () => {
    const old = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow' as const, Action: 'codebuild:ListBuilds', Resource: '*' }],
    };
    const plan = planGrant(alice, 'custom', {
      attachedPolicyArns: [],
      inlinePolicies: { CodeBuildUserAccessPolicy: JSON.stringify(old) },
    });
    expect(plan.steps[0]?.undo).toMatchObject({ type: 'putInlinePolicy', document: old });
    expect(plan.warnings[0]).toContain('it will be replaced');
  });
});

describe('planRevoke and held tiers with custom', () => {
  it('deletes the custom policy, with an undo that puts the same document back', () => {
    const plan = planRevoke(alice, 'custom', {
      attachedPolicyArns: [],
      inlinePolicies: { CodeBuildUserAccessPolicy: custom },
    });
    expect(plan.steps.map((s) => [s.do.type, s.undo?.type])).toEqual([
      ['deleteInlinePolicy', 'putInlinePolicy'],
    ]);
    expect(plan.verification.expectDenied).toContain('codebuild:StartBuild');
  });

  it('plans nothing when the custom policy is absent', () => {
    const plan = planRevoke(alice, 'custom', { attachedPolicyArns: [], inlinePolicies: {} });
    expect(plan.steps).toEqual([]);
    expect(plan.unchanged).toEqual(['CodeBuildUserAccessPolicy is not on user alice']);
  });

  it('holds custom while its inline policy exists, and a developer revoke expects what custom allows to stay', () => {
    const facts = {
      attachedPolicyArns: [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly],
      inlinePolicies: { CodeBuildUserAccessPolicy: custom },
    };
    expect(heldTiers(facts, 'user')).toEqual(['developer', 'custom']);
    expect(heldTiers({ ...facts, inlinePolicies: { CodeBuildGroupAccessPolicy: custom } }, 'user')).toEqual([
      'developer',
    ]);
    const plan = planRevoke(alice, 'developer', facts);
    expect(plan.verification.expectAllowed).toContain('codebuild:StartBuild');
    expect(plan.verification.expectDenied).toEqual(['codebuild:BatchGetBuilds']);
  });
});

describe('planServiceRole', () => {
  const request = { roleName: 'build', vpc: false, projectPrefix: 'team-' };
  const trust = serviceRoleTrustPolicy({ accountId: ACCOUNT, region: REGION, projectPrefix: 'team-' });
  const existing = (overrides: Partial<RoleFacts> = {}): RoleFacts => ({
    arn: ROLE_ARN,
    path: '/codebuild/',
    trustPolicy: JSON.stringify(trust),
    inlinePolicies: { CodeBuildServiceRolePolicy: JSON.stringify(serviceRolePolicy({ vpc: false })) },
    ...overrides,
  });

  it('creates the role under /codebuild/ and then puts its policy; undo deletes both, policy first', () => {
    const plan = planServiceRole(request, account, undefined);
    const role = { kind: 'role', name: 'build', arn: ROLE_ARN };
    expect(plan.steps.map((s) => s.id)).toEqual(['create-role', 'put:CodeBuildServiceRolePolicy']);
    expect(plan.steps[0]).toMatchObject({
      do: { type: 'createRole', role, path: '/codebuild/', trustPolicy: trust },
      undo: { type: 'deleteRole', role },
    });
    expect(plan.steps[0]?.do).not.toHaveProperty('permissionsBoundaryArn');
    expect(plan.steps[1]?.undo).toEqual({
      type: 'deleteInlinePolicy',
      principal: role,
      policyName: 'CodeBuildServiceRolePolicy',
    });
    expect(plan.target).toEqual({ kind: 'role', name: 'build', arn: ROLE_ARN });
  });

  it('creates the role with the configured permissions boundary', () => {
    const boundary = `arn:aws:iam::${ACCOUNT}:policy/CodeBuildBoundary`;
    const plan = planServiceRole(request, { ...account, permissionsBoundaryArn: boundary }, undefined);
    expect(plan.steps[0]?.do).toMatchObject({ permissionsBoundaryArn: boundary });
  });

  it('plans nothing for a role that is exactly what was asked', () => {
    expect(planServiceRole(request, account, existing()).steps).toEqual([]);
  });

  it.each([
    ['another path', { path: '/' }, 'its path is /, not /codebuild/'],
    [
      'a trust policy without the conditions',
      {
        trustPolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'codebuild.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        }),
      },
      'trust policy: 1 statement(s) without a Sid exist only in the role, 1 only in the seed',
    ],
    [
      'an inline policy without the ECR statements',
      {
        inlinePolicies: {
          CodeBuildServiceRolePolicy: JSON.stringify({
            Version: '2012-10-17',
            Statement: serviceRolePolicy({ vpc: false }).Statement.filter((s) => !s.Sid?.startsWith('ECR')),
          }),
        },
      },
      "CodeBuildServiceRolePolicy: lacks the seed's statements: ECRPullPolicy, ECRAuthPolicy",
    ],
    ['no inline policy', { inlinePolicies: {} }, 'it has no inline CodeBuildServiceRolePolicy'],
  ] as const)(
    'reports a conflict for a role with %s, showing the difference',
    (_label, overrides, difference) => {
      expect(() => planServiceRole(request, account, existing(overrides as Partial<RoleFacts>))).toThrow(
        ConflictError,
      );
      expect(() => planServiceRole(request, account, existing(overrides as Partial<RoleFacts>))).toThrow(
        difference,
      );
    },
  );
});

describe('planKmsAllow', () => {
  const policyText = JSON.stringify(defaultKeyPolicy(ACCOUNT), null, 2);
  const key = (overrides: Partial<KeyFacts> = {}): KeyFacts => ({
    keyArn: KEY_ARN,
    keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
    state: 'Enabled',
    policyText,
    ...overrides,
  });
  const statements = codeBuildKeyStatements({ accountId: ACCOUNT, region: REGION, roleArn: ROLE_ARN });

  it('puts the merged policy, guarded by the hash of the policy read at plan time; the undo puts it back', () => {
    const plan = planKmsAllow({ roleName: 'build', roleArn: ROLE_ARN }, account, key());
    const step = plan.steps[0];
    expect(plan.steps).toHaveLength(1);
    expect(step?.do).toMatchObject({
      type: 'putKeyPolicy',
      keyArn: KEY_ARN,
      expectedHash: policyHash(policyText),
      policy: {
        ...defaultKeyPolicy(ACCOUNT),
        Statement: [...defaultKeyPolicy(ACCOUNT).Statement, ...statements],
      },
    });
    expect(step?.undo).toMatchObject({ type: 'putKeyPolicy', policy: defaultKeyPolicy(ACCOUNT) });
    expect(plan.verification.keyPolicy).toEqual({ key: KEY_ARN, statements });
  });

  it('plans nothing when the statements are already there', () => {
    const merged = {
      ...defaultKeyPolicy(ACCOUNT),
      Statement: [...defaultKeyPolicy(ACCOUNT).Statement, ...statements],
    };
    expect(
      planKmsAllow(
        { roleName: 'build', roleArn: ROLE_ARN },
        account,
        key({ policyText: JSON.stringify(merged) }),
      ).steps,
    ).toEqual([]);
  });

  it('refuses a Sid that exists with other content', () => {
    const conflicting = {
      ...defaultKeyPolicy(ACCOUNT),
      Statement: [...defaultKeyPolicy(ACCOUNT).Statement, { ...statements[1]!, Action: 'kms:*' }],
    };
    expect(() =>
      planKmsAllow(
        { roleName: 'build', roleArn: ROLE_ARN },
        account,
        key({ policyText: JSON.stringify(conflicting) }),
      ),
    ).toThrow(ConflictError);
  });

  it('refuses a policy that would exceed 32,768 bytes', () => {
    const filler = Array.from({ length: 200 }, (_, i) => ({
      Sid: `Filler${i}`,
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:DescribeKey',
      Resource: '*',
      Condition: { StringEquals: { 'kms:CallerAccount': ACCOUNT.repeat(5) } },
    }));
    const large = {
      ...defaultKeyPolicy(ACCOUNT),
      Statement: [...defaultKeyPolicy(ACCOUNT).Statement, ...filler],
    };
    expect(() =>
      planKmsAllow(
        { roleName: 'build', roleArn: ROLE_ARN },
        account,
        key({ policyText: JSON.stringify(large) }),
      ),
    ).toThrow(QuotaExceededError);
  });

  it('refuses a key outside KMS_KEY_ARNS, and a key that is not enabled', () => {
    expect(() =>
      planKmsAllow(
        { roleName: 'build', roleArn: ROLE_ARN },
        { ...account, kmsKeyArns: [`${KEY_ARN}0`] },
        key(),
      ),
    ).toThrow(UsageError);
    expect(() =>
      planKmsAllow({ roleName: 'build', roleArn: ROLE_ARN }, account, key({ state: 'PendingDeletion' })),
    ).toThrow('is PendingDeletion');
  });
});

describe('planKmsCreate', () => {
  it('creates the key, then the alias of "the new key"; undo schedules deletion in 7 days and deletes the alias', () => {
    const plan = planKmsCreate(
      { alias: 'alias/artifacts', roleName: 'build', roleArn: ROLE_ARN },
      account,
      undefined,
    );
    expect(plan.steps.map((s) => [s.do.type, s.undo])).toEqual([
      ['createKey', { type: 'scheduleKeyDeletion', keyArn: null, pendingWindowInDays: 7 }],
      ['createAlias', { type: 'deleteAlias', alias: 'alias/artifacts' }],
    ]);
    expect(plan.steps[1]?.do).toEqual({ type: 'createAlias', alias: 'alias/artifacts', keyArn: null });
  });

  it('refuses an alias that already names a key', () => {
    expect(() =>
      planKmsCreate({ alias: 'alias/artifacts', roleName: 'build', roleArn: ROLE_ARN }, account, KEY_ARN),
    ).toThrow('alias/artifacts already names key');
  });
});

describe('describeOperation and manualCommand for the setup operations', () => {
  const role = { kind: 'role' as const, name: 'build', arn: ROLE_ARN };
  it.each<[Operation, string, string]>([
    [
      { type: 'deleteInlinePolicy', principal: role, policyName: 'CodeBuildServiceRolePolicy' },
      'delete inline policy CodeBuildServiceRolePolicy from role build',
      'aws iam delete-role-policy --role-name build --policy-name CodeBuildServiceRolePolicy',
    ],
    [{ type: 'deleteRole', role }, 'delete role build', 'aws iam delete-role --role-name build'],
    [
      { type: 'scheduleKeyDeletion', keyArn: KEY_ARN, pendingWindowInDays: 7 },
      'schedule deletion of KMS key 1234abcd-12ab-34cd-56ef-1234567890ab in 7 days',
      `aws kms schedule-key-deletion --key-id ${KEY_ARN} --pending-window-in-days 7`,
    ],
    [
      { type: 'deleteAlias', alias: 'alias/a' },
      'delete alias alias/a',
      'aws kms delete-alias --alias-name alias/a',
    ],
    [
      { type: 'createAlias', alias: 'alias/a', keyArn: null },
      'create alias alias/a for the new key',
      'aws kms create-alias --alias-name alias/a --target-key-id <KEY_ID>',
    ],
  ])('%j', (op, description, command) => {
    expect(describeOperation(op)).toBe(description);
    expect(manualCommand(op)).toBe(command);
  });

  it('quotes documents for the shell in put commands', () => {
    const op: Operation = {
      type: 'putInlinePolicy',
      principal: { kind: 'user', name: 'alice', arn: alice.arn },
      policyName: 'CodeBuildUserAccessPolicy',
      document: CUSTOM_ACCESS_POLICY,
    };
    expect(manualCommand(op)).toBe(
      `aws iam put-user-policy --user-name alice --policy-name CodeBuildUserAccessPolicy --policy-document '${custom}'`,
    );
  });
});
