/**
 * `extend REQ-… by 2h` through the real entry points: signed slash commands, clicks and the Deny modal
 * into the slack handler, the real ASL run locally (the grant's run and the extension's own run), the
 * sandbox account, DynamoDB on dynalite, Slack on loopback. The end moves only when the extension is
 * approved, and only the grant's run (the check apply's role runs) moves it: a hold signalled by the
 * Slack side with a forged extension keeps its end.
 */
import { accessRulesEnv } from '../../scripts/access-rules-env';
import { POLICY_ARNS } from '../../src/domain/tiers';
import type { EventLog } from '../../src/local/local-workflow';
import { ACTION_IDS, DENY_MODAL, EXTEND_MODAL } from '../../src/slack/ids';
import {
  ALICE,
  APPROVER_1,
  AUDIT_CHANNEL,
  ackText,
  type Harness,
  OUTSIDER,
  REQUESTER,
  startHarness,
} from '../helpers/harness';
import {
  rawSignedEvent,
  TEST_SIGNING_SECRET,
  viewSubmissionEvent,
  viewSubmissionPayload,
} from '../helpers/signed-event';

let h: Harness;
afterEach(async () => h.stop());

const HOUR = 3600;
const DEVELOPER = [POLICY_ARNS.codeBuildDeveloper, POLICY_ARNS.s3ReadOnly].sort();
const REMINDER_HOLD = 'Hold until the reminder';
// The holds last (a minute each, never reached) so the grant is in effect while the test acts on it.
const LASTING_HOLDS = { [REMINDER_HOLD]: 60_000, 'Hold until expiry': 60_000 };

async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  // Bounded by iterations, generous for a loaded 2-core machine (each turn sleeps 5 ms).
  for (let i = 0; i < 4000; i += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const enteredStates = (events: readonly EventLog[]): Array<{ name: string; input: unknown }> =>
  events.flatMap((event) => (event.type === 'StateEntered' && 'state' in event ? [event.state] : []));
const runStates = (requestId: string) => enteredStates(h.workflow.run(requestId)?.events ?? []);
const entered = (requestId: string): string[] => runStates(requestId).map((state) => state.name);
const holdCount = (requestId: string): number =>
  entered(requestId).filter((name) => name === REMINDER_HOLD).length;
/** The window the grant's run holds it for: $.applied.timeBound as the latest hold was entered. */
type HeldState = { applied: { timeBound: { remindAt: string; expiresAt: string; untilReminder: number } } };
function heldWindow(requestId: string): HeldState['applied']['timeBound'] {
  const held = runStates(requestId).filter((state) => state.name === REMINDER_HOLD);
  const input = held.at(-1)?.input as HeldState | undefined;
  if (!input) throw new Error(`${requestId} was never held`);
  return input.applied.timeBound;
}

/** Slack's date token for an instant: what a card, thread or DM shows (never the raw ISO time). */
const dateToken = (iso: string): string => `<!date^${Math.floor(Date.parse(iso) / 1000)}^`;
const plus = (iso: string, seconds: number): string =>
  new Date(Date.parse(iso) + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

const threadText = async (requestId: string): Promise<string> => {
  const request = await h.store.get(requestId);
  return h.slack
    .thread(request?.card?.ts ?? '')
    .map((m) => m.text)
    .join('\n');
};
const cardBlocks = async (requestId: string): Promise<string> => {
  const request = await h.store.get(requestId);
  return JSON.stringify(h.slack.messages.find((m) => m.ts === request?.card?.ts && !m.threadTs)?.blocks);
};
const dms = (userId: string): string =>
  h.slack
    .directMessagesTo(userId)
    .map((m) => m.text)
    .join('\n');

async function start(
  extraEnv: Record<string, string> = {},
  waits: Record<string, number> = LASTING_HOLDS,
): Promise<void> {
  h = await startHarness(extraEnv, { waits });
  h.iam.addUser('alice');
}

/** A time-bound grant, approved, applied and held by its run; returns its id and its end. */
async function heldGrant(text: string): Promise<{ grantId: string; end: string }> {
  await h.slash(text);
  const { requestId } = await h.onlyRequest();
  await h.awaitApprovalWait(requestId);
  await h.click(requestId, APPROVER_1);
  await until('the grant to be held', async () => {
    const request = await h.store.get(requestId);
    return request?.status === 'active' && request.holdToken !== undefined && h.workflow.isWaiting(requestId);
  });
  const end = (await h.store.get(requestId))?.accessExpiresAt ?? '';
  expect(heldWindow(requestId).expiresAt).toBe(end);
  return { grantId: requestId, end };
}

/** `extend …` typed by `userId`: the extension's id (from the answer) once its card waits for approvers. */
async function askExtension(grantId: string, by: string, userId = REQUESTER): Promise<string> {
  const answer = ackText(await h.slash(`extend ${grantId} by ${by}`, { userId }));
  const extensionId = /^(REQ-[0-9A-Z]{10}) asks to extend/.exec(answer)?.[1];
  if (!extensionId) throw new Error(`no extension asked: ${answer}`);
  await h.awaitApprovalWait(extensionId);
  return extensionId;
}

describe('extend: approved like a grant, the end moves only when approved', () => {
  beforeEach(async () => start());

  it('asks with a card that says "extend REQ-X by 2h: ends <old> → <new>"; the approval moves the end, re-arms the reminder, and the thread, DM and Home tab say so', async () => {
    const { grantId, end } = await heldGrant('grant user:alice developer for 3h because release');
    const newEnd = plus(end, 2 * HOUR);

    const answer = ackText(await h.slash(`extend ${grantId} by 2h`));
    expect(answer).toContain(`asks to extend ${grantId} by 2h: ends ${dateToken(end)}`);
    expect(answer).toContain(`→ ${dateToken(newEnd)}`);
    expect(answer).toContain('the end moves only when it is approved');
    const extensionId = /^(REQ-[0-9A-Z]{10})/.exec(answer)?.[1] ?? '';
    await h.awaitApprovalWait(extensionId);

    // The card: the same style as a grant's, with the tier's approvers' buttons.
    const blocks = await cardBlocks(extensionId);
    expect(blocks).toContain(`extend ${grantId} by 2h: ends ${dateToken(end)}`);
    expect(blocks).toContain(`→ ${dateToken(newEnd)}`);
    expect(blocks).toContain(ACTION_IDS.approve);
    expect(blocks).toContain('Needs one approver other than the requester');
    expect(blocks).toContain(`ends ${dateToken(newEnd)}`);
    expect(blocks).not.toContain('from when it is applied');
    expect(blocks).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    // Nothing moved while it waits; the requester may not approve it themselves.
    expect((await h.store.get(grantId))?.accessExpiresAt).toBe(end);
    await h.click(extensionId, REQUESTER);
    expect((await h.store.get(extensionId))?.status).toBe('awaiting_approval');

    await h.click(extensionId, APPROVER_1);
    await expect(h.finished(extensionId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    await until(
      'the grant to be held again',
      () => holdCount(grantId) === 2 && h.workflow.isWaiting(grantId),
    );

    // The grant's own run moved the end: back to the hold with the new absolute times.
    expect(entered(grantId).slice(-4)).toEqual([
      'Extended?',
      'Check the extension',
      'Report the extension',
      REMINDER_HOLD,
    ]);
    const window = heldWindow(grantId);
    expect(window.expiresAt).toBe(newEnd);
    expect(window.remindAt).toBe(plus(newEnd, -HOUR));
    // The reminder hold is counted from now to the new reminder (about 4 h), not restarted from apply.
    expect(window.untilReminder).toBeGreaterThan(4 * HOUR - 60);
    expect(window.untilReminder).toBeLessThanOrEqual(4 * HOUR);

    const grant = await h.store.get(grantId);
    expect(grant?.accessExpiresAt).toBe(newEnd);
    expect(grant?.status).toBe('active');
    const said = `extended until ${dateToken(newEnd)}`;
    expect(await threadText(grantId)).toContain(said);
    expect(await threadText(extensionId)).toContain(said);
    expect(dms(REQUESTER)).toContain(said);
    expect(await cardBlocks(grantId)).toContain(`ends ${dateToken(newEnd)}`);
    expect(JSON.stringify(h.slack.state.homeOf(REQUESTER)?.view)).toContain(dateToken(newEnd));
    expect((await h.store.get(extensionId))?.status).toBe('completed');
    expect(h.iam.attached('user', 'alice')).toEqual(DEVELOPER);

    // Still a grant with a time limit: relinquish ends it as before.
    expect(ackText(await h.slash(`relinquish ${grantId}`))).toContain(`${grantId} is relinquished`);
    await expect(h.finished(grantId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(h.iam.attached('user', 'alice')).toEqual([]);
  });

  it('the holder (the target, not the requester) may ask too', async () => {
    const { grantId } = await heldGrant(`grant <@${ALICE}|alice> developer for 3h`);
    const extensionId = await askExtension(grantId, '30m', ALICE);
    expect((await h.store.get(extensionId))?.requester.userId).toBe(ALICE);
  });

  it('a denial leaves the end unchanged and the grant held', async () => {
    const { grantId, end } = await heldGrant('grant user:alice developer for 3h');
    const extensionId = await askExtension(grantId, '2h');

    await h.click(extensionId, APPROVER_1, { actionId: ACTION_IDS.deny });
    const submitted = await h.handler(
      viewSubmissionEvent({
        secret: TEST_SIGNING_SECRET,
        callbackId: DENY_MODAL.callbackId,
        privateMetadata: extensionId,
        userId: APPROVER_1,
        values: {
          [DENY_MODAL.reasonBlockId]: {
            [DENY_MODAL.reasonActionId]: { type: 'plain_text_input', value: 'release is over' },
          },
        },
      }),
    );
    expect(submitted.statusCode).toBe(200);
    await expect(h.finished(extensionId)).resolves.toMatchObject({ status: 'SUCCEEDED' });

    expect((await h.store.get(extensionId))?.status).toBe('denied');
    expect((await h.store.get(grantId))?.accessExpiresAt).toBe(end);
    expect(holdCount(grantId)).toBe(1);
    expect(h.workflow.isWaiting(grantId)).toBe(true);
    expect(heldWindow(grantId).expiresAt).toBe(end);
  });
});

describe('extend: an extension nobody decides expires, and the end stays', () => {
  it('expires at its approval timeout', async () => {
    // The extension's approval wait times out after 1.5 s; the grant's own approval is clicked at once.
    await start({}, { ...LASTING_HOLDS, 'Ask for approval': 1500 });
    const { grantId, end } = await heldGrant('grant user:alice developer for 3h');
    const extensionId = await askExtension(grantId, '2h');

    await expect(h.finished(extensionId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect((await h.store.get(extensionId))?.status).toBe('expired');
    expect((await h.store.get(grantId))?.accessExpiresAt).toBe(end);
    expect(holdCount(grantId)).toBe(1);
    expect(heldWindow(grantId).expiresAt).toBe(end);
  });
});

describe('extend: who may ask, and for how long', () => {
  it('refuses someone who neither holds nor asked for the grant', async () => {
    await start();
    const { grantId } = await heldGrant('grant user:alice developer for 3h');
    expect(ackText(await h.slash(`extend ${grantId} by 2h`, { userId: OUTSIDER }))).toBe(
      `Only the person who holds the access of ${grantId}, or <@${REQUESTER}> who asked for it, can extend it. Nothing was asked.`,
    );
    // Nothing was asked: the audit channel still has the grant's card only.
    expect(h.slack.messages.filter((m) => m.channel === AUDIT_CHANNEL && !m.threadTs)).toHaveLength(1);
  });

  it('refuses an unknown request, a malformed id and a bad duration', async () => {
    await start();
    expect(ackText(await h.slash('extend REQ-0000000000 by 2h'))).toBe(
      'I have no request REQ-0000000000; nothing was asked.',
    );
    expect(ackText(await h.slash('extend 42 by 2h'))).toContain('`42` is not a request id');
    expect(ackText(await h.slash('extend REQ-0000000000 by soon'))).toContain(
      '`soon` is not a duration. Use a number and m, h or d',
    );
    expect(ackText(await h.slash('extend REQ-0000000000 2h'))).toContain(
      '`extend` takes a request id and `by` a duration',
    );
  });

  it('refuses a permanent grant', async () => {
    await start();
    await h.slash('grant user:alice developer');
    const { requestId: permanent } = await h.onlyRequest();
    await h.awaitApprovalWait(permanent);
    await h.click(permanent, APPROVER_1);
    await h.finished(permanent);
    expect(ackText(await h.slash(`extend ${permanent} by 2h`))).toBe(
      `${permanent} is a permanent grant: it has no time limit to extend. Nothing was asked.`,
    );
  });

  it('refuses a grant that has ended', async () => {
    await start();
    const { grantId } = await heldGrant('grant user:alice developer for 3h');
    await h.slash(`relinquish ${grantId}`);
    await h.finished(grantId);
    expect(ackText(await h.slash(`extend ${grantId} by 2h`))).toBe(
      `${grantId} is not a grant in effect (it is relinquished), so there is nothing to extend. Ask for a new grant instead.`,
    );
  });

  it("refuses an extension past the tier's longest duration, naming the limit (original + extensions)", async () => {
    await start({ ACCESS_RULES: accessRulesEnv('tiers:\n  developer:\n    max_duration: 4h\n') });
    const { grantId } = await heldGrant('grant user:alice developer for 3h');
    expect(ackText(await h.slash(`extend ${grantId} by 2h`))).toBe(
      `${grantId} cannot be extended by 2h: it would last 5h in all, and the longest developer grant is 4h (access rules). Nothing was asked.`,
    );
    // Within the limit it is asked.
    await askExtension(grantId, '1h');
  });
});

describe('extend: a misbehaving Slack function cannot lengthen a grant', () => {
  beforeEach(async () => start());

  async function forge(grantId: string, extension: unknown): Promise<void> {
    const before = holdCount(grantId);
    const token = (await h.store.get(grantId))?.holdToken ?? '';
    // What the slack role may do: SendTaskSuccess on the hold token, with any output.
    await expect(h.workflow.sendDecision(token, { extension })).resolves.toBe('sent');
    await until(
      'the grant to be held again',
      () => holdCount(grantId) === before + 1 && h.workflow.isWaiting(grantId),
    );
  }

  it.each([
    ['an extension that does not exist', 'REQ-0000000000'],
    ['something that is not an id', { expiresAt: '2027-11-29T00:00:00Z', seconds: 31_536_000 }],
  ])('%s: the end stays', async (_what, extension) => {
    const { grantId, end } = await heldGrant('grant user:alice developer for 3h');
    const firstHold = heldWindow(grantId).untilReminder;
    await forge(grantId, extension);
    expect(heldWindow(grantId).expiresAt).toBe(end);
    // Counted again from now to the same reminder: never restarted at its first length.
    expect(heldWindow(grantId).untilReminder).toBeLessThanOrEqual(firstHold);
    expect((await h.store.get(grantId))?.accessExpiresAt).toBe(end);
  });

  it('an extension nobody approved, or one its requester "approved" in the record, moves nothing', async () => {
    const { grantId, end } = await heldGrant('grant user:alice developer for 3h');
    const extensionId = await askExtension(grantId, '2h');
    await forge(grantId, extensionId);
    expect(heldWindow(grantId).expiresAt).toBe(end);
    expect(await threadText(grantId)).toContain(
      `${extensionId} was not applied to ${grantId}: it needs 1 approval of its card from people other than its requester, and has 0.`,
    );

    // The slack role writes decisions: it records the requester's own approval and signals again.
    const record = await h.store.get(extensionId);
    if (!record?.planHash) throw new Error('no card');
    const at = new Date().toISOString();
    const saved = await h.store.save(
      {
        ...record,
        status: 'approved',
        approvals: [{ userId: REQUESTER, at, planHash: record.planHash }],
        decision: { outcome: 'approved', by: [REQUESTER], at },
      },
      record.version,
      ['status', 'approvals', 'decision'],
    );
    expect(saved).toBe(true);
    await forge(grantId, extensionId);
    expect(heldWindow(grantId).expiresAt).toBe(end);
    expect((await h.store.get(grantId))?.accessExpiresAt).toBe(end);
  });

  it('an approved extension signalled twice moves the end once', async () => {
    const { grantId, end } = await heldGrant('grant user:alice developer for 3h');
    const extensionId = await askExtension(grantId, '2h');
    await h.click(extensionId, APPROVER_1);
    await until(
      'the extension to be counted',
      () => holdCount(grantId) === 2 && h.workflow.isWaiting(grantId),
    );
    expect(heldWindow(grantId).expiresAt).toBe(plus(end, 2 * HOUR));

    await forge(grantId, extensionId);
    expect(heldWindow(grantId).expiresAt).toBe(plus(end, 2 * HOUR));
    expect(await threadText(grantId)).toContain(
      `${extensionId} was not applied to ${grantId}: it was already applied.`,
    );
  });
});

describe('extend: one extension at a time', () => {
  beforeEach(async () => start());

  it('refuses a second extension while the first waits for approvers, naming the pending one', async () => {
    const { grantId } = await heldGrant('grant user:alice developer for 3h');
    const first = await askExtension(grantId, '2h');
    expect(ackText(await h.slash(`extend ${grantId} by 1h`, { userId: REQUESTER }))).toBe(
      `${grantId} already has an extension waiting for approvers: ${first} (extend ${grantId} by 2h, asked by <@${REQUESTER}>). ` +
        `One extension at a time: ask again once it is decided, or cancel it first with \`cancel ${first}\` if it is yours. Nothing was asked.`,
    );
    // Nothing was asked: the audit channel has the grant's card and the first extension's only.
    expect(h.slack.messages.filter((m) => m.channel === AUDIT_CHANNEL && !m.threadTs)).toHaveLength(2);

    // Once the first is decided, another may be asked.
    await h.click(first, APPROVER_1);
    await until('the first extension to be counted', async () => {
      return (await h.store.get(first))?.status === 'completed';
    });
    await askExtension(grantId, '1h');
  });
});

describe('extend: approved while the grant run is between its two holds (sending the reminder)', () => {
  const REMIND = 'Remind the requester';
  let releaseReminder: () => void = () => undefined;
  let reminding = false;

  /** A grant whose run is stopped at "Remind the requester" until releaseReminder(). */
  async function grantBetweenHolds(): Promise<{ grantId: string; end: string }> {
    const gate = new Promise<void>((resolve) => {
      releaseReminder = resolve;
    });
    reminding = false;
    h = await startHarness(
      {},
      {
        // The first hold times out at once (its reminder is due); the last one lasts.
        waits: { [REMINDER_HOLD]: 0, 'Hold until expiry': 60_000 },
        beforeTask: async (state) => {
          if (state !== REMIND) return;
          reminding = true;
          await gate;
        },
      },
    );
    h.iam.addUser('alice');
    await h.slash('grant user:alice developer for 3h because release');
    const { requestId } = await h.onlyRequest();
    await h.awaitApprovalWait(requestId);
    await h.click(requestId, APPROVER_1);
    await until('the run to reach the reminder', () => reminding);
    const grant = await h.store.get(requestId);
    expect(grant?.status).toBe('active');
    return { grantId: requestId, end: grant?.accessExpiresAt ?? '' };
  }

  afterEach(() => releaseReminder());

  it('waits for the next hold: the run takes the extension once the reminder is sent, and the end moves', async () => {
    const { grantId, end } = await grantBetweenHolds();
    const extensionId = await askExtension(grantId, '2h');

    // The approver's click looks for the next hold while the reminder is being sent.
    const clicked = h.click(extensionId, APPROVER_1);
    await until('the extension to be approved', async () => {
      return (await h.store.get(extensionId))?.status === 'approved';
    });
    releaseReminder();
    expect((await clicked).statusCode).toBe(200);

    await until('the extension to be counted', async () => {
      return (await h.store.get(extensionId))?.status === 'completed';
    });
    expect((await h.store.get(grantId))?.accessExpiresAt).toBe(plus(end, 2 * HOUR));
    expect(await threadText(grantId)).toContain(`extended until ${dateToken(plus(end, 2 * HOUR))}`);
    expect(h.slack.ephemerals.map((m) => m.text).join('\n')).toContain(
      `Approved. ${grantId}'s run now checks the extension and moves its end`,
    );
  });

  it('when the run does not reach its next hold in time, the extension is closed as lapsed and its requester is told to ask again', async () => {
    const { grantId, end } = await grantBetweenHolds();
    const extensionId = await askExtension(grantId, '2h');

    await h.click(extensionId, APPROVER_1);

    const lapsed =
      `:warning: ${extensionId} was approved, but ${grantId} was between two steps of its run (sending its reminder) ` +
      `and its run did not take the extension in time, so its end did not move. ${extensionId} is closed as lapsed. ` +
      `<@${REQUESTER}>, ask again with \`extend ${grantId} by 2h\`: the grant is in effect and the next approval will be taken.`;
    const extension = await h.store.get(extensionId);
    expect(extension?.status).toBe('lapsed');
    expect(await threadText(extensionId)).toContain(lapsed);
    expect(dms(REQUESTER)).toContain(lapsed);
    expect(h.slack.ephemerals.filter((m) => m.user === APPROVER_1).map((m) => m.text)).toContain(lapsed);
    expect((await h.store.get(grantId))?.accessExpiresAt).toBe(end);
    // Its card ends as what happened, not as a bare approval.
    expect(await cardBlocks(extensionId)).toContain(
      `:warning: Lapsed: ${grantId}'s run did not take it, so the grant's end did not move.`,
    );

    // Closed, it no longer blocks a new ask; once the run holds the grant again, that one is taken.
    releaseReminder();
    await until('the grant to be held again', () => h.workflow.isWaiting(grantId));
    const again = await askExtension(grantId, '2h');
    await h.click(again, APPROVER_1);
    await until('the new extension to be counted', async () => {
      return (await h.store.get(again))?.status === 'completed';
    });
    expect((await h.store.get(grantId))?.accessExpiresAt).toBe(plus(end, 2 * HOUR));
  });
});

describe('extend from the Home tab: an Extend button next to Relinquish, a small modal, the same request', () => {
  beforeEach(async () =>
    start({ ACCESS_RULES: accessRulesEnv('tiers:\n  developer:\n    max_duration: 8h\n') }),
  );

  /** What the bot told a person directly: ephemerals and DMs. */
  const told = (userId: string): string =>
    [...h.slack.ephemerals.filter((m) => m.user === userId).map((m) => m.text), dms(userId)].join('\n');
  const homeOf = (userId: string): string => JSON.stringify(h.slack.state.homeOf(userId)?.view ?? {});
  type ModalBlock = { block_id?: string; element?: { options?: Array<{ value: string }> } };

  it('offers only the time the tier still allows; the submission asks "extend REQ-X by 2h" with its reason, listed as such on Home; approval moves the end', async () => {
    const { grantId, end } = await heldGrant('grant user:alice developer for 3h');
    await h.homeOpened(REQUESTER);
    expect(homeOf(REQUESTER)).toContain(`"action_id":"${ACTION_IDS.extend}","value":"${grantId}"`);
    expect(homeOf(REQUESTER)).toContain(`"action_id":"${ACTION_IDS.relinquish}","value":"${grantId}"`);

    // The click opens the modal: 8 h in all, 3 h used, so at most 5 h more.
    expect((await h.click(grantId, REQUESTER, { actionId: ACTION_IDS.extend })).statusCode).toBe(200);
    const modal = h.slack.state.modalOf(REQUESTER);
    const view = modal?.view as { callback_id?: string; private_metadata?: string; blocks: ModalBlock[] };
    expect(view.callback_id).toBe(EXTEND_MODAL.callbackId);
    expect(view.private_metadata).toBe(grantId);
    const offered = view.blocks.find((block) => block.block_id === EXTEND_MODAL.durationBlockId)?.element
      ?.options;
    expect(offered?.map((option) => option.value)).toEqual(['30m', '1h', '2h', '4h', '5h']);

    // As Slack sends it: the select's pick and the reason in view.state.values.
    const payload = viewSubmissionPayload({
      callbackId: EXTEND_MODAL.callbackId,
      privateMetadata: grantId,
      userId: REQUESTER,
      triggerId: h.slack.triggerFor(REQUESTER),
      values: {},
    });
    payload.view.state.values = {
      [EXTEND_MODAL.durationBlockId]: {
        [EXTEND_MODAL.durationActionId]: {
          type: 'static_select',
          selected_option: { text: { type: 'plain_text', text: '2 hours' }, value: '2h' },
        },
      },
      [EXTEND_MODAL.reasonBlockId]: {
        [EXTEND_MODAL.reasonActionId]: { type: 'plain_text_input', value: 'the release slipped' },
      },
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const submitted = await h.handler(rawSignedEvent({ secret: TEST_SIGNING_SECRET, body }));
    expect(submitted.statusCode).toBe(200);
    expect(submitted.body).toBe('');
    // The answer comes by DM, worded as the typed command's.
    const asked = new RegExp(`(REQ-[0-9A-Z]{10}) asks to extend ${grantId} by 2h: ends `).exec(
      dms(REQUESTER),
    );
    const extensionId = asked?.[1] ?? '';
    expect(extensionId).not.toBe('');
    await h.awaitApprovalWait(extensionId);
    expect(await cardBlocks(extensionId)).toContain('the release slipped');

    // Home lists it as the extension it is, not as a copy of the grant's command.
    await h.homeOpened(REQUESTER);
    expect(homeOf(REQUESTER)).toContain(`*extend ${grantId} by 2h: ends ${dateToken(end)}`);
    expect(homeOf(REQUESTER)).not.toContain('for 5h');
    await h.homeOpened(APPROVER_1);
    expect(homeOf(APPROVER_1)).toContain(`asks to *extend ${grantId} by 2h: ends ${dateToken(end)}`);

    // A second Extend click while it waits: refused, naming it.
    await h.click(grantId, REQUESTER, { actionId: ACTION_IDS.extend });
    expect(told(REQUESTER)).toContain(
      `${grantId} already has an extension waiting for approvers: ${extensionId}`,
    );

    await h.click(extensionId, APPROVER_1);
    await until(
      'the extension to be counted',
      async () => (await h.store.get(extensionId))?.status === 'completed',
    );
    expect((await h.store.get(grantId))?.accessExpiresAt).toBe(plus(end, 2 * HOUR));
    await h.homeOpened(REQUESTER);
    expect(homeOf(REQUESTER)).toContain(`Ends ${dateToken(plus(end, 2 * HOUR))}`);
  });

  it("a grant already at its tier's longest duration opens no modal: the clicker is told why", async () => {
    const { grantId } = await heldGrant('grant user:alice developer for 8h');
    await h.click(grantId, REQUESTER, { actionId: ACTION_IDS.extend });
    expect(h.slack.state.modalOf(REQUESTER)).toBeUndefined();
    expect(told(REQUESTER)).toContain(
      `${grantId} cannot be extended: it already lasts 8h, the longest developer grant (access rules). Ask for a new grant when it ends if you still need access.`,
    );
  });
});

describe("the Extend modal of a member account's grant", () => {
  type ModalBlock = { block_id?: string; element?: { options?: Array<{ value: string }> } };
  const PROD = '777788889999';

  it("offers only what that account's rule still allows (prod: developer at most 2h)", async () => {
    const rules = ['accounts:', '  prod:', '    tiers:', '      developer:', '        max_duration: 2h'];
    h = await startHarness(
      { ACCESS_RULES: accessRulesEnv(rules.join('\n')) },
      { members: { prod: PROD }, waits: LASTING_HOLDS },
    );
    h.members.prod?.addUser('alice');
    const { grantId } = await heldGrant('grant user:alice developer in prod for 1h');

    expect((await h.click(grantId, REQUESTER, { actionId: ACTION_IDS.extend })).statusCode).toBe(200);
    const view = h.slack.state.modalOf(REQUESTER)?.view as { blocks: ModalBlock[] } | undefined;
    const offered = view?.blocks.find((block) => block.block_id === EXTEND_MODAL.durationBlockId)?.element
      ?.options;
    expect(offered?.map((option) => option.value)).toEqual(['30m', '1h']);
    // The typed command names the same limit.
    expect(ackText(await h.slash(`extend ${grantId} by 4h`))).toContain('2h');
  });
});
