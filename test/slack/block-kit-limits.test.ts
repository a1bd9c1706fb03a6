import type { HomeContent } from '../../src/domain/home';
import type { DirectMessage, Notice } from '../../src/domain/notices';
import type { RequestDigest } from '../../src/domain/request';
import { ALL_TIERS } from '../../src/domain/tiers';
import { denyModal } from '../../src/slack/blocks/deny-modal';
import { homeView } from '../../src/slack/blocks/home-view';
import { requestForm } from '../../src/slack/blocks/request-form';
import { rulesText } from '../../src/slack/blocks/rules-text';
import { slackWording } from '../../src/slack/blocks/wording';
import { messageViolations, viewViolations } from '../helpers/block-kit-limits';
import {
  CARD_STATUSES,
  closedRequests,
  EXPIRES,
  LONG,
  REQ,
  standingsOf,
  USERS,
  worstNotices,
  worstRequest,
} from '../helpers/block-kit-samples';

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
    const card = slackWording.approvalCard(worstRequest(), EXPIRES);
    expect(messageViolations(card)).toEqual([]);
    const text = blockTexts(card.blocks);
    // Truncation is visible: lists say how much they left out, and the buttons are still there.
    expect(text).toMatch(/… and \d+ more/);
    expect(text).toMatch(/… and \d+ more policy document blocks not shown/);
    // The warnings are never what is left out.
    expect(text).toContain(':warning: *warning 0:');
    expect(card.blocks?.at(-1)).toMatchObject({ type: 'actions', block_id: 'decision' });
  });

  it.each(closedRequests)('the closed card (%s), for every status line', (_name, over) => {
    for (const status of CARD_STATUSES) {
      const card = slackWording.closedCard(worstRequest(over), status, {
        rule: 'readonly',
        source: 'access-rules.yml',
      });
      expect(messageViolations(card)).toEqual([]);
      expect(card.blocks?.at(-1)).toMatchObject({ type: 'context' });
    }
  });

  it('the approval card of an extension', () => {
    const card = slackWording.approvalCard(
      worstRequest({ extends: { requestId: REQ, seconds: 604_800, from: EXPIRES, to: EXPIRES } }),
      EXPIRES,
    );
    expect(messageViolations(card)).toEqual([]);
    expect(blockTexts(card.blocks)).toContain(`extend ${REQ} by 7d: ends <!date^`);
    expect(card.blocks?.at(-1)).toMatchObject({ type: 'actions', block_id: 'decision' });
  });

  it('the auto-approved card', () => {
    const card = slackWording.autoApprovedCard(worstRequest(), {
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

describe('every notice stays within the length Slack advises for a message', () => {
  it('covers every notice kind', () => {
    // A Record over the union: a new notice kind fails to compile here until it is listed.
    const every: Record<Notice['kind'], true> = {
      requested: true,
      received: true,
      target_not_found_in: true,
      approval_recorded: true,
      approved: true,
      rule_requesters_only: true,
      rule_approvers_only: true,
      break_glass: true,
      break_glass_self_only: true,
      auto_approved: true,
      denied_by: true,
      already_decided: true,
      already_expired: true,
      already_cancelled: true,
      cancelled: true,
      cancel_done: true,
      lifecycle_refused: true,
      relinquished: true,
      relinquish_done: true,
      extension_requested: true,
      extension_asked: true,
      extend_refused: true,
      extended: true,
      extension_ignored: true,
      extension_passed_on: true,
      extension_lapsed: true,
      approved_already_by_you: true,
      no_card_yet: true,
      not_waiting: true,
      slack_user_not_mapped: true,
      verify_report: true,
      status_report: true,
      accounts_report: true,
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

describe('a notice cut to fit still reads whole', () => {
  const say = (kind: Notice['kind']): string => {
    const notice = worstNotices.find((n) => n.kind === kind);
    if (!notice) throw new Error(`no sample ${kind}`);
    return slackWording.say(notice);
  };

  it.each<Notice['kind']>(['applied', 'rollback', 'verified', 'no_change', 'status_report', 'stopped'])(
    'the %s notice says how many lines it left out',
    (kind) => {
      expect(say(kind)).toMatch(/… and \d+ more/);
    },
  );

  it.each<Notice['kind']>(['failed', 'time_limit', 'no_change', 'unverified'])(
    'the %s notice still mentions the requester after its cut lists',
    (kind) => {
      expect(say(kind)).toContain('<@U0A>');
    },
  );

  it('a failed notice keeps the requester mention as its last line', () => {
    expect(say('failed').split('\n').at(-1)).toBe('<@U0A>');
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

describe('the views and direct messages siblings added stay within Slack limits', () => {
  const digest = (n: number, over: Partial<RequestDigest> = {}): RequestDigest => ({
    requestId: `REQ-${String(n).padStart(10, '0')}`,
    status: 'awaiting_approval',
    createdAt: EXPIRES,
    requester: { userId: 'U0REQUESTER', teamId: 'T0' },
    command: { action: 'grant', target: { kind: 'user', name: LONG(64) }, tier: 'admin', reason: LONG(5000) },
    target: { kind: 'user', name: LONG(64), arn: `arn:aws:iam::111122223333:user/${LONG(500)}` },
    approvals: USERS.slice(0, 11).map((userId) => ({ userId, at: EXPIRES })),
    requiredApprovals: 12,
    ...over,
  });
  const home = (count: number): HomeContent => ({
    userId: 'U0APPROVER1',
    isApprover: true,
    grants: Array.from({ length: count }, (_, n) =>
      digest(n, { status: 'active', accessExpiresAt: EXPIRES }),
    ),
    pending: Array.from({ length: count }, (_, n) => digest(n)),
    awaiting: Array.from({ length: count }, (_, n) => digest(n)),
    rules: standingsOf(),
  });

  it.each([0, 3, 200])('the App Home tab with %i grants, pending and awaiting requests', (count) => {
    expect(viewViolations(homeView(home(count), LONG(5000, 'notice ')))).toEqual([]);
  });

  /** An organization whose accounts have their own rules, 120 requesters and approvers on each tier. */
  const perAccount = (overrides: number): HomeContent['perAccount'] => {
    const rule = {
      requesters: USERS,
      approvers: USERS,
      approvals: 12,
      durationRequired: true,
      reasonRequired: true,
      autoApprove: false,
      breakGlass: true,
      maxDurationSeconds: 3600,
    };
    const standings = ALL_TIERS.map((tier) => ({ tier, rule, mayRequest: true, mayApprove: true }));
    return {
      defaultAccounts: [{ name: 'hub', id: '111122223333' }],
      overrides: Array.from({ length: overrides }, (_, n) => ({
        account: { name: `${LONG(28, 'acct')}${String(n).padStart(3, '0')}`, id: '444455556666' },
        rules: standings,
      })),
    };
  };

  it.each([
    [0, 3],
    [200, 3],
    [0, 200],
    [200, 200],
  ])(
    'the App Home tab with %i requests per list in an organization of %i accounts with their own rules',
    (count, accounts) => {
      const view = homeView({ ...home(count), perAccount: perAccount(accounts) }, LONG(5000, 'notice '));
      expect(viewViolations(view)).toEqual([]);
      // Accounts that find no room are named, with the command that shows their rules.
      if (accounts === 200) expect(JSON.stringify(view.blocks)).toMatch(/more accounts with their own rules/);
    },
  );

  it('the request form with the longest limits', () => {
    const view = requestForm({
      auditChannelId: 'C0AUDIT',
      limitsFor: () => ({ maxDurationSeconds: 365 * 86_400, durationRequired: true, reasonRequired: true }),
      origin: { channelId: 'C0REQ' },
    });
    expect(viewViolations(view)).toEqual([]);
  });

  it.each<[string, DirectMessage]>([
    ['update', { kind: 'update', requestId: REQ, said: slackWording.say(worstNotices[0]!) }],
    [
      'decided',
      {
        kind: 'decided',
        request: worstRequest({
          status: 'denied',
          decision: { outcome: 'denied', by: USERS, at: EXPIRES, reason: LONG(5000) },
        }),
      },
    ],
    ['access ended', { kind: 'access_ended', request: worstRequest({ status: 'completed' }), failed: true }],
    [
      'approval needed',
      { kind: 'approval_needed', request: digest(1), permalink: 'https://slack.example/p1' },
    ],
    [
      'approval reminder',
      { kind: 'approval_reminder', request: digest(1), permalink: 'https://slack.example/p1' },
    ],
    ['failed note', { kind: 'failed_note', userId: 'U0A', reason: 'cannot_dm_bot' }],
  ])('the %s direct message', (_name, message) => {
    expect(messageViolations(slackWording.direct(message))).toEqual([]);
  });
});
