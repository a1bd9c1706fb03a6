import type { ChangeCommand } from '../../src/domain/command';
import type { CardStatus, Notice, StepLeft, UndoLine } from '../../src/domain/notices';
import type { ChangePlan, Operation, PlanStep } from '../../src/domain/plan';
import type { PolicyDocument, PolicyStatement } from '../../src/domain/policy-documents';
import type { AccessRequest } from '../../src/domain/request';
import { ALL_TIERS } from '../../src/domain/tiers';
import { denyModal } from '../../src/slack/blocks/deny-modal';
import { rulesText } from '../../src/slack/blocks/rules-text';
import { slackWording } from '../../src/slack/blocks/wording';
import { messageViolations, viewViolations } from '../helpers/block-kit-limits';

/*
 * Worst cases, well past what the command parser lets through (its reason limit is 300), so that a
 * builder passes here only because it caps, not because today's inputs happen to be short.
 */
const A = '111122223333';
const LONG = (n: number, unit = 'x') => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
const ROLE = `build-${LONG(58, 'r')}`; // IAM's longest role name: 64 characters
const USERS = Array.from({ length: 120 }, (_, i) => `U0APPROVER${String(i).padStart(3, '0')}`);
const EXPIRES = '2026-11-29T10:00:00.000Z';
const REQ = 'REQ-7K3QX9M2PA';
const target = {
  kind: 'user' as const,
  name: LONG(64, 'alice'),
  arn: `arn:aws:iam::${A}:user/${LONG(400, 'path/')}/${LONG(64, 'alice')}`,
};
const principal = { kind: 'user' as const, name: target.name, arn: target.arn };

const statement = (i: number): PolicyStatement => ({
  Sid: `Statement${i}${LONG(40, 's')}`,
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${A}:role/${ROLE}` },
  Action: ['kms:Decrypt', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
  Resource: '*',
});
const doc = (from: number, count: number): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: Array.from({ length: count }, (_, i) => statement(from + i)),
});

const ops: Operation[] = [
  ...Array.from(
    { length: 40 },
    (_, i): Operation => ({
      type: 'attachPolicy',
      principal,
      policyArn: `arn:aws:iam::${A}:policy/${LONG(100, 'p/')}/Policy${i}${LONG(60, 'n')}`,
    }),
  ),
  // A kms plan with many statements: 300 kept, 200 added.
  {
    type: 'putKeyPolicy',
    keyArn: `arn:aws:kms:us-east-1:${A}:key/k`,
    policy: doc(0, 500),
    previous: doc(0, 300),
    expectedHash: 'h',
  },
  ...Array.from(
    { length: 30 },
    (_, i): Operation => ({
      type: 'createKey',
      alias: `alias/${ROLE}-${i}`,
      policy: doc(0, 50),
      description: 'd',
    }),
  ),
];
const steps: PlanStep[] = ops.map((op, i) => ({ id: `s${i}`, do: op, undo: null }));

const hugePlan: ChangePlan = {
  summary: `grant admin for ${target.name} ${LONG(3000)}`,
  target,
  steps,
  unchanged: Array.from({ length: 200 }, (_, i) => `Policy${i}${LONG(40)} is already attached`),
  warnings: Array.from({ length: 60 }, (_, i) => `warning ${i}: ${LONG(4000, 'w')}`),
  detachesUngranted: {
    tier: 'custom',
    policyArns: Array.from({ length: 40 }, (_, i) => `arn:aws:iam::${A}:policy/Ungranted${i}${LONG(80)}`),
  },
  details: Array.from({ length: 300 }, (_, i) => `detail ${i}: ${LONG(100, 'd')}`),
  requiredApprovals: 12,
  verification: { principalArn: target.arn, expectAllowed: [], expectDenied: [] },
};

const command: ChangeCommand = {
  action: 'grant',
  tier: 'admin',
  target: { kind: 'user', name: target.name },
  durationSeconds: 8 * 3600,
  reason: `on-call ${LONG(5000, 'because ')}`,
};

const request = (over: Partial<AccessRequest> = {}): AccessRequest => ({
  requestId: REQ,
  version: 2,
  createdAt: '2026-11-28T10:00:00.000Z',
  requester: { userId: 'U0REQUESTER', teamId: 'T0' },
  channelId: 'C0',
  command,
  target,
  status: 'awaiting_approval',
  plan: hugePlan,
  requiredApprovals: 12,
  approvals: USERS.slice(0, 11).map((userId) => ({ userId, at: EXPIRES })),
  completedSteps: [],
  events: [],
  ...over,
});

const blockTexts = (blocks: unknown[] | undefined): string => JSON.stringify(blocks ?? []);

describe('the checker of Slack limits', () => {
  it('finds each kind of limit a payload can break', () => {
    const found = messageViolations({
      text: LONG(4001),
      blocks: [
        ...Array.from({ length: 50 }, () => ({ type: 'divider' })),
        { type: 'header', text: { type: 'plain_text', text: LONG(151) } },
        {
          type: 'actions',
          block_id: LONG(256),
          elements: [
            { type: 'button', action_id: 'a', text: { type: 'plain_text', text: LONG(76) }, value: 'v' },
          ],
        },
        { type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) },
        { type: 'rich_text', elements: [] },
      ],
    });
    expect(found).toEqual([
      'text: 4001 characters > 4000',
      'blocks: 54 blocks > 50',
      'blocks[50].text: 151 characters > 150',
      'blocks[51].block_id: 256 characters > 255',
      'blocks[51].elements[0].text: 76 characters > 75',
      'blocks[52].fields: 11 items > 10',
      'blocks[53]: block type rich_text is not checked',
    ]);
    expect(
      viewViolations({
        type: 'modal',
        title: { type: 'plain_text', text: LONG(25) },
        private_metadata: LONG(3001),
        blocks: [
          { type: 'input', label: { type: 'plain_text', text: 'x' }, element: { type: 'plain_text_input' } },
        ],
      }),
    ).toEqual([
      'private_metadata: 3001 characters > 3000',
      'title: 25 characters > 24',
      'submit: a modal with inputs needs one',
    ]);
  });
});

describe('every card the bot posts stays within Slack limits, with worst-case input', () => {
  it('the approval card of a huge plan, a 5,000-character reason and 11 of 12 approvals', () => {
    const card = slackWording.approvalCard(request(), EXPIRES);
    expect(messageViolations(card)).toEqual([]);
    const text = blockTexts(card.blocks);
    // Truncation is visible: lists say how much they left out, and the buttons are still there.
    expect(text).toMatch(/… and \d+ more/);
    expect(text).toMatch(/and \d+ more blocks of this plan; the full plan is in the thread/);
    expect(card.blocks?.at(-1)).toMatchObject({ type: 'actions', block_id: 'decision' });
  });

  it.each<[string, Partial<AccessRequest>]>([
    [
      'approved by many',
      { status: 'completed', decision: { outcome: 'approved', by: USERS.slice(0, 40), at: EXPIRES } },
    ],
    [
      'denied with a long reason',
      {
        status: 'denied',
        decision: { outcome: 'denied', by: USERS.slice(0, 40), at: EXPIRES, reason: LONG(5000, 'no ') },
      },
    ],
    ['expired', { status: 'expired', decision: { outcome: 'expired', by: [], at: EXPIRES } }],
    ['failed at planning', { status: 'failed', plan: hugePlan }],
  ])('the closed card (%s), for every status line', (_name, over) => {
    const statuses: CardStatus[] = [
      { kind: 'completed', active: true },
      { kind: 'completed', active: false },
      { kind: 'unverified' },
      { kind: 'failed', nothingChanged: true },
      { kind: 'failed', nothingChanged: false },
      { kind: 'no_change' },
      { kind: 'denied' },
      { kind: 'expired' },
      { kind: 'time_limit', outcome: 'revoked' },
      { kind: 'time_limit', outcome: 'revoked_early', endedBy: REQ },
      { kind: 'time_limit', outcome: 'failed' },
    ];
    for (const status of statuses) {
      const card = slackWording.closedCard(request(over), status, {
        rule: 'readonly',
        source: 'access-rules.yml',
      });
      expect(messageViolations(card)).toEqual([]);
      expect(card.blocks?.at(-1)).toMatchObject({ type: 'context' });
    }
  });

  it('the auto-approved card', () => {
    const card = slackWording.autoApprovedCard(request(), {
      rule: LONG(500, 'rule'),
      source: 'access-rules.yml',
    });
    expect(messageViolations(card)).toEqual([]);
  });
});

describe('every view the bot opens stays within Slack limits', () => {
  it('the deny modal', () => {
    expect(viewViolations(denyModal(REQ))).toEqual([]);
  });
});

const undoLines: UndoLine[] = Array.from({ length: 80 }, (_, i) => ({
  kind: 'not_revoked',
  description: `detach Policy${i} from user ${target.name}`,
  command: `aws iam detach-user-policy --user-name ${target.name} --policy-arn arn:aws:iam::${A}:policy/Policy${i}`,
}));
const stepsLeft: StepLeft[] = Array.from({ length: 80 }, (_, i) => ({
  description: `attach Policy${i} to user ${target.name}`,
  undoCommand: `aws iam detach-user-policy --user-name ${target.name} --policy-arn arn:aws:iam::${A}:policy/Policy${i}`,
}));
const many = (n: number, what: string) => Array.from({ length: n }, (_, i) => `${what} ${i} ${LONG(60)}`);

/** Every notice kind, each with the longest lists and texts it can carry. */
const worstNotices: Notice[] = [
  { kind: 'requested', requester: 'U0A', command, targetArn: target.arn },
  { kind: 'received', requestId: REQ, command, targetArn: target.arn, auditChannelId: 'C0AUDIT' },
  { kind: 'approval_recorded', approver: 'U0B', approvals: 11, required: 12 },
  { kind: 'approved', by: USERS },
  { kind: 'rule_requesters_only', principals: USERS, tier: 'admin' },
  { kind: 'rule_approvers_only', principals: USERS, tier: 'admin' },
  {
    kind: 'break_glass',
    requester: 'U0A',
    requestId: REQ,
    tier: 'admin',
    target: target.arn,
    durationSeconds: 3600,
    reason: LONG(5000, 'fire '),
  },
  { kind: 'auto_approved', rule: 'readonly', source: 'access-rules.yml' },
  { kind: 'denied_by', by: 'U0B', reason: LONG(5000, 'no ') },
  { kind: 'already_decided', outcome: 'approved', by: USERS },
  { kind: 'already_expired' },
  { kind: 'approved_already_by_you', needed: 11 },
  { kind: 'no_card_yet' },
  { kind: 'not_waiting', status: 'awaiting_approval' },
  { kind: 'slack_user_not_mapped', slackUserId: 'U0A', why: { kind: 'unknown_user' } },
  {
    kind: 'slack_user_not_mapped',
    slackUserId: 'U0A',
    why: {
      kind: 'email_unmapped',
      email: `${LONG(64)}@${LONG(200)}.example`,
      tried: many(40, 'name'),
      domains: many(40, 'domain'),
      domain: 'example.com',
    },
  },
  {
    kind: 'verify_report',
    report: {
      target,
      tiers: [...ALL_TIERS],
      actions: many(120, 'codebuild:Action').map((action, i) => ({ action, allowed: i % 2 === 0 })),
      listBuilds: { kind: 'failed', reason: LONG(2000, 'denied ') },
      passed: false,
    },
  },
  {
    kind: 'status_report',
    report: {
      target,
      tiers: [...ALL_TIERS],
      managed: many(20, 'Policy').map((policy) => ({ policy, tiers: [...ALL_TIERS] })),
      inline: many(100, 'inline'),
      pending: Array.from({ length: 100 }, (_, i) => ({
        requestId: `REQ-${i}`,
        command,
        status: 'awaiting_approval' as const,
        requester: 'U0A',
        createdAt: EXPIRES,
      })),
    },
  },
  { kind: 'applied', changes: many(80, 'attach policy') },
  {
    kind: 'verified',
    check: {
      how: 'both',
      allowed: many(60, 'codebuild:Allowed'),
      denied: many(60, 'codebuild:Denied'),
      stillAllowed: many(60, 'codebuild:Still'),
      key: { keyId: 'k', sids: many(100, 'Sid') },
    },
  },
  { kind: 'rollback', lines: undoLines },
  { kind: 'time_limit', requester: 'U0A', summary: hugePlan.summary, from: 'journal', lines: undoLines },
  { kind: 'time_limit', requester: 'U0A', summary: 's', endedBy: REQ, from: 'tier', lines: undoLines },
  { kind: 'ended_by_revoke', revokeId: REQ, revoker: 'U0B', timeBound: true },
  { kind: 'done', requester: 'U0A', summary: hugePlan.summary, accessExpiresAt: EXPIRES },
  {
    kind: 'unverified',
    requester: 'U0A',
    reason: { kind: 'error', message: LONG(5000, 'broken ') },
    summary: hugePlan.summary,
    accessExpiresAt: EXPIRES,
  },
  { kind: 'reminder', requester: 'U0A', summary: hugePlan.summary, accessExpiresAt: EXPIRES },
  { kind: 'no_change', requester: 'U0A', unchanged: many(200, 'already attached') },
  { kind: 'closed_denied', requester: 'U0A' },
  { kind: 'closed_expired', requester: 'U0A' },
  {
    kind: 'failed',
    requester: 'U0A',
    reason: { kind: 'error', message: LONG(5000, 'broken ') },
    nothingChanged: false,
    rolledBack: many(80, 'rolled back'),
    inEffect: many(80, 'in effect'),
    uncertain: stepsLeft,
  },
  {
    kind: 'stopped',
    requestId: REQ,
    requester: 'U0A',
    how: { status: 'FAILED', error: LONG(500, 'States.Error') },
    mayBeInEffect: stepsLeft,
    wasActive: true,
  },
  { kind: 'stopped_undelivered', requestId: REQ, outcomeText: LONG(10000, 'outcome ') },
  { kind: 'standalone', requestId: REQ, requester: 'U0A', summary: hugePlan.summary },
  { kind: 'told_requester', requestId: REQ, text: LONG(10000, 'told ') },
];

describe('every notice stays within the length Slack advises for a message', () => {
  it('covers every notice kind', () => {
    // A Record over the union: a new notice kind fails to compile here until it is listed.
    const every: Record<Notice['kind'], true> = {
      requested: true,
      received: true,
      approval_recorded: true,
      approved: true,
      rule_requesters_only: true,
      rule_approvers_only: true,
      break_glass: true,
      auto_approved: true,
      denied_by: true,
      already_decided: true,
      already_expired: true,
      approved_already_by_you: true,
      no_card_yet: true,
      not_waiting: true,
      slack_user_not_mapped: true,
      verify_report: true,
      status_report: true,
      applied: true,
      verified: true,
      rollback: true,
      time_limit: true,
      ended_by_revoke: true,
      done: true,
      unverified: true,
      reminder: true,
      no_change: true,
      closed_denied: true,
      closed_expired: true,
      failed: true,
      stopped: true,
      stopped_undelivered: true,
      standalone: true,
      told_requester: true,
    };
    expect(new Set(worstNotices.map((notice) => notice.kind))).toEqual(new Set(Object.keys(every)));
  });

  it.each(worstNotices.map((notice) => [notice.kind, notice] as const))('%s', (_kind, notice) => {
    const text = slackWording.say(notice);
    expect(messageViolations({ text })).toEqual([]);
  });
});

describe('the rules text', () => {
  it('stays within a message with 120 requesters and approvers per tier', () => {
    const rule = {
      requesters: USERS,
      approvers: USERS,
      approvals: 12,
      durationRequired: true,
      reasonRequired: true,
      autoApprove: false,
      breakGlass: false,
      maxDurationSeconds: 3600,
    };
    const text = rulesText(
      LONG(500, 'access-rules.yml'),
      ALL_TIERS.map((tier) => ({ tier, rule, mayRequest: true, mayApprove: true })),
    );
    expect(messageViolations({ text })).toEqual([]);
    expect(text).toMatch(/and \d+ more/);
  });
});
