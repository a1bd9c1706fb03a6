import { accessRulesEnv } from '../../scripts/access-rules-env';
import { ACTION_IDS } from '../../src/slack/ids';
import { viewViolations } from '../helpers/block-kit-limits';
import {
  APPROVER_1,
  APPROVER_2,
  ackText,
  type Harness,
  OUTSIDER,
  REQUESTER,
  startHarness,
} from '../helpers/harness';

// The Home tab's "Rules that apply to you" in an organization whose accounts have rules of their own
// (access-rules.yml `accounts.<name>.tiers`): signed app_home_opened events into the slack handler, the
// sandbox organization (hub, dev, staging, prod), the view as the local Slack workspace stored it.

const HUB = '111122223333';
const DEV = '222233334444';
const STAGING = '333344445555';
const PROD = '444455556666';

const RULES = [
  'tiers:',
  '  developer:',
  '    reason_required: true',
  'accounts:',
  '  prod:',
  '    tiers:',
  '      developer:',
  `        approvers: [${APPROVER_2}, ${OUTSIDER}]`,
  '        approvals: 2',
  '        max_duration: 4h',
  '        duration_required: true',
  '  dev:',
  '    tiers:',
  '      readonly:',
  '        auto_approve: true',
].join('\n');

let h: Harness;
beforeEach(async () => {
  h = await startHarness(
    { ACCESS_RULES: accessRulesEnv(RULES) },
    { members: { dev: DEV, staging: STAGING, prod: PROD } },
  );
});
afterEach(async () => h.stop());

type Block = { type: string; text?: { text: string }; elements?: Array<{ text?: string }> };

/** The viewer's Home tab as Slack holds it after a signed app_home_opened. */
async function homeOf(userId: string): Promise<Block[]> {
  expect((await h.homeOpened(userId)).statusCode).toBe(200);
  const view = h.slack.state.homeOf(userId)?.view as { type: 'home'; blocks: Block[] } | undefined;
  if (!view) throw new Error(`no Home tab published for ${userId}`);
  expect(viewViolations(view)).toEqual([]);
  return view.blocks;
}

/** The rule sections under "Rules that apply to you": heading line first, one line per tier. */
function ruleSections(blocks: Block[]): string[][] {
  const start = blocks.findIndex(
    (block) => block.type === 'header' && block.text?.text === 'Rules that apply to you',
  );
  return blocks
    .slice(start + 1)
    .filter((block) => block.type === 'section')
    .map((block) => (block.text?.text ?? '').split('\n'));
}

const tierLine = (section: string[] | undefined, tier: string): string =>
  section?.find((line) => line.includes(`*${tier}*:`)) ?? '';

describe('the Home tab shows the rules per account when accounts have their own', () => {
  it('a requester sees the top-level rules as the default, naming its accounts, then dev and prod with their own', async () => {
    const sections = ruleSections(await homeOf(REQUESTER));

    expect(sections.map((section) => section[0])).toEqual([
      `*Default rules*, in *hub* · ${HUB}, *staging* · ${STAGING}:`,
      `In *dev* · ${DEV}, its own rules:`,
      `In *prod* · ${PROD}, its own rules:`,
    ]);
    const [top, dev, prod] = sections;
    expect(tierLine(top, 'developer')).toBe(
      ':white_check_mark: *developer*: requested by everyone · approved by the global approvers · 1 approval · `because …` required. _(you may request)_',
    );
    expect(tierLine(dev, 'readonly')).toContain('auto-approved (no human; posted to the audit channel)');
    // dev's own tiers: developer is at the default there (no reason required), not the top level's.
    expect(tierLine(dev, 'developer')).not.toContain('`because …` required');
    expect(tierLine(prod, 'developer')).toBe(
      `:white_check_mark: *developer*: requested by everyone · approved by <@${APPROVER_2}>, <@${OUTSIDER}> · 2 approvals · at most 4h · \`for …\` required. _(you may request)_`,
    );
  });

  it('each approver is marked where they approve: a global approver not on prod developer, a prod approver there only', async () => {
    const [top1, , prod1] = ruleSections(await homeOf(APPROVER_1));
    expect(tierLine(top1, 'developer')).toContain('_(you may request, you may approve)_');
    expect(tierLine(prod1, 'developer')).toContain('_(you may request)_');
    expect(tierLine(prod1, 'readonly')).toContain('you may approve');

    const [, , prod2] = ruleSections(await homeOf(APPROVER_2));
    expect(tierLine(prod2, 'developer')).toContain('_(you may request, you may approve)_');
  });

  it('someone who approves only under prod’s own rules gets the waiting list, with the prod request on it', async () => {
    h.members.prod?.addUser('alice');
    const ack = ackText(await h.slash('grant user:alice developer in prod for 2h'));
    expect(ack).toContain('received');
    const request = await h.onlyRequest();
    await h.awaitApprovalWait(request.requestId);

    const blocks = await homeOf(OUTSIDER);
    const json = JSON.stringify(blocks);
    expect(json).toContain('Waiting for your approval');
    expect(json).toContain(`decide:${request.requestId}`);
    expect(json).toContain(ACTION_IDS.approve);
    const [top, , prod] = ruleSections(blocks);
    expect(tierLine(prod, 'developer')).toContain('you may approve');
    expect(tierLine(top, 'developer')).not.toContain('you may approve');
  });
});

describe('without account rules the Home tab is as before', () => {
  it('one section of the top-level rules, no account headings', async () => {
    await h.stop();
    h = await startHarness(
      { ACCESS_RULES: accessRulesEnv('tiers:\n  developer:\n    reason_required: true\n') },
      {
        members: { dev: DEV, prod: PROD },
      },
    );
    const sections = ruleSections(await homeOf(REQUESTER));

    expect(sections).toHaveLength(1);
    expect(sections[0]?.[0]).toMatch(/^:white_check_mark: \*admin\*/);
    expect(JSON.stringify(sections)).not.toContain('Default rules');
  });
});
