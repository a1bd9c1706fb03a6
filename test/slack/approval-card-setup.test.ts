import type { ChangeCommand } from '../../src/domain/command';
import {
  accountContextFor,
  type ChangePlan,
  planKmsAllow,
  planRevoke,
  planServiceRole,
} from '../../src/domain/plans';
import type { AccessRequest } from '../../src/domain/request';
import {
  codeBuildKeyStatements,
  defaultKeyPolicy,
  SEED_CUSTOM_ACCESS_POLICY,
} from '../../src/domain/seed-policies';
import { approvalCard } from '../../src/slack/blocks/approval-card';

const A = '111122223333';
const account = accountContextFor({ accountId: A, region: 'us-east-1', partition: 'aws', stage: 'dev' });
const roleArn = `arn:aws:iam::${A}:role/codebuild/payments-build`;
const keyId = '1234abcd-12ab-34cd-56ef-1234567890ab';

const request = (command: ChangeCommand, plan: ChangePlan): AccessRequest => ({
  requestId: 'REQ-7K3QX9M2PA',
  version: 2,
  createdAt: '2026-11-28T10:00:00.000Z',
  requester: { userId: 'U0REQUESTER', teamId: 'T0' },
  channelId: 'C0',
  command,
  target: plan.target,
  status: 'awaiting_approval',
  plan,
  requiredApprovals: 1,
  approvals: [],
  completedSteps: [],
  events: [],
});

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const context = (text: string) => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });
const fence = '```';
const line = (value: unknown) => JSON.stringify(value);

describe('approval card for the setup operations', () => {
  it('shows a key policy change as the statements added and the statements kept', () => {
    const admin = {
      Sid: 'Allow access for Key Administrators',
      Effect: 'Allow' as const,
      Principal: { AWS: `arn:aws:iam::${A}:role/KeyAdmin` },
      Action: ['kms:Create*', 'kms:Describe*'],
      Resource: '*',
    };
    const before = { ...defaultKeyPolicy(A), Statement: [...defaultKeyPolicy(A).Statement, admin] };
    const plan = planKmsAllow({ roleName: 'payments-build', roleArn }, account, {
      keyArn: `arn:aws:kms:us-east-1:${A}:key/${keyId}`,
      keyId,
      state: 'Enabled',
      policyText: JSON.stringify(before),
    });
    const blocks = approvalCard(
      request({ action: 'kms-allow', key: 'alias/codebuild-artifacts', roleName: 'payments-build' }, plan),
      '2026-11-29T10:00:00.000Z',
    );
    const [s3, role] = codeBuildKeyStatements({ accountId: A, region: 'us-east-1', roleArn });

    expect(blocks.slice(1, 7)).toEqual([
      section('<@U0REQUESTER> asks to *allow role payments-build to use KMS key alias/codebuild-artifacts*.'),
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Target*\n\`arn:aws:kms:us-east-1:${A}:key/${keyId}\`` },
          { type: 'mrkdwn', text: '*Reason*\n_none given_' },
        ],
      },
      section(`*Will change*\n• update the key policy of KMS key ${keyId}`),
      section(`*Key policy: statements added* (2)\n${fence}${line(s3)}\n${line(role)}${fence}`),
      context('Kept unchanged (2): "Enable IAM User Permissions", "Allow access for Key Administrators".'),
      context(
        'Every existing statement is kept (2); the policy grows to 1,015 of 32,768 bytes.\n' +
          `Policy hash approved: ${plan.steps[0]?.do.type === 'putKeyPolicy' ? plan.steps[0].do.expectedHash.slice(0, 12) : ''}… ` +
          'If the key policy changes before apply, nothing is written.',
      ),
    ]);
  });

  it('shows the trust policy, the attached stack policy and the boundary of a new service role', () => {
    const plan = planServiceRole(
      { roleName: 'payments-build', vpc: false, projectPrefix: 'payments-' },
      account,
      undefined,
    );
    const blocks = approvalCard(
      request(
        { action: 'service-role', roleName: 'payments-build', vpc: false, projectPrefix: 'payments-' },
        plan,
      ),
      '2026-11-29T10:00:00.000Z',
    );
    const texts = blocks.map((b) => JSON.stringify(b));

    expect(blocks[1]).toEqual(
      section('<@U0REQUESTER> asks to *create service role payments-build for projects named payments-…*.'),
    );
    expect(blocks[4]).toEqual(
      section(
        `*Trust policy of payments-build*\n${fence}${line(plan.steps[0]?.do.type === 'createRole' ? plan.steps[0].do.trustPolicy.Statement[0] : '')}${fence}`,
      ),
    );
    expect(blocks[3]).toEqual(
      section(
        '*Will change*\n• create role /codebuild/payments-build trusted by codebuild.amazonaws.com (boundary CodeBuildServiceRoleBoundary-dev)\n' +
          '• attach CodeBuildServiceRolePolicy-dev to role payments-build',
      ),
    );
    expect(texts.join('\n')).toContain(
      `Permissions boundary: arn:aws:iam::${A}:policy/codebuild-access/CodeBuildServiceRoleBoundary-dev.`,
    );
    expect(texts.join('\n')).not.toContain('Inline policy');
  });

  it('shows what a custom revoke detaches and deletes (a legacy inline policy)', () => {
    const alice = { kind: 'user' as const, name: 'alice', arn: `arn:aws:iam::${A}:user/alice` };
    const plan = planRevoke(
      alice,
      'custom',
      {
        attachedPolicyArns: [account.stackPolicies.customTier],
        inlinePolicies: { CodeBuildUserAccessPolicy: JSON.stringify(SEED_CUSTOM_ACCESS_POLICY) },
      },
      account.stackPolicies,
    );
    const blocks = approvalCard(
      request({ action: 'revoke', target: { kind: 'user', name: 'alice' }, tier: 'custom' }, plan),
      '2026-11-29T10:00:00.000Z',
    );

    expect(blocks[3]).toEqual(
      section(
        '*Will change*\n• detach CodeBuildAccessPolicy-dev from user alice\n' +
          '• delete inline policy CodeBuildUserAccessPolicy from user alice',
      ),
    );
  });
});
