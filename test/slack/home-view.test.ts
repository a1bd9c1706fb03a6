import { accessRulesEnv } from '../../scripts/access-rules-env';
import { parseAccessRules } from '../../src/access-rules-file';
import type { HomeContent } from '../../src/domain/home';
import type { RequestDigest } from '../../src/domain/request';
import { HOME_LIST_CAP, homeView, MAX_HOME_BLOCKS } from '../../src/slack/blocks/home-view';
import { ACTION_IDS } from '../../src/slack/ids';
import { standingsOf } from '../helpers/block-kit-samples';

const digest = (n: number, overrides: Partial<RequestDigest> = {}): RequestDigest => ({
  requestId: `REQ-${String(n).padStart(10, '0')}`,
  status: 'awaiting_approval',
  createdAt: new Date(Date.UTC(2026, 10, 29, 10, n % 60)).toISOString(),
  requester: { userId: 'U0REQUESTER', teamId: 'T0TEAM' },
  command: {
    action: 'grant',
    target: { kind: 'user', name: 'alice' },
    tier: 'developer',
    reason: `${'x'.repeat(2900)} <!channel>`,
  },
  target: { kind: 'user', name: 'alice', arn: 'arn:aws:iam::111122223333:user/alice' },
  approvals: [],
  requiredApprovals: 1,
  ...overrides,
});

const content = (count: number): HomeContent => ({
  userId: 'U0APPROVER1',
  isApprover: true,
  grants: Array.from({ length: count }, (_, n) =>
    digest(n, { status: 'active', accessExpiresAt: '2026-11-30T10:00:00.000Z' }),
  ),
  pending: Array.from({ length: count }, (_, n) => digest(n)),
  awaiting: Array.from({ length: count }, (_, n) => digest(n)),
  rules: standingsOf(),
});

const texts = (view: ReturnType<typeof homeView>): string[] =>
  JSON.stringify(view.blocks).match(/"text":"(?:[^"\\]|\\.)*"/g) ?? [];

describe('the Home tab view, within Slack limits', () => {
  it.each([0, 1, HOME_LIST_CAP, 200])('stays within 100 blocks with %i requests in every list', (count) => {
    const view = homeView(content(count), 'Approved. The change is being applied.');

    expect(view.type).toBe('home');
    expect(view.blocks.length).toBeLessThanOrEqual(MAX_HOME_BLOCKS);
  });

  it('says how many more there are when a list is capped', () => {
    const json = JSON.stringify(homeView(content(200)).blocks);

    expect(json).toContain(`…and ${200 - HOME_LIST_CAP} more grants.`);
    expect(json).toContain(`…and ${200 - HOME_LIST_CAP} more pending requests.`);
    expect(json).toContain(`…and ${200 - HOME_LIST_CAP} more requests (see the audit channel).`);
  });

  it('keeps every text under 3,000 characters and never broadcasts a reason', () => {
    const view = homeView(content(3));

    for (const text of texts(view)) expect(text.length).toBeLessThan(3000);
    expect(JSON.stringify(view.blocks)).not.toContain('<!channel>');
  });

  it('gives each grant Extend and Relinquish buttons, each pending request a Cancel button and each waiting request Approve and Deny with its id', () => {
    const view = homeView(content(1));
    const json = JSON.stringify(view.blocks);
    const id = digest(0).requestId;

    expect(view.blocks).toContainEqual(
      expect.objectContaining({
        type: 'actions',
        elements: [
          expect.objectContaining({ action_id: ACTION_IDS.extend, value: id }),
          expect.objectContaining({ action_id: ACTION_IDS.relinquish, value: id }),
        ],
      }),
    );
    expect(view.blocks).toContainEqual(
      expect.objectContaining({
        accessory: expect.objectContaining({ action_id: ACTION_IDS.cancel, value: id }),
      }),
    );
    expect(view.blocks).toContainEqual(
      expect.objectContaining({
        type: 'actions',
        block_id: `decide:${id}`,
        elements: [
          expect.objectContaining({ action_id: ACTION_IDS.approve, value: id }),
          expect.objectContaining({ action_id: ACTION_IDS.deny, value: id }),
        ],
      }),
    );
    // End times in Slack's date format, so each reader sees their own zone.
    expect(json).toMatch(/<!date\^\d+\^/);
  });

  it("with no grant in effect, shows how to ask with the viewer's own mention, not a placeholder no one can resolve", () => {
    const json = JSON.stringify(homeView(content(0)).blocks);

    expect(json).toContain('Ask with /codebuild-access grant <@U0APPROVER1> developer for 8h');
    expect(json).not.toContain('@you');
  });

  it('shows no approvals section to someone who is not an approver', () => {
    const json = JSON.stringify(homeView({ ...content(2), isApprover: false, awaiting: [] }).blocks);

    expect(json).not.toContain('Waiting for your approval');
    expect(json).not.toContain(ACTION_IDS.approve);
  });

  it('states the rules in effect from the rules file, marked for the viewer, not the global limits', () => {
    const rules = parseAccessRules(
      accessRulesEnv(
        'tiers:\n  developer:\n    max_duration: 8h\n    reason_required: true\n  readonly:\n    break_glass: true\n',
      ),
      604_800,
    );
    const standings = standingsOf(rules).map((standing) =>
      standing.tier === 'admin' ? { ...standing, mayRequest: false, mayApprove: false } : standing,
    );
    const json = JSON.stringify(homeView({ ...content(0), rules: standings }).blocks);

    expect(json).toContain(
      '*developer*: requested by everyone · approved by the global approvers · 1 approval · at most 8h · `because …` required.',
    );
    expect(json).toContain(':no_entry_sign: *admin*');
    expect(json).toContain('break-glass: the requester may approve their own request for their own access');
    expect(json).toContain('except their own access on a break-glass tier');
    expect(json).not.toContain('7d');
  });
});
