import type { IdentityTarget } from '../../src/domain/command';
import { ConflictError, QuotaExceededError, UsageError } from '../../src/domain/errors';
import { policyHash } from '../../src/domain/key-policy';
import {
  type AccountContext,
  accountContextFor,
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
} from '../../src/domain/plans';
import {
  BOT_KEY_SIDS,
  codeBuildKeyStatements,
  defaultKeyPolicy,
  SEED_CUSTOM_ACCESS_POLICY,
  serviceRolePolicy,
  serviceRoleTrustPolicy,
} from '../../src/domain/seed-policies';
import { POLICY_ARNS } from '../../src/domain/tiers';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const account: AccountContext = accountContextFor({
  accountId: ACCOUNT,
  region: REGION,
  partition: 'aws',
  stage: 'test',
});
const CUSTOM_ARN = `arn:aws:iam::${ACCOUNT}:policy/codebuild-access/CodeBuildAccessPolicy-test`;
const SERVICE_POLICY_ARN = `arn:aws:iam::${ACCOUNT}:policy/codebuild-access/CodeBuildServiceRolePolicy-test`;
const BOUNDARY_ARN = `arn:aws:iam::${ACCOUNT}:policy/codebuild-access/CodeBuildServiceRoleBoundary-test`;
const stack = account.stackPolicies;
const alice: IdentityTarget = { kind: 'user', name: 'alice', arn: `arn:aws:iam::${ACCOUNT}:user/alice` };
const qa: IdentityTarget = { kind: 'group', name: 'qa', arn: `arn:aws:iam::${ACCOUNT}:group/qa` };
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/codebuild/build`;
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const legacyCustom = JSON.stringify(SEED_CUSTOM_ACCESS_POLICY);

describe('planGrant custom', () => {
  it("attaches the stack's CodeBuildAccessPolicy by ARN, with an undo that detaches it, and needs two approvers", () => {
    const plan = planGrant(alice, 'custom', { attachedPolicyArns: [], inlinePolicies: {} }, stack);
    const principal = { kind: 'user', name: 'alice', arn: alice.arn };
    expect(stack.customTier).toBe(CUSTOM_ARN);
    expect(plan.steps).toEqual([
      {
        id: 'attach:CodeBuildAccessPolicy-test',
        do: { type: 'attachPolicy', principal, policyArn: CUSTOM_ARN },
        undo: { type: 'detachPolicy', principal, policyArn: CUSTOM_ARN },
      },
    ]);
    expect(plan.requiredApprovals).toBe(2);
    expect(plan.warnings[0]).toMatch(/iam:PassRole to CodeBuild.*Two different approvers are required/);
    expect(plan.verification.expectAllowed).toEqual([
      'codebuild:ListBuilds',
      'codebuild:StartBuild',
      'logs:GetLogEvents',
      's3:GetObject',
    ]);
  });

  it('works the same on a group and counts the managed-policy quota', () => {
    const plan = planGrant(qa, 'custom', { attachedPolicyArns: [] }, stack);
    expect(plan.steps[0]?.do).toMatchObject({
      principal: { kind: 'group', name: 'qa' },
      policyArn: CUSTOM_ARN,
    });
    const full = Array.from({ length: 10 }, (_, i) => `arn:aws:iam::${ACCOUNT}:policy/p${i}`);
    expect(() => planGrant(qa, 'custom', { attachedPolicyArns: full }, stack)).toThrow(QuotaExceededError);
  });

  it('plans nothing when CodeBuildAccessPolicy is already attached', () => {
    const plan = planGrant(alice, 'custom', { attachedPolicyArns: [CUSTOM_ARN] }, stack);
    expect(plan.steps).toEqual([]);
    expect(plan.unchanged).toEqual(['CodeBuildAccessPolicy-test is already attached']);
  });

  it('never writes a document, and says a legacy inline policy is still there', () => {
    const plan = planGrant(
      alice,
      'custom',
      { attachedPolicyArns: [], inlinePolicies: { CodeBuildUserAccessPolicy: legacyCustom } },
      stack,
    );
    expect(plan.steps.map((step) => step.do.type)).toEqual(['attachPolicy']);
    expect(plan.details?.[0]).toContain('legacy inline CodeBuildUserAccessPolicy');
  });
});

describe('planRevoke and held tiers with custom', () => {
  it('detaches CodeBuildAccessPolicy, with an undo that attaches it again', () => {
    const plan = planRevoke(alice, 'custom', { attachedPolicyArns: [CUSTOM_ARN], inlinePolicies: {} }, stack);
    expect(plan.steps.map((s) => [s.do.type, s.undo?.type])).toEqual([['detachPolicy', 'attachPolicy']]);
    expect(plan.verification.expectDenied).toContain('codebuild:StartBuild');
  });

  it('deletes a legacy inline custom policy last, with no undo (nothing may write it back), and warns', () => {
    const plan = planRevoke(
      alice,
      'custom',
      { attachedPolicyArns: [CUSTOM_ARN], inlinePolicies: { CodeBuildUserAccessPolicy: legacyCustom } },
      stack,
    );
    expect(plan.steps.map((s) => [s.do.type, s.undo?.type ?? null])).toEqual([
      ['detachPolicy', 'attachPolicy'],
      ['deleteInlinePolicy', null],
    ]);
    expect(plan.warnings[0]).toContain('cannot put it back');
  });

  it('plans nothing when custom is not held', () => {
    const plan = planRevoke(alice, 'custom', { attachedPolicyArns: [], inlinePolicies: {} }, stack);
    expect(plan.steps).toEqual([]);
    expect(plan.unchanged).toEqual(['CodeBuildAccessPolicy-test is not attached']);
  });

  it('holds custom while its managed or legacy inline policy exists, and a developer revoke expects what custom allows to stay', () => {
    const facts = {
      attachedPolicyArns: [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly],
      inlinePolicies: { CodeBuildUserAccessPolicy: legacyCustom },
    };
    expect(heldTiers(facts, 'user', stack)).toEqual(['developer', 'custom']);
    expect(
      heldTiers({ ...facts, inlinePolicies: { CodeBuildGroupAccessPolicy: legacyCustom } }, 'user', stack),
    ).toEqual(['developer']);
    expect(heldTiers({ attachedPolicyArns: [CUSTOM_ARN] }, 'group', stack)).toEqual(['custom']);
    const plan = planRevoke(alice, 'developer', facts, stack);
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
    permissionsBoundaryArn: BOUNDARY_ARN,
    attachedPolicyArns: [SERVICE_POLICY_ARN],
    inlinePolicies: {},
    ...overrides,
  });

  it('creates the role under /codebuild/ with the stack boundary, then attaches the stack policy; undo detaches, then deletes', () => {
    const plan = planServiceRole(request, account, undefined);
    const role = { kind: 'role', name: 'build', arn: ROLE_ARN };
    expect(plan.steps.map((s) => s.id)).toEqual(['create-role', 'attach:CodeBuildServiceRolePolicy-test']);
    expect(plan.steps[0]).toMatchObject({
      do: {
        type: 'createRole',
        role,
        path: '/codebuild/',
        trustPolicy: trust,
        permissionsBoundaryArn: BOUNDARY_ARN,
      },
      undo: { type: 'deleteRole', role },
    });
    expect(plan.steps[1]).toEqual({
      id: 'attach:CodeBuildServiceRolePolicy-test',
      do: { type: 'attachPolicy', principal: role, policyArn: SERVICE_POLICY_ARN },
      undo: { type: 'detachPolicy', principal: role, policyArn: SERVICE_POLICY_ARN },
    });
    expect(plan.target).toEqual({ kind: 'role', name: 'build', arn: ROLE_ARN });
  });

  it('attaches the VPC variant for --vpc', () => {
    const plan = planServiceRole({ ...request, vpc: true }, account, undefined);
    expect(plan.steps[1]?.do).toMatchObject({ policyArn: stack.serviceRoleVpc });
  });

  it("creates the role with the operator's permissions boundary when one is configured", () => {
    const boundary = `arn:aws:iam::${ACCOUNT}:policy/CodeBuildBoundary`;
    const plan = planServiceRole(request, { ...account, permissionsBoundaryArn: boundary }, undefined);
    expect(plan.steps[0]?.do).toMatchObject({ permissionsBoundaryArn: boundary });
  });

  it('plans nothing for a role that is exactly what was asked', () => {
    expect(planServiceRole(request, account, existing()).steps).toEqual([]);
  });

  it('accepts a role an earlier version made with the seed policy inline', () => {
    const legacy = existing({
      attachedPolicyArns: [],
      inlinePolicies: { CodeBuildServiceRolePolicy: JSON.stringify(serviceRolePolicy({ vpc: false })) },
    });
    expect(planServiceRole(request, account, legacy).steps).toEqual([]);
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
      'a legacy inline policy without the ECR statements',
      {
        attachedPolicyArns: [],
        inlinePolicies: {
          CodeBuildServiceRolePolicy: JSON.stringify({
            Version: '2012-10-17',
            Statement: serviceRolePolicy({ vpc: false }).Statement.filter((s) => !s.Sid?.startsWith('ECR')),
          }),
        },
      },
      "CodeBuildServiceRolePolicy: lacks the seed's statements: ECRPullPolicy, ECRAuthPolicy",
    ],
    ['no policy', { attachedPolicyArns: [] }, 'it does not have CodeBuildServiceRolePolicy-test attached'],
    ['no boundary', { permissionsBoundaryArn: undefined }, 'its permissions boundary is none'],
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

  it("names the bot's own roles in the new key's policy, so no tag-based permission is needed", () => {
    const plan = planKmsCreate(
      { alias: 'alias/artifacts', roleName: 'build', roleArn: ROLE_ARN },
      account,
      undefined,
    );
    const op = plan.steps[0]?.do as Extract<Operation, { type: 'createKey' }>;
    const bySid = new Map(op.policy.Statement.map((statement) => [statement.Sid, statement]));
    expect(bySid.get(BOT_KEY_SIDS.rollback)).toMatchObject({
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/codebuild-access/codebuild-access-test-rollback` },
      Action: ['kms:PutKeyPolicy', 'kms:DeleteAlias', 'kms:ScheduleKeyDeletion'],
    });
    expect(bySid.get(BOT_KEY_SIDS.apply)).toMatchObject({ Action: ['kms:PutKeyPolicy', 'kms:CreateAlias'] });
    expect(bySid.has('Enable IAM User Permissions')).toBe(true);
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

  it('quotes documents for the shell in create commands', () => {
    const trust = serviceRoleTrustPolicy({ accountId: ACCOUNT, region: REGION, projectPrefix: 'team-' });
    const op: Operation = {
      type: 'createRole',
      role: { kind: 'role', name: 'build', arn: ROLE_ARN },
      path: '/codebuild/',
      trustPolicy: trust,
      description: 'd',
      permissionsBoundaryArn: BOUNDARY_ARN,
    };
    expect(manualCommand(op)).toBe(
      `aws iam create-role --role-name build --path /codebuild/ --assume-role-policy-document '${JSON.stringify(trust)}' --permissions-boundary ${BOUNDARY_ARN}`,
    );
  });
});
