import type { AccessRequest } from '../../src/domain/request';
import {
  EXPIRY_WAIT_STATE,
  planResume,
  REMINDER_HOLD_STATE,
  REMINDER_STATE,
  REMINDER_WAIT_STATE,
} from '../../src/local/resume';
import definition from '../../src/workflows/access-request.asl.json';

const NOW = new Date('2026-11-28T12:00:00.000Z');
const SETTINGS = { approvalTimeoutSeconds: 86_400, grantReminderSeconds: 3600 };
const ID = 'REQ-0000000001';

const request = (overrides: Partial<AccessRequest>): AccessRequest =>
  ({
    requestId: ID,
    version: 3,
    createdAt: '2026-11-28T11:00:00.000Z',
    requester: { userId: 'U0ALICE', teamId: 'T0LOCAL' },
    channelId: 'C0GENERAL',
    command: { action: 'grant', target: { kind: 'user', name: 'alice' }, tier: 'developer' },
    status: 'awaiting_approval',
    requiredApprovals: 1,
    approvals: [],
    completedSteps: [],
    events: [],
    ...overrides,
  }) as AccessRequest;

const forEightHours = {
  command: {
    action: 'grant',
    target: { kind: 'user', name: 'alice' },
    tier: 'developer',
    durationSeconds: 28_800,
  },
} as Partial<AccessRequest>;

describe('which runs local mode restarts, and how', () => {
  it.each([
    [
      'planning: from the top, full approval timeout',
      { status: 'planning' },
      { approvalTimeoutSeconds: 86_400 },
    ],
    [
      'awaiting approval: keeps the original deadline',
      { status: 'awaiting_approval', approvalExpiresAt: '2026-11-28T13:00:00.000Z' },
      { approvalTimeoutSeconds: 3600 },
    ],
    [
      'awaiting approval past its deadline: times out at once (reported as expired)',
      { status: 'awaiting_approval', approvalExpiresAt: '2026-11-28T11:59:00.000Z' },
      { approvalTimeoutSeconds: 1 },
    ],
    [
      'awaiting approval without a card yet: full timeout',
      { status: 'awaiting_approval' },
      { approvalTimeoutSeconds: 86_400 },
    ],
    [
      'awaiting approval of `grant … for 8h`: the same input (its Wait instants come from the apply)',
      { status: 'awaiting_approval', ...forEightHours },
      { approvalTimeoutSeconds: 86_400 },
    ],
  ] as const)('%s', (_name, overrides, input) => {
    expect(planResume([request(overrides as Partial<AccessRequest>)], NOW, SETTINGS)).toEqual([
      { requestId: ID, status: overrides.status, input: { requestId: ID, ...input } },
    ]);
  });

  it('approved before the restart: replays the stored decision', () => {
    const approved = request({
      status: 'approved',
      decision: { outcome: 'approved', by: ['U0PRIYA'], at: '2026-11-28T11:30:00.000Z' },
    });
    expect(planResume([approved], NOW, SETTINGS)).toEqual([
      {
        requestId: ID,
        status: 'approved',
        input: { requestId: ID, approvalTimeoutSeconds: 86_400 },
        decision: { outcome: 'approved', by: ['U0PRIYA'] },
      },
    ]);
  });

  it.each([
    [
      'before its reminder: at the reminder hold, until the recorded expiry less the reminder lead',
      '2026-11-28T17:00:00.000Z',
      [],
      REMINDER_HOLD_STATE,
      {
        remindAt: '2026-11-28T16:00:00Z',
        expiresAt: '2026-11-28T17:00:00Z',
        untilReminder: 4 * 3600,
        afterReminder: 3600,
      },
    ],
    [
      'after its reminder: at the reminder, which does not remind twice and holds until the recorded expiry',
      '2026-11-28T12:30:00.000Z',
      [{ type: 'reminder', at: '2026-11-28T11:30:00.000Z', text: 'reminder' }],
      REMINDER_STATE,
      {
        remindAt: '2026-11-28T11:30:00Z',
        expiresAt: '2026-11-28T12:30:00Z',
        untilReminder: 1,
        afterReminder: 1799,
      },
    ],
    [
      'past its expiry: both instants have passed, so both holds end after a second and it is revoked',
      '2026-11-28T11:00:00.000Z',
      [],
      REMINDER_HOLD_STATE,
      {
        remindAt: '2026-11-28T10:00:00Z',
        expiresAt: '2026-11-28T11:00:00Z',
        untilReminder: 1,
        afterReminder: 1,
      },
    ],
  ])('a time-bound grant in effect, %s', (_name, accessExpiresAt, events, startAt, timeBound) => {
    const active = request({
      ...forEightHours,
      status: 'active',
      accessExpiresAt,
      events: events as AccessRequest['events'],
      completedSteps: [
        {
          stepId: 'attach:AWSCodeBuildDeveloperAccess',
          description: 'attach',
          outcome: 'changed',
          undo: {
            type: 'detachPolicy',
            principal: { kind: 'user', name: 'alice', arn: 'arn:aws:iam::111122223333:user/alice' },
            policyArn: 'arn:aws:iam::aws:policy/AWSCodeBuildDeveloperAccess',
          },
          at: '2026-11-28T10:00:00.000Z',
        },
      ],
    });
    expect(planResume([active], NOW, SETTINGS)).toEqual([
      {
        requestId: ID,
        status: 'active',
        startAt,
        // What Step Functions would still hold from "Apply the change", rebuilt from the journal.
        input: {
          requestId: ID,
          approvalTimeoutSeconds: 86_400,
          applied: {
            changed: 1,
            attached: ['arn:aws:iam::aws:policy/AWSCodeBuildDeveloperAccess'],
            timeBound,
          },
        },
      },
    ]);
  });

  it('an extended grant reminded before its extension: held again until its new reminder, at the end the journal shows', () => {
    // Ended at 13:00 by its record; an accepted extension (apply's journal marker) moved it to 15:00.
    const extended = request({
      ...forEightHours,
      status: 'active',
      accessExpiresAt: '2026-11-28T13:00:00Z',
      events: [
        { type: 'reminder', at: '2026-11-28T11:59:00.000Z', text: 'ends soon' },
        { type: 'extended', at: '2026-11-28T11:59:30.000Z', text: 'extended until …' },
      ],
      completedSteps: [
        {
          stepId: 'extended:REQ-0000000002',
          description: 'extended by 7200 s (REQ-0000000002)',
          outcome: 'unchanged',
          undo: null,
          at: '2026-11-28T11:59:20.000Z',
          extension: { requestId: 'REQ-0000000002', seconds: 7200, expiresAt: '2026-11-28T15:00:00Z' },
        },
      ],
    });
    const [plan] = planResume([extended], NOW, SETTINGS);
    expect(plan?.startAt).toBe(REMINDER_HOLD_STATE);
    expect(plan?.input.applied?.timeBound).toEqual({
      remindAt: '2026-11-28T14:00:00Z',
      expiresAt: '2026-11-28T15:00:00Z',
      untilReminder: 7200,
      afterReminder: 3600,
    });
  });

  it('an extension waiting for approval restarts as an extension; an approved one is not replayed', () => {
    const extends_ = { requestId: 'REQ-0000000002', seconds: 7200, from: 'a', to: 'b' };
    const waiting = request({ status: 'awaiting_approval', extends: extends_ });
    expect(planResume([waiting], NOW, SETTINGS)[0]?.input).toMatchObject({ extension: true });
    const approved = request({
      status: 'approved',
      extends: extends_,
      decision: { outcome: 'approved', by: ['U0BOB'], at: NOW.toISOString() },
    });
    expect(planResume([approved], NOW, SETTINGS)).toEqual([]);
  });

  it.each(['completed', 'no_change', 'denied', 'expired', 'failed', 'revoked_early'] as const)(
    '%s: nothing to run',
    (status) => {
      expect(planResume([request({ status })], NOW, SETTINGS)).toEqual([]);
    },
  );

  it('names Wait, hold and reminder states that exist in the deployed definition', () => {
    const states = definition.States as Record<string, { Type: string }>;
    expect(states[REMINDER_WAIT_STATE]?.Type).toBe('Wait');
    expect(states[EXPIRY_WAIT_STATE]?.Type).toBe('Wait');
    expect(states[REMINDER_HOLD_STATE]?.Type).toBe('Task');
    expect(states[REMINDER_STATE]?.Type).toBe('Task');
  });
});
