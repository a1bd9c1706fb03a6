import { APPLIED_STEP_ID, grantWindow, journalMarker } from '../../src/domain/grant-ledger';
import type { AccessRequest } from '../../src/domain/request';

const applied = journalMarker(
  APPLIED_STEP_ID,
  'every step of the approved plan ran',
  new Date('2026-11-28T10:00:00.400Z'),
);

const request = (command: object, overrides: Partial<AccessRequest> = {}): AccessRequest =>
  ({
    requestId: 'REQ-0000000001',
    version: 3,
    createdAt: '2026-11-28T09:00:00.000Z',
    requester: { userId: 'U0ALICE', teamId: 'T0' },
    channelId: 'C0',
    command: { target: { kind: 'user', name: 'alice' }, tier: 'developer', ...command },
    status: 'applying',
    requiredApprovals: 1,
    approvals: [],
    completedSteps: [applied],
    events: [],
    ...overrides,
  }) as AccessRequest;

describe('grantWindow: the instants a time-bound grant waits until', () => {
  it.each([
    [
      'counted from the completed apply, rounded up to whole seconds',
      request({ action: 'grant', durationSeconds: 8 * 3600 }),
      3600,
      { remindAt: '2026-11-28T17:00:01Z', expiresAt: '2026-11-28T18:00:01Z' },
    ],
    [
      'a grant shorter than four reminder leads: reminded in its last quarter, not when it starts',
      request({ action: 'grant', durationSeconds: 3600 }),
      3600,
      { remindAt: '2026-11-28T10:45:01Z', expiresAt: '2026-11-28T11:00:01Z' },
    ],
    [
      'a grant of exactly four reminder leads keeps the configured lead',
      request({ action: 'grant', durationSeconds: 4 * 3600 }),
      3600,
      { remindAt: '2026-11-28T13:00:01Z', expiresAt: '2026-11-28T14:00:01Z' },
    ],
    [
      'an accepted extension lengthens the grant, and so the quarter its reminder may take',
      request(
        { action: 'grant', durationSeconds: 1800 },
        {
          completedSteps: [
            applied,
            {
              ...journalMarker(
                'extended:REQ-0000000002',
                'extended by 5400 s',
                new Date('2026-11-28T10:20:00Z'),
              ),
              extension: { requestId: 'REQ-0000000002', seconds: 5400, expiresAt: '2026-11-28T12:00:01Z' },
            },
          ],
        },
      ),
      3600,
      { remindAt: '2026-11-28T11:30:01Z', expiresAt: '2026-11-28T12:00:01Z' },
    ],
    [
      'the expiry the record already shows wins (what the thread told people)',
      request({ action: 'grant', durationSeconds: 3600 }, { accessExpiresAt: '2026-11-28T12:00:00.000Z' }),
      600,
      { remindAt: '2026-11-28T11:50:00Z', expiresAt: '2026-11-28T12:00:00Z' },
    ],
    ['a grant without a time limit: none', request({ action: 'grant' }), 3600, undefined],
    ['a revoke: none', request({ action: 'revoke' }), 3600, undefined],
    [
      'a time-bound grant not yet applied: none',
      request({ action: 'grant', durationSeconds: 3600 }, { completedSteps: [] }),
      3600,
      undefined,
    ],
  ])('%s', (_name, record, lead, expected) => {
    expect(grantWindow(record, lead)).toEqual(expected);
  });
});
