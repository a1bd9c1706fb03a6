import type { ChangeCommand } from '../../src/domain/command';
import { planGrant } from '../../src/domain/plans';
import type { AccessRequest } from '../../src/domain/request';
import { POLICY_ARNS } from '../../src/domain/tiers';
import { slackDate } from '../../src/slack/blocks/dates';
import { denyModal } from '../../src/slack/blocks/deny-modal';
import { slackWording } from '../../src/slack/blocks/wording';
import {
  CARD_STATUSES,
  closedRequests,
  EXPIRES,
  REQ,
  worstNotices,
  worstRequest,
} from '../helpers/block-kit-samples';

/**
 * The raw ISO timestamps in what a reader sees: everything outside Slack date tokens, whose fallback is
 * the readable "2026-11-29 10:00 UTC" and whose instant is a Unix time.
 */
const rawTimestamps = (shown: string): string[] =>
  shown.replace(/<!date\^[^|>]*\|[^>]*>/g, '<date>').match(/\d{4}-\d\d-\d\dT\d\d:\d\d/g) ?? [];

const shownIn = (message: { text: string; blocks?: unknown[] }): string =>
  `${message.text}\n${JSON.stringify(message.blocks ?? [])}`;

// A request of ordinary size too, so that no date hides behind a cut made for the worst case.
const alice = { kind: 'user' as const, name: 'alice', arn: 'arn:aws:iam::111122223333:user/alice' };
const grant: ChangeCommand = {
  action: 'grant',
  tier: 'developer',
  target: { kind: 'user', name: 'alice' },
  durationSeconds: 3600,
  reason: 'on-call',
};
const plan = planGrant(
  alice,
  'developer',
  { attachedPolicyArns: [POLICY_ARNS.s3ReadOnly] },
  { customTier: '' },
);
const ordinary = (over: Partial<AccessRequest> = {}): AccessRequest =>
  worstRequest({ command: grant, target: alice, plan, requiredApprovals: 2, approvals: [], ...over });

describe('no raw ISO timestamp reaches a reader', () => {
  it('the check finds a raw timestamp and passes a Slack date token', () => {
    expect(rawTimestamps(`asked at ${EXPIRES}`)).toEqual(['2026-11-29T10:00']);
    expect(rawTimestamps(`asked ${slackDate(EXPIRES)}`)).toEqual([]);
  });

  it.each(worstNotices.map((notice) => [notice.kind, notice] as const))(
    'the %s notice shows its dates as Slack dates',
    (_kind, notice) => {
      expect(rawTimestamps(slackWording.say(notice))).toEqual([]);
    },
  );

  it.each([
    ['an ordinary request', ordinary],
    ['the largest request', worstRequest],
  ])('the approval, auto-approved and closed cards of %s', (_what, request) => {
    const cards = [
      slackWording.approvalCard(request(), EXPIRES),
      slackWording.autoApprovedCard(request(), { rule: 'readonly', source: 'access-rules.yml' }),
      ...closedRequests.flatMap(([, over]) =>
        CARD_STATUSES.map((status) => slackWording.closedCard(request(over), status)),
      ),
    ];
    for (const card of cards) expect(rawTimestamps(shownIn(card))).toEqual([]);
    // The dates are there, as tokens: the approval wait and the grant's end.
    expect(shownIn(cards[0]!)).toContain(slackDate(EXPIRES));
  });

  it('the deny modal', () => {
    expect(rawTimestamps(JSON.stringify(denyModal(REQ)))).toEqual([]);
  });
});
