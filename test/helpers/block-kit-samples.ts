import { type AccessRules, defaultAccessRules, type TierStanding } from '../../src/domain/access-rules';
import type { ChangeCommand } from '../../src/domain/command';
import type { CardStatus, Notice, StepLeft, UndoLine } from '../../src/domain/notices';
import type { ChangePlan, Operation, PlanStep } from '../../src/domain/plans';
import type { AccessRequest } from '../../src/domain/request';
import type { PolicyDocument, PolicyStatement } from '../../src/domain/seed-policies';
import { ALL_TIERS } from '../../src/domain/tiers';

/*
 * Sample inputs for every message the bot words: worst cases, well past what the command parser lets
 * through (its reason limit is 300), so that a builder passes the limits test only because it caps,
 * not because today's inputs happen to be short. Every date field holds an ISO instant (EXPIRES), so
 * the timestamp test sees each place a date is shown.
 */
const A = '111122223333';
/** Every tier's rule (the defaults, or the given ones) as a person who may request and approve it sees it. */
export const standingsOf = (rules: AccessRules = defaultAccessRules()): TierStanding[] =>
  ALL_TIERS.map((tier) => ({ tier, rule: rules.tiers[tier], mayRequest: true, mayApprove: true }));

export const LONG = (n: number, unit = 'x') => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
const ROLE = `build-${LONG(58, 'r')}`; // IAM's longest role name: 64 characters
export const USERS = Array.from({ length: 120 }, (_, i) => `U0APPROVER${String(i).padStart(3, '0')}`);
export const EXPIRES = '2026-11-29T10:00:00.000Z';
export const REQ = 'REQ-7K3QX9M2PA';
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
    { length: 60 },
    (_, i): Operation => ({
      type: 'createKey',
      alias: `alias/${ROLE}-${i}`,
      policy: doc(0, 50),
      description: 'd',
    }),
  ),
];
const steps: PlanStep[] = ops.map((op, i) => ({ id: `s${i}`, do: op, undo: null }));

export const hugePlan: ChangePlan = {
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

export const command: ChangeCommand = {
  action: 'grant',
  tier: 'admin',
  target: { kind: 'user', name: target.name },
  durationSeconds: 8 * 3600,
  reason: `on-call ${LONG(5000, 'because ')}`,
};

export const worstRequest = (over: Partial<AccessRequest> = {}): AccessRequest => ({
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
  approvalExpiresAt: EXPIRES,
  accessExpiresAt: EXPIRES,
  ...over,
});

/** Every status a closed card can end with. */
export const CARD_STATUSES: CardStatus[] = [
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

/** A closed request in each decided state, with the longest lists it can carry. */
export const closedRequests: Array<[string, Partial<AccessRequest>]> = [
  [
    'an extension, approved by many',
    {
      status: 'completed',
      extends: { requestId: REQ, seconds: 604_800, from: EXPIRES, to: EXPIRES },
      decision: { outcome: 'approved', by: USERS.slice(0, 40), at: EXPIRES },
    },
  ],
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
];

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
export const worstNotices: Notice[] = [
  { kind: 'requested', requester: 'U0A', command, targetArn: target.arn },
  { kind: 'received', requestId: REQ, command, targetArn: target.arn, auditChannelId: 'C0AUDIT' },
  {
    kind: 'target_not_found_in',
    account: { name: LONG(32, 'a'), id: A, region: 'ap-southeast-2' },
    message: `There is no IAM user named \`${LONG(64, 'u')}\` in this account.`,
    otherAccounts: Array.from({ length: 200 }, (_, i) => `account-${i}`),
  },
  { kind: 'approval_recorded', approver: 'U0B', approvals: 11, required: 12 },
  { kind: 'approved', by: USERS },
  { kind: 'already_cancelled', by: USERS },
  { kind: 'cancelled', by: 'U0A' },
  { kind: 'cancel_done', requestId: REQ },
  { kind: 'lifecycle_refused', requestId: REQ, why: { kind: 'not_requester', requester: 'U0A' } },
  {
    kind: 'lifecycle_refused',
    requestId: REQ,
    why: { kind: 'not_pending', because: { kind: 'already_cancelled', by: USERS } },
  },
  { kind: 'relinquished', by: 'U0A' },
  { kind: 'relinquish_done', requestId: REQ },
  {
    kind: 'extension_requested',
    requester: 'U0A',
    grantId: REQ,
    seconds: 604_800,
    from: EXPIRES,
    to: EXPIRES,
  },
  {
    kind: 'extension_asked',
    extensionId: REQ,
    grantId: REQ,
    seconds: 604_800,
    from: EXPIRES,
    to: EXPIRES,
    auditChannelId: 'C0AUDIT',
  },
  {
    kind: 'extend_refused',
    requestId: REQ,
    why: {
      kind: 'over_limit',
      tier: 'admin',
      limitSeconds: 3600,
      totalSeconds: 604_800,
      askedSeconds: 604_800,
    },
  },
  { kind: 'extension_passed_on', grantId: REQ },
  {
    kind: 'extension_lapsed',
    grantId: REQ,
    extensionId: REQ,
    seconds: 604_800,
    requester: USERS[0] ?? 'U0',
    grantEnded: false,
  },
  { kind: 'extended', grantId: REQ, extensionId: REQ, seconds: 604_800, expiresAt: EXPIRES, by: USERS },
  {
    kind: 'extension_ignored',
    grantId: REQ,
    extensionId: REQ,
    why: { kind: 'not_approved', needed: 12, approvals: 11 },
    expiresAt: EXPIRES,
  },
  { kind: 'rule_requesters_only', principals: USERS, tier: 'admin' },
  { kind: 'rule_approvers_only', principals: USERS, tier: 'admin' },
  { kind: 'break_glass_self_only', tier: 'developer' },
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
  {
    kind: 'accounts_report',
    action: 'status',
    // 40 accounts, each with the longest status and a long refusal between them.
    sections: Array.from({ length: 40 }, (_, i) => ({
      account: { name: `account-${LONG(20)}-${i}`, id: String(100000000000 + i) },
      outcome:
        i % 3 === 0
          ? { kind: 'refused' as const, message: LONG(2000, 'refused ') }
          : i % 3 === 1
            ? { kind: 'timed_out' as const }
            : {
                kind: 'status_report' as const,
                report: {
                  target,
                  tiers: [...ALL_TIERS],
                  managed: many(20, 'Policy').map((policy) => ({ policy, tiers: [...ALL_TIERS] })),
                  inline: many(100, 'inline'),
                },
              },
    })),
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
  { kind: 'reminder', requester: 'U0A', requestId: REQ, summary: hugePlan.summary, accessExpiresAt: EXPIRES },
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
