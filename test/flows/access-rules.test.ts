/**
 * Rules per tier (access-rules.yml) through the real entry points: signed slash commands and clicks
 * into the slack handler, the real ASL run locally, the sandbox account. Each refusal is asserted in
 * the words the user sees.
 */
import { accessRulesEnv } from '../../scripts/access-rules-env';
import { POLICY_ARNS } from '../../src/domain/tiers';
import {
  ALICE,
  APPROVER_1,
  APPROVER_2,
  AUDIT_CHANNEL,
  ackText,
  type Harness,
  OUTSIDER,
  REQUESTER,
  startHarness,
} from '../helpers/harness';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** A harness whose functions all read these rules (ACCESS_RULES, as serverless.yml sets it). */
async function withRules(yaml: string): Promise<Harness> {
  h = await startHarness({ ACCESS_RULES: accessRulesEnv(yaml) });
  h.iam.addUser('alice');
  h.iam.addUser('requester');
  return h;
}

/** How the slash command's ack words a refusal. */
const refusal = (text: string): string => `:warning: ${text} Nothing was changed.`;

const ephemeralsFor = (harness: Harness, userId: string): string[] =>
  harness.slack.ephemerals.filter((e) => e.user === userId).map((e) => e.text ?? '');

const startExecutions = (harness: Harness): number =>
  harness.sfn.commandCalls(
    // biome-ignore lint/suspicious/noExplicitAny: the command class is only used as a filter
    require('@aws-sdk/client-sfn').StartExecutionCommand as any,
  ).length;

describe('who may request', () => {
  it('refuses a requester the tier does not list, before anything is recorded or started', async () => {
    const harness = await withRules('tiers:\n  developer:\n    requesters: [U0ALICE, S0DEVS]\n');
    harness.slack.state.setUsergroup('S0DEVS', [OUTSIDER]);
    const refused = await harness.slash('grant user:alice developer');
    expect(ackText(refused)).toBe(
      refusal(
        'The access rules let only <@U0ALICE>, @group request developer access, so I did not record this request. `/codebuild-access rules` shows what you may request.',
      ),
    );
    expect(startExecutions(harness)).toBe(0);
  });

  it('accepts a listed user and a member of a listed user group', async () => {
    const harness = await withRules('tiers:\n  developer:\n    requesters: [U0ALICE, S0DEVS]\n');
    harness.slack.state.setUsergroup('S0DEVS', [REQUESTER]);
    expect(ackText(await harness.slash('grant user:alice developer'))).toContain('received');
    expect(ackText(await harness.slash('grant user:requester developer', { userId: ALICE }))).toContain(
      'received',
    );
  });
});

describe('durations and reasons', () => {
  const RULES =
    'tiers:\n  developer:\n    max_duration: 8h\n    duration_required: true\n    reason_required: true\n';

  it.each([
    [
      'no duration',
      'grant user:alice developer because on call',
      'The access rules make developer access time-bound: add `for 8h` or less.',
    ],
    [
      'a duration over the tier maximum',
      'grant user:alice developer for 9h because on call',
      'The access rules allow developer access for at most 8h; ask for `for 8h` or less.',
    ],
    [
      'no reason',
      'grant user:alice developer for 2h',
      'The access rules require a reason for developer access: add `because …` at the end.',
    ],
  ])('refuses %s', async (_what, text, message) => {
    const harness = await withRules(RULES);
    expect(ackText(await harness.slash(text))).toBe(refusal(message));
    expect(startExecutions(harness)).toBe(0);
  });

  it('accepts a request within the rules, and other tiers keep their defaults', async () => {
    const harness = await withRules(RULES);
    expect(ackText(await harness.slash('grant user:alice developer for 8h because on call'))).toContain(
      'received',
    );
    expect(ackText(await harness.slash('grant user:alice readonly', { triggerId: 'other' }))).toContain(
      'received',
    );
  });
});

describe('who may approve, and how many', () => {
  it("a global approver the tier does not list is refused; the tier's approver (by user group) decides", async () => {
    const harness = await withRules('tiers:\n  developer:\n    approvers: [S0LEADS]\n');
    harness.slack.state.setUsergroup('S0LEADS', [OUTSIDER]);
    await harness.slash('grant user:alice developer');
    const { requestId } = await harness.onlyRequest();
    await harness.awaitApprovalWait(requestId);

    await harness.click(requestId, APPROVER_1);
    expect(ephemeralsFor(harness, APPROVER_1)).toEqual([
      'The access rules let only @group approve developer access. Ask one of them to look at it.',
    ]);
    expect((await harness.store.get(requestId))?.approvals).toEqual([]);

    await harness.click(requestId, OUTSIDER);
    await expect(harness.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(harness.iam.attached('user', 'alice')).toEqual(
      [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly].sort(),
    );
  });

  it('approvals: 3 needs three different approvers; the card and apply both count three', async () => {
    const harness = await withRules(
      'tiers:\n  custom:\n    approvals: 3\n    approvers: [U0APPROVER1, U0APPROVER2, U0OUTSIDER]\n',
    );
    await harness.slash('grant user:alice custom');
    const request = await harness.onlyRequest();
    await harness.awaitApprovalWait(request.requestId);
    expect((await harness.store.get(request.requestId))?.requiredApprovals).toBe(3);

    await harness.click(request.requestId, APPROVER_1);
    await harness.click(request.requestId, APPROVER_2);
    expect(ephemeralsFor(harness, APPROVER_2)).toEqual([
      'Your approval is recorded; one more approver is needed.',
    ]);
    expect(harness.iam.attached('user', 'alice')).toEqual([]);
    await harness.click(request.requestId, OUTSIDER);
    await expect(harness.finished(request.requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    const card = harness.slack.messages.find((m) => m.channel === AUDIT_CHANNEL && !m.threadTs);
    expect(JSON.stringify(card?.blocks)).toContain(
      'Approved by <@U0APPROVER1> and <@U0APPROVER2> and <@U0OUTSIDER>',
    );
  });

  it('apply re-checks the count with its own rules: a record claiming fewer approvals is refused', async () => {
    const harness = await withRules('tiers:\n  developer:\n    approvals: 2\n');
    await harness.slash('grant user:alice developer');
    const { requestId } = await harness.onlyRequest();
    await harness.awaitApprovalWait(requestId);
    // A forged record: the plan says one approval is enough (the card's hash is recomputed to match).
    const stored = await harness.store.get(requestId);
    const { planHash } = await import('../../src/domain/plans');
    const plan = { ...stored!.plan!, requiredApprovals: 1 };
    await harness.store.save(
      { ...stored!, version: stored!.version + 1, plan, planHash: planHash(plan), requiredApprovals: 1 },
      stored!.version,
      ['plan', 'planHash', 'requiredApprovals'],
    );
    await harness.click(requestId, APPROVER_1);
    await harness.finished(requestId);
    expect(harness.iam.attached('user', 'alice')).toEqual([]);
    const events = (await harness.store.get(requestId))?.events.map((e) => e.text).join('\n');
    expect(events).toContain(
      'it needs 2 approvals of the plan the card showed, from people other than the requester, and has 1.',
    );
  });
});

describe('the Home tab\'s "waiting for your approval"', () => {
  /** The requests whose Approve/Deny buttons the person's published Home tab shows. */
  const decidableOnHome = async (harness: Harness, userId: string): Promise<string[]> => {
    expect((await harness.homeOpened(userId)).statusCode).toBe(200);
    const view = harness.slack.state.homeOf(userId)?.view as { blocks: Array<{ block_id?: string }> };
    return view.blocks
      .map((block) => block.block_id ?? '')
      .filter((id) => id.startsWith('decide:'))
      .map((id) => id.slice('decide:'.length))
      .sort();
  };

  it("lists only what the viewer may decide under the tier rules: a tier's approver never sees another tier's request", async () => {
    const harness = await withRules(
      'tiers:\n  developer:\n    approvers: [S0LEADS]\n  readonly:\n    approvers: [U0APPROVER2]\n',
    );
    harness.slack.state.setUsergroup('S0LEADS', [OUTSIDER]);
    const ask = async (text: string, triggerId: string): Promise<string> => {
      const ack = ackText(await harness.slash(text, { triggerId }));
      const requestId = /REQ-[0-9A-Z]{10}/.exec(ack)?.[0];
      if (!requestId) throw new Error(`no request id in the ack: ${ack}`);
      await harness.awaitApprovalWait(requestId);
      return requestId;
    };
    const developer = await ask('grant user:alice developer because build', 't-dev');
    const readonly = await ask('grant user:alice readonly because look', 't-ro');
    const serviceRole = await ask('service-role create home-tab-role', 't-sr');

    // developer: only S0LEADS's member; readonly: only U0APPROVER2; the service role: the global approvers.
    expect(await decidableOnHome(harness, OUTSIDER)).toEqual([developer]);
    expect(await decidableOnHome(harness, APPROVER_2)).toEqual([readonly, serviceRole].sort());
    expect(await decidableOnHome(harness, APPROVER_1)).toEqual([serviceRole]);
    // The requester decides none of their own.
    expect(await decidableOnHome(harness, REQUESTER)).toEqual([]);

    // The same check as the card: APPROVER_1's click on the developer request is refused there too.
    await harness.click(developer, APPROVER_1);
    expect(ephemeralsFor(harness, APPROVER_1)).toEqual([
      'The access rules let only @group approve developer access. Ask one of them to look at it.',
    ]);
  });
});

describe('auto-approve (readonly only)', () => {
  it('applies a readonly grant without a click, and the audit channel says which rule approved it', async () => {
    const harness = await withRules('tiers:\n  readonly:\n    auto_approve: true\n');
    await harness.slash('grant user:alice readonly');
    const { requestId } = await harness.onlyRequest();
    await expect(harness.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(harness.iam.attached('user', 'alice')).toEqual(
      [POLICY_ARNS.codeBuildReadOnly, POLICY_ARNS.s3ReadOnly].sort(),
    );
    const card = harness.slack.messages.find((m) => m.channel === AUDIT_CHANNEL && !m.threadTs);
    const cardJson = JSON.stringify(card?.blocks);
    expect(cardJson).toContain('Auto-approved by rule `tiers.readonly.auto_approve` (access-rules.yml)');
    expect(cardJson).not.toContain('"Approve"');
    const thread = harness.slack.thread(card!.ts).map((m) => m.text ?? '');
    expect(thread).toEqual([
      expect.stringContaining('Requested by <@U0REQUESTER>'),
      expect.stringContaining('Auto-approved by rule'),
      expect.stringContaining('Applied'),
      expect.stringContaining('Verified'),
      expect.stringContaining('applied and verified'),
    ]);
  });

  it('a developer grant under the same rules still waits for a human', async () => {
    const harness = await withRules('tiers:\n  readonly:\n    auto_approve: true\n');
    await harness.slash('grant user:alice developer');
    const { requestId } = await harness.onlyRequest();
    await harness.awaitApprovalWait(requestId);
    expect(harness.iam.attached('user', 'alice')).toEqual([]);
  });

  it('a rules file with auto_approve on developer stops the slack function at start', async () => {
    const harness = await withRules('tiers:\n  readonly:\n    auto_approve: true\n');
    // The function reads its environment at its first event (a cold start).
    harness.env.ACCESS_RULES = accessRulesEnv(
      'tiers:\n  readonly:\n    approvals: 1\n  developer:\n    auto_approve: true\n',
    );
    // The invocation fails (Lambda reports the error, API Gateway answers 500) with the line of the key.
    await expect(harness.slash('grant user:alice developer')).rejects.toThrow(
      'Invalid access rules: access-rules.yml line 5 (tiers.developer.auto_approve): auto_approve is allowed only for readonly',
    );
    expect(startExecutions(harness)).toBe(0);
  });
});

describe('break-glass', () => {
  const RULES = 'tiers:\n  developer:\n    break_glass: true\n    approvers: [U0APPROVER1, S0ONCALL]\n';

  it('the requester approves their own grant: applied for at most 1h, an @here post, a DM to every approver', async () => {
    const harness = await withRules(RULES);
    harness.slack.state.setUsergroup('S0ONCALL', [APPROVER_2]);
    const ack = await harness.slash(`grant <@${REQUESTER}|requester> developer because prod builds are down`);
    expect(ackText(ack)).toContain('received');
    const request = await harness.onlyRequest();
    // No `for`: a break-glass grant gets the tier's longest duration (1h by default).
    expect(request.command).toMatchObject({ durationSeconds: 3600 });
    await harness.awaitApprovalWait(request.requestId);

    await harness.click(request.requestId, REQUESTER);
    await expect(harness.finished(request.requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });

    const loud = harness.slack.messages.filter((m) => (m.text ?? '').startsWith('<!here>'));
    expect(loud).toHaveLength(1);
    expect(loud[0]?.channel).toBe(AUDIT_CHANNEL);
    expect(loud[0]?.text).toContain(
      `*Break-glass:* <@${REQUESTER}> approved their own request ${request.requestId}: developer for user requester for 1h. Reason: prod builds are down.`,
    );
    // The card's "approval needed" DM (sent when the card is posted), then the break-glass DM.
    for (const approver of [APPROVER_1, APPROVER_2]) {
      expect(harness.slack.directMessagesTo(approver).map((m) => m.text)).toEqual([
        `Approval needed: ${request.requestId} by <@${REQUESTER}>`,
        expect.stringContaining(
          `*Break-glass:* <@${REQUESTER}> approved their own request ${request.requestId}`,
        ),
      ]);
    }
    // The DM itself never broadcasts.
    expect(harness.slack.directMessagesTo(APPROVER_1)[1]?.text).not.toContain('<!here>');
  });

  it('refuses a break-glass request without a reason', async () => {
    const harness = await withRules(RULES);
    expect(ackText(await harness.slash(`grant <@${REQUESTER}|requester> developer for 1h`))).toBe(
      refusal(
        'developer is break-glass access: say why, e.g. `grant @you developer for 1h because prod build is down`.',
      ),
    );
  });

  it('refuses a break-glass request longer than the tier allows', async () => {
    const harness = await withRules(RULES);
    expect(
      ackText(await harness.slash(`grant <@${REQUESTER}|requester> developer for 2h because outage`)),
    ).toBe(refusal('The access rules allow developer access for at most 1h; ask for `for 1h` or less.'));
  });

  it('never grants someone else: a break-glass tier grant for another person needs another approver', async () => {
    const harness = await withRules(RULES);
    harness.slack.state.setUsergroup('S0ONCALL', [APPROVER_2]);
    await harness.slash(`grant <@${ALICE}|alice> developer for 1h because prod builds are down`);
    const { requestId } = await harness.onlyRequest();
    await harness.awaitApprovalWait(requestId);
    await harness.click(requestId, REQUESTER);
    expect(ephemeralsFor(harness, REQUESTER)).toEqual([
      'Break-glass lets you approve only your own developer access (`grant @you developer for 1h because …`). This request is for someone else, so another approver has to decide it.',
    ]);
    expect((await harness.store.get(requestId))?.status).toBe('awaiting_approval');
    expect(harness.iam.attached('user', 'alice')).toEqual([]);
    expect(harness.slack.messages.filter((m) => (m.text ?? '').includes('<!here>'))).toEqual([]);
  });

  it('self-approval stays refused on every tier without break_glass', async () => {
    const harness = await withRules(RULES);
    await harness.slash('grant user:alice readonly because look');
    const { requestId } = await harness.onlyRequest();
    await harness.awaitApprovalWait(requestId);
    await harness.click(requestId, REQUESTER);
    expect(ephemeralsFor(harness, REQUESTER)).toEqual([
      'You asked for this change, so you cannot decide it. Another approver has to.',
    ]);
    expect(harness.slack.messages.filter((m) => (m.text ?? '').includes('<!here>'))).toEqual([]);
  });

  it("apply refuses the requester's own approval when its rules do not say break_glass", async () => {
    // The slack function's rules allow break-glass; the workflow's (apply's) do not: apply wins.
    h = await startHarness(
      { ACCESS_RULES: accessRulesEnv(RULES) },
      { workflowEnv: { ACCESS_RULES: accessRulesEnv('tiers:\n  developer:\n    approvals: 1\n') } },
    );
    h.iam.addUser('requester');
    const harness = h;
    await harness.slash(`grant <@${REQUESTER}|requester> developer because outage`);
    const { requestId } = await harness.onlyRequest();
    await harness.awaitApprovalWait(requestId);
    await harness.click(requestId, REQUESTER);
    await harness.finished(requestId);
    expect(harness.iam.attached('user', 'requester')).toEqual([]);
    const events = (await harness.store.get(requestId))?.events.map((e) => e.text).join('\n');
    expect(events).toContain(
      'it needs 1 approval of the plan the card showed, from people other than the requester, and has 0.',
    );
  });
});

describe('/codebuild-access rules', () => {
  it('prints the rules in effect, marking what the caller may request and approve', async () => {
    const harness = await withRules(
      'tiers:\n  developer:\n    requesters: [U0ALICE]\n    max_duration: 8h\n  readonly:\n    auto_approve: true\n',
    );
    const text = ackText(await harness.slash('rules', { userId: APPROVER_1 }));
    expect(text.split('\n')).toEqual([
      '*Access rules in effect* (access-rules.yml; they govern `grant`; revokes, service roles and kms requests need one global approver):',
      ':white_check_mark: *admin*: requested by everyone · approved by the global approvers · 2 approvals. _(you may request, you may approve)_',
      ':no_entry_sign: *developer*: requested by <@U0ALICE> · approved by the global approvers · 1 approval · at most 8h. _(you may not request, you may approve)_',
      ':white_check_mark: *readonly*: requested by everyone · auto-approved (no human; posted to the audit channel). _(you may request, you may approve)_',
      ':white_check_mark: *custom*: requested by everyone · approved by the global approvers · 2 approvals. _(you may request, you may approve)_',
    ]);
    expect(ackText(await harness.slash('rules', { userId: ALICE }))).toContain(
      '*developer*: requested by <@U0ALICE> · approved by the global approvers · 1 approval · at most 8h. _(you may request)_',
    );
  });
});
