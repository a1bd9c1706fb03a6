import type { ChangeCommand } from '../../src/domain/command';
import { planGrant, planRevoke } from '../../src/domain/plans';
import type { AccessRequest } from '../../src/domain/request';
import { POLICY_ARNS } from '../../src/domain/tiers';
import { approvalCard, decidedCard } from '../../src/slack/blocks/approval-card';

const alice = { kind: 'user' as const, name: 'alice', arn: 'arn:aws:iam::111122223333:user/alice' };

const grantRequest = (command: ChangeCommand, tier: 'developer' | 'admin'): AccessRequest => {
  const plan = planGrant(alice, tier, { attachedPolicyArns: [POLICY_ARNS.s3ReadOnly] }, { customTier: '' });
  return {
    requestId: 'REQ-7K3QX9M2PA',
    version: 2,
    createdAt: '2026-11-28T10:00:00.000Z',
    requester: { userId: 'U0REQUESTER', teamId: 'T0' },
    channelId: 'C0',
    command,
    target: alice,
    status: 'awaiting_approval',
    plan,
    requiredApprovals: plan.requiredApprovals,
    approvals: [],
    completedSteps: [],
    events: [],
  };
};

const header = {
  type: 'header',
  text: { type: 'plain_text', text: 'CodeBuild access request REQ-7K3QX9M2PA' },
};
const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const context = (text: string) => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });
const field = (text: string) => ({ type: 'mrkdwn', text });
const buttons = {
  type: 'actions',
  block_id: 'decision',
  elements: [
    {
      type: 'button',
      action_id: 'approve_request',
      style: 'primary',
      text: { type: 'plain_text', text: 'Approve' },
      value: 'REQ-7K3QX9M2PA',
    },
    {
      type: 'button',
      action_id: 'deny_request',
      style: 'danger',
      text: { type: 'plain_text', text: 'Deny' },
      value: 'REQ-7K3QX9M2PA',
    },
  ],
};
const EXPIRES = '2026-11-29T10:00:00.000Z';
const EXPIRES_TOKEN = '<!date^1795946400^{date_short_pretty} at {time}|2026-11-29 10:00 UTC>';

describe('the approval card of a managed-tier grant', () => {
  it('shows who asked and why, the target ARN, what will change, what is already there, and the buttons', () => {
    const request = grantRequest(
      {
        action: 'grant',
        target: { kind: 'user', name: 'alice' },
        tier: 'developer',
        reason: 'on-call <!channel>',
      },
      'developer',
    );
    expect(approvalCard(request, EXPIRES)).toEqual([
      header,
      section('<@U0REQUESTER> asks to *grant developer for user:alice*.'),
      {
        type: 'section',
        fields: [
          field('*Target*\n`arn:aws:iam::111122223333:user/alice`'),
          field('*Reason*\non-call @channel'),
        ],
      },
      section('*Will change*\n• attach AWSCodeBuildDeveloperAccess to user alice'),
      context('Already in place: AmazonS3ReadOnlyAccess is already attached'),
      context(`Needs one approver other than the requester. Expires ${EXPIRES_TOKEN}.`),
      buttons,
    ]);
  });

  it('for admin, warns about IAMFullAccess and shows the approvals so far', () => {
    const request = {
      ...grantRequest({ action: 'grant', target: { kind: 'user', name: 'alice' }, tier: 'admin' }, 'admin'),
      approvals: [{ userId: 'U0APPROVER1', at: '2026-11-28T10:05:00.000Z' }],
    };
    const blocks = approvalCard(request, EXPIRES);
    expect(blocks).toContainEqual(
      section(
        ':warning: *admin includes IAMFullAccess: whoever holds it can give themselves any permission in this account. Two different approvers are required.*',
      ),
    );
    expect(blocks.at(-2)).toEqual(
      context(
        `Approvals: 1 of 2 (<@U0APPROVER1>). Needs 2 different approvers other than the requester. Expires ${EXPIRES_TOKEN}.`,
      ),
    );
    expect(blocks.at(-1)).toEqual(buttons);
  });

  it('for a time-bound grant, shows the limit before approval and the end once applied', () => {
    const request = grantRequest(
      {
        action: 'grant',
        target: { kind: 'user', name: 'alice' },
        tier: 'developer',
        durationSeconds: 28_800,
      },
      'developer',
    );
    expect(approvalCard(request, EXPIRES)[2]).toEqual({
      type: 'section',
      fields: [
        field('*Target*\n`arn:aws:iam::111122223333:user/alice`'),
        field('*Reason*\n_none given_'),
        field('*Time limit*\n8h from when it is applied, then revoked automatically'),
      ],
    });
    const applied = { ...request, accessExpiresAt: EXPIRES };
    expect(decidedCard(applied)[2]).toMatchObject({
      fields: expect.arrayContaining([
        field(`*Time limit*\nends ${EXPIRES_TOKEN}, then revoked automatically`),
      ]),
    });
  });

  it.each<[AccessRequest['status'], string]>([
    ['active', `ends ${EXPIRES_TOKEN}, then revoked automatically`],
    ['completed', `ended ${EXPIRES_TOKEN}, revoked automatically`],
    ['relinquished', `~ends ${EXPIRES_TOKEN}~ ended early: relinquished, and revoked then`],
    ['revoked_early', `~ends ${EXPIRES_TOKEN}~ ended early by a revoke`],
  ])(
    'for a time-bound grant that is %s, the time limit says how it stands, never contradicting the status',
    (status, line) => {
      const request: AccessRequest = {
        ...grantRequest(
          {
            action: 'grant',
            target: { kind: 'user', name: 'alice' },
            tier: 'developer',
            durationSeconds: 28_800,
          },
          'developer',
        ),
        accessExpiresAt: EXPIRES,
        status,
      };
      expect(decidedCard(request)[2]).toMatchObject({
        fields: expect.arrayContaining([field(`*Time limit*\n${line}`)]),
      });
    },
  );

  it('once decided, replaces the buttons with the decision and the reason', () => {
    const request: AccessRequest = {
      ...grantRequest(
        { action: 'grant', target: { kind: 'user', name: 'alice' }, tier: 'developer' },
        'developer',
      ),
      status: 'denied',
      decision: {
        outcome: 'denied',
        by: ['U0APPROVER1'],
        at: '2026-11-28T10:05:00.000Z',
        reason: 'not during the freeze',
      },
    };
    const blocks = decidedCard(request);
    expect(blocks.at(-1)).toEqual(section(':no_entry: Denied by <@U0APPROVER1>: not during the freeze'));
    expect(JSON.stringify(blocks)).not.toContain('approve_request');
  });
});

describe('the approval card of a revoke of a tier the target does not hold', () => {
  const carol = { kind: 'user' as const, name: 'carol', arn: 'arn:aws:iam::111122223333:user/carol' };
  const revokeRequest = (tier: 'readonly' | 'admin' | 'developer', attached: string[]): AccessRequest => {
    const plan = planRevoke(carol, tier, { attachedPolicyArns: attached }, { customTier: '' });
    return {
      requestId: 'REQ-7K3QX9M2PA',
      version: 2,
      createdAt: '2026-11-28T10:00:00.000Z',
      requester: { userId: 'U0REQUESTER', teamId: 'T0' },
      channelId: 'C0',
      command: { action: 'revoke', target: { kind: 'user', name: 'carol' }, tier },
      target: carol,
      status: 'awaiting_approval',
      plan,
      requiredApprovals: plan.requiredApprovals,
      approvals: [],
      completedSteps: [],
      events: [],
    };
  };

  it('warns which policies no grant attached, and Approve asks to confirm detaching exactly those', () => {
    const blocks = approvalCard(revokeRequest('readonly', [POLICY_ARNS.s3ReadOnly]), EXPIRES);
    expect(blocks).toEqual([
      header,
      section('<@U0REQUESTER> asks to *revoke readonly for user:carol*.'),
      {
        type: 'section',
        fields: [field('*Target*\n`arn:aws:iam::111122223333:user/carol`'), field('*Reason*\n_none given_')],
      },
      section('*Will change*\n• detach AmazonS3ReadOnlyAccess from user carol'),
      context('Already in place: AWSCodeBuildReadOnlyAccess is not attached'),
      section(
        ':warning: *user carol does not hold the readonly tier (AWSCodeBuildReadOnlyAccess is not attached), so no ' +
          'readonly grant attached AmazonS3ReadOnlyAccess: it was attached for another reason. Approving ' +
          'detaches it anyway; approve only if you mean to remove it.*',
      ),
      context(`Needs one approver other than the requester. Expires ${EXPIRES_TOKEN}.`),
      {
        ...buttons,
        elements: [
          {
            ...buttons.elements[0],
            confirm: {
              title: { type: 'plain_text', text: 'Detach policies the bot never granted?' },
              text: {
                type: 'plain_text',
                text:
                  'user carol does not hold the readonly tier, so the bot never granted AmazonS3ReadOnlyAccess ' +
                  'for it. Approving detaches it anyway.',
              },
              confirm: { type: 'plain_text', text: 'Detach anyway' },
              deny: { type: 'plain_text', text: 'Cancel' },
              style: 'danger',
            },
          },
          buttons.elements[1],
        ],
      },
    ]);
  });

  it('for admin, the confirm names both IAMFullAccess and AmazonS3ReadOnlyAccess', () => {
    const blocks = approvalCard(
      revokeRequest('admin', [POLICY_ARNS.s3ReadOnly, POLICY_ARNS.iamFull]),
      EXPIRES,
    );
    expect(blocks.at(-1)).toMatchObject({
      elements: [
        {
          action_id: 'approve_request',
          confirm: {
            text: {
              type: 'plain_text',
              text:
                'user carol does not hold the admin tier, so the bot never granted AmazonS3ReadOnlyAccess or ' +
                'IAMFullAccess for it. Approving detaches them anyway.',
            },
          },
        },
        { action_id: 'deny_request' },
      ],
    });
  });

  it('asks for no confirmation when the target holds the tier it loses', () => {
    const blocks = approvalCard(
      revokeRequest('developer', [POLICY_ARNS.s3ReadOnly, POLICY_ARNS.codeBuildDeveloper]),
      EXPIRES,
    );
    expect(blocks.at(-1)).toEqual(buttons);
  });
});
