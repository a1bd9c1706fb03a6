import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { GlobalShortcut, ViewStateValue } from '@slack/bolt';
import { accessRulesEnv } from '../../scripts/access-rules-env';
import { HELP_TEXT, parseCommand } from '../../src/commands/parse-command';
import {
  FORM_ERRORS,
  fieldMessage,
  requestForm,
  TIER_DESCRIPTIONS,
} from '../../src/slack/blocks/request-form';
import { ACTION_IDS, REQUEST_FORM } from '../../src/slack/ids';
import { formLimits } from '../../src/slack/listeners/request-form';
import {
  ALICE,
  AUDIT_CHANNEL,
  ackText,
  type Harness,
  OUTSIDER,
  REQUESTER,
  startHarness,
} from '../helpers/harness';
import { slackError } from '../helpers/local-slack';
import { rawSignedEvent, TEST_SIGNING_SECRET, viewSubmissionPayload } from '../helpers/signed-event';

// The request form through the real entry point: signed slash commands, shortcuts and view submissions
// into the slack handler, the real ASL run locally, the sandbox account, Slack on loopback.

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ MAX_GRANT_DURATION_SECONDS: String(7 * 86_400) });
  h.iam.addUser('alice');
});
afterEach(async () => h.stop());

const { blocks: ids, actions } = REQUEST_FORM;

interface FormFields {
  /** Sent only when the form shows the Account select (more than one account configured). */
  account?: string;
  person?: string;
  iamTarget?: string;
  action?: string;
  tier?: string;
  duration?: string;
  reason?: string;
}

const option = (value: string | undefined): ViewStateValue => ({
  type: 'static_select',
  selected_option: value === undefined ? null : { text: { type: 'plain_text', text: value }, value },
});

/** `view.state.values` as Slack sends them for the form: every input present, empty ones null. */
function formValues(fields: FormFields): Record<string, Record<string, ViewStateValue>> {
  return {
    ...(fields.account === undefined ? {} : { [ids.account]: { [actions.account]: option(fields.account) } }),
    [ids.person]: { [actions.person]: { type: 'users_select', selected_user: fields.person ?? null } },
    [ids.iamTarget]: { [actions.iamTarget]: { type: 'plain_text_input', value: fields.iamTarget ?? null } },
    [ids.action]: { [actions.action]: option(fields.action ?? 'grant') },
    [ids.tier]: { [actions.tier]: option(fields.tier) },
    [ids.duration]: { [actions.duration]: option(fields.duration) },
    [ids.reason]: { [actions.reason]: { type: 'plain_text_input', value: fields.reason ?? null } },
  };
}

/** A signed view_submission of the request form by `userId`, opened from `origin`. */
function submitForm(
  fields: FormFields,
  origin: { channelId?: string } = { channelId: 'C0REQ' },
  userId = REQUESTER,
) {
  const payload = viewSubmissionPayload({
    callbackId: REQUEST_FORM.callbackId,
    privateMetadata: JSON.stringify(origin),
    userId,
    values: {},
  });
  payload.view.state.values = formValues(fields);
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return h.handler(rawSignedEvent({ secret: TEST_SIGNING_SECRET, body }));
}

/** A signed global shortcut (the ⚡ menu) by `userId`. */
function shortcut(userId: string, triggerId: string) {
  const payload: GlobalShortcut = {
    type: 'shortcut',
    callback_id: REQUEST_FORM.shortcutCallbackId,
    trigger_id: triggerId,
    user: { id: userId, username: userId.toLowerCase(), team_id: 'T0TEAM' },
    team: { id: 'T0TEAM', domain: 'testteam' },
    token: 'deprecated-verification-token',
    action_ts: '1700000000.000100',
    is_enterprise_install: false,
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return h.handler(rawSignedEvent({ secret: TEST_SIGNING_SECRET, body }));
}

const fieldErrors = (response: { statusCode: number; body: string }) => {
  expect(response.statusCode).toBe(200);
  const answer = JSON.parse(response.body) as { response_action?: string; errors?: Record<string, string> };
  expect(answer.response_action).toBe('errors');
  return answer.errors;
};

const startedRequestIds = () =>
  h.sfn.commandCalls(StartExecutionCommand).map((call) => String(call.args[0].input.name));

const openedViews = () =>
  h.slack.callsTo('views.open').map((call) => ({
    trigger: call.args.trigger_id,
    view: call.args.view as Record<string, unknown>,
  }));

/** The expected form, as the builder makes it for the harness's configuration. */
const expectedForm = (origin: { channelId?: string }) =>
  requestForm({
    auditChannelId: AUDIT_CHANNEL,
    limitsFor: formLimits({ maxGrantDurationSeconds: 7 * 86_400 } as Parameters<typeof formLimits>[0]),
    origin,
  });

/**
 * A signed block_actions from the request form open in front of the requester: a static select picked
 * (dispatch_action), with the form's other values and the view's hash (the current one by default).
 */
function formPick(
  harness: Harness,
  input: {
    hash?: string;
    values: unknown;
    select: { actionId: string; blockId: string; value: string };
  },
) {
  const modal = harness.slack.state.modalOf(REQUESTER);
  if (!modal) throw new Error('no form open');
  const { actionId, blockId, value } = input.select;
  const payload = {
    type: 'block_actions',
    user: { id: REQUESTER, username: 'requester', name: 'requester', team_id: 'T0TEAM' },
    api_app_id: 'A0APP',
    token: 'deprecated',
    container: { type: 'view', view_id: modal.id },
    trigger_id: '1.2.pick',
    team: { id: 'T0TEAM', domain: 'testteam' },
    view: { ...modal.view, id: modal.id, hash: input.hash ?? modal.hash, state: { values: input.values } },
    actions: [
      {
        type: 'static_select',
        action_id: actionId,
        block_id: blockId,
        selected_option: { text: { type: 'plain_text', text: value }, value },
        action_ts: '1700000000.000200',
      },
    ],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return harness.handler(rawSignedEvent({ secret: TEST_SIGNING_SECRET, body }));
}

describe('opening the request form', () => {
  it('`/codebuild-access` with no text opens the form with the command’s trigger, and answers nothing else', async () => {
    const triggerId = h.slack.triggerFor(REQUESTER);
    const response = await h.slash('  ', { triggerId, channelId: 'C0REQ' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
    expect(openedViews()).toEqual([
      { trigger: triggerId, view: JSON.parse(JSON.stringify(expectedForm({ channelId: 'C0REQ' }))) },
    ]);
    expect(startedRequestIds()).toEqual([]);
  });

  it('the form offers each tier with its one-line description from the seed, and grant or revoke', async () => {
    await h.slash('');
    const view = openedViews()[0]?.view as {
      blocks: Array<{ block_id?: string; element?: Record<string, unknown> }>;
    };
    const tier = view.blocks.find((block) => block.block_id === ids.tier)?.element as {
      options: Array<{ value: string; text: { text: string }; description: { text: string } }>;
    };
    expect(tier.options.map((o) => [o.value, o.description.text])).toEqual([
      ['admin', TIER_DESCRIPTIONS.admin],
      ['developer', TIER_DESCRIPTIONS.developer],
      ['readonly', TIER_DESCRIPTIONS.readonly],
      ['custom', TIER_DESCRIPTIONS.custom],
    ]);
    expect(tier.options[0]?.text.text).toBe('admin (granting needs 2 approvers)');
    const action = view.blocks.find((block) => block.block_id === ids.action)?.element as {
      options: Array<{ value: string }>;
    };
    expect(action.options.map((o) => o.value)).toEqual(['grant', 'revoke']);
  });

  it('with only the hub configured the form has no Account select', async () => {
    await h.slash('');
    const view = openedViews()[0]?.view as { blocks: Array<{ block_id?: string }> };
    expect(view.blocks.map((block) => block.block_id)).not.toContain(ids.account);
  });

  it('`/codebuild-access help` still prints the grammar', async () => {
    const response = await h.slash('help');
    expect(ackText(response)).toBe(HELP_TEXT);
    expect(openedViews()).toEqual([]);
  });

  it('the global shortcut opens the same form, with no channel (the answer then comes by DM)', async () => {
    const triggerId = h.slack.triggerFor(REQUESTER);
    const response = await shortcut(REQUESTER, triggerId);
    expect(response.statusCode).toBe(200);
    expect(openedViews()).toEqual([
      { trigger: triggerId, view: JSON.parse(JSON.stringify(expectedForm({}))) },
    ]);
  });

  it('when Slack refuses to open the form, the slash command says so and how to type the request instead', async () => {
    h.slack.respondWith('views.open', () => slackError('expired_trigger_id'));
    const response = await h.slash('');
    expect(ackText(response)).toMatch(/^:warning: /);
    expect(ackText(response)).toContain('Nothing was changed');
    expect(ackText(response)).toContain(
      'You can type the request instead: `/codebuild-access help` shows how.',
    );
  });
});

describe('submitting a valid form', () => {
  it('records the same command the grammar builds, posts the card, and answers the requester where they asked', async () => {
    const response = await submitForm({
      person: ALICE,
      tier: 'developer',
      duration: '8h',
      reason: 'on-call for the build pipeline',
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(''); // the modal closes
    const [requestId] = startedRequestIds();
    const stored = await h.store.get(String(requestId));
    expect(stored?.command).toEqual(
      parseCommand(`grant <@${ALICE}> developer for 8h because on-call for the build pipeline`),
    );
    expect(stored?.requester.userId).toBe(REQUESTER);
    expect(stored?.channelId).toBe('C0REQ');
    expect(stored?.target.arn).toBe('arn:aws:iam::111122223333:user/alice');
    await h.awaitApprovalWait(String(requestId));
    const card = h.slack.messages.find((m) => m.channel === AUDIT_CHANNEL && m.threadTs === undefined);
    expect(card?.text).toContain(String(requestId));
    const ack = h.slack.ephemerals.find((e) => e.user === REQUESTER);
    expect(ack).toMatchObject({ channel: 'C0REQ' });
    expect(ack?.text).toContain(`Request ${requestId} received: *grant developer for <@${ALICE}>*`);
  });

  it('answers with the Cancel button the typed command answers with, and that button cancels the request', async () => {
    await submitForm({ iamTarget: 'user:alice', tier: 'readonly', reason: 'read the build logs' });
    const [requestId] = startedRequestIds();
    await h.awaitApprovalWait(String(requestId));
    const ack = h.slack.ephemerals.find((e) => e.user === REQUESTER);
    expect(JSON.stringify(ack?.blocks)).toContain(`"action_id":"${ACTION_IDS.cancel}"`);
    expect(JSON.stringify(ack?.blocks)).toContain(`"value":"${requestId}"`);

    await h.click(String(requestId), REQUESTER, { actionId: ACTION_IDS.cancel });

    expect((await h.store.get(String(requestId)))?.status).toBe('cancelled');
  });

  it('posts the same card as the typed command for the same request', async () => {
    const cardOf = async (requestId: string) => {
      await h.awaitApprovalWait(requestId);
      const card = h.slack.messages.find(
        (m) => m.channel === AUDIT_CHANNEL && m.threadTs === undefined && m.text?.includes(requestId),
      );
      // Only the request id and the approval deadline (its timestamp and its minute-rounded fallback) may differ.
      return JSON.stringify(card?.blocks)
        .replaceAll(requestId, 'REQ-X')
        .replace(/<!date\^\d+/g, '<!date^T')
        .replace(/\|\d{4}-\d\d-\d\d \d\d:\d\d UTC>/g, '|FALLBACK>')
        .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'ISO');
    };
    await submitForm({ iamTarget: 'user:alice', tier: 'readonly', reason: 'read the build logs' });
    const [fromForm] = startedRequestIds();
    await h.slash('grant user:alice readonly because read the build logs');
    const typed = startedRequestIds().find((id) => id !== fromForm);
    expect(await cardOf(String(fromForm))).toEqual(await cardOf(String(typed)));
    const [a, b] = await Promise.all([h.store.get(String(fromForm)), h.store.get(String(typed))]);
    expect(a?.command).toEqual(b?.command);
  });

  it('from the shortcut, the requester is answered by DM', async () => {
    h.iam.addGroup('qa');
    await submitForm({ iamTarget: 'group:qa', action: 'revoke', tier: 'readonly' }, {});
    const [requestId] = startedRequestIds();
    expect((await h.store.get(String(requestId)))?.command).toEqual(parseCommand('revoke group:qa readonly'));
    expect(h.slack.ephemerals).toEqual([]);
    const dm = h.slack.callsTo('chat.postMessage').find((call) => call.args.channel === REQUESTER);
    expect(dm?.args.text).toContain(`Request ${requestId} received: *revoke readonly for group:qa*`);
  });

  it('a replay of the same submission (same trigger) records one request', async () => {
    const payload = viewSubmissionPayload({
      callbackId: REQUEST_FORM.callbackId,
      privateMetadata: JSON.stringify({ channelId: 'C0REQ' }),
      userId: REQUESTER,
      values: {},
    });
    payload.view.state.values = formValues({ iamTarget: 'user:alice', tier: 'developer' });
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    await h.handler(rawSignedEvent({ secret: TEST_SIGNING_SECRET, body }));
    await h.handler(rawSignedEvent({ secret: TEST_SIGNING_SECRET, body }));
    expect(new Set(startedRequestIds()).size).toBe(1);
  });
});

describe('an invalid form: the error shows under the field that caused it, and nothing is recorded', () => {
  afterEach(() => {
    expect(startedRequestIds()).toEqual([]);
  });

  it.each<[string, FormFields, Record<string, string>]>([
    ['no target', { tier: 'developer' }, { [ids.person]: FORM_ERRORS.noTarget }],
    [
      'both targets',
      { person: ALICE, iamTarget: 'user:alice', tier: 'developer' },
      { [ids.person]: FORM_ERRORS.twoTargets },
    ],
    [
      'an IAM target with a space',
      { iamTarget: 'user:al ice', tier: 'developer' },
      { [ids.iamTarget]: '“user:al ice” has a space in it; IAM names have none.' },
    ],
    [
      'an IAM target without user: or group:',
      { iamTarget: '@alice', tier: 'developer' },
      {
        [ids.iamTarget]:
          "“@alice” is not a Slack mention I can resolve. Pick the person from Slack's @ list, or name the IAM user with “user:NAME”.",
      },
    ],
    ['no tier', { iamTarget: 'user:alice' }, { [ids.tier]: FORM_ERRORS.noTier }],
    [
      'a duration on a revoke',
      { iamTarget: 'user:alice', action: 'revoke', tier: 'developer', duration: '8h' },
      { [ids.duration]: FORM_ERRORS.revokeWithDuration },
    ],
    [
      'a duration past the limit (a forged option)',
      { iamTarget: 'user:alice', tier: 'developer', duration: '30d' },
      { [ids.duration]: FORM_ERRORS.durationTooLong('developer', 7 * 86_400) },
    ],
    [
      'a duration that is not one (a forged option)',
      { iamTarget: 'user:alice', tier: 'developer', duration: 'forever' },
      { [ids.duration]: FORM_ERRORS.durationTooLong('developer', 7 * 86_400) },
    ],
    [
      'a reason past the grammar’s 300 characters (a forged submission)',
      { iamTarget: 'user:alice', tier: 'developer', reason: 'x'.repeat(301) },
      { [ids.reason]: 'The reason is 301 characters long; keep it under 300.' },
    ],
    [
      'several fields at once',
      { action: 'revoke', duration: '1h' },
      {
        [ids.person]: FORM_ERRORS.noTarget,
        [ids.tier]: FORM_ERRORS.noTier,
        [ids.duration]: FORM_ERRORS.revokeWithDuration,
      },
    ],
  ])('%s', async (_name, fields, expected) => {
    expect(fieldErrors(await submitForm(fields))).toEqual(expected);
    expect(h.slack.ephemerals).toEqual([]);
  });

  it('an IAM user that does not exist: on the IAM field, as the slash command says it', async () => {
    const typed = ackText(await h.slash('grant user:nobody developer'));
    expect(fieldErrors(await submitForm({ iamTarget: 'user:nobody', tier: 'developer' }))).toEqual({
      [ids.iamTarget]: 'There is no IAM user named “nobody” in this account.',
    });
    expect(typed).toContain('There is no IAM user named `nobody` in this account.');
  });

  it('a person who maps to no IAM user: on the person field, with the slash command’s explanation', async () => {
    const typed = ackText(await h.slash(`grant <@${OUTSIDER}> developer`));
    const explanation = typed.replace(/^:warning: /, '').replace(/ Nothing was changed\.$/, '');
    const errors = fieldErrors(await submitForm({ person: OUTSIDER, tier: 'developer' }));
    expect(errors).toEqual({ [ids.person]: fieldMessage(explanation, { picked: OUTSIDER }) });
    expect(errors?.[ids.person]).toContain('Slack email is “outsider@example.com”');
  });
});

describe('the form under access rules (access-rules.yml)', () => {
  const RULES = [
    'version: 1',
    'tiers:',
    '  admin:',
    '    max_duration: 1h',
    '    duration_required: true',
    '    reason_required: true',
    '  developer:',
    `    requesters: [${ALICE}]`,
    '  readonly:',
    '    break_glass: true',
    '',
  ].join('\n');
  let ruled: Harness;
  beforeEach(async () => {
    ruled = await startHarness({ ACCESS_RULES: accessRulesEnv(RULES) });
    ruled.iam.addUser('alice');
  });
  afterEach(async () => ruled.stop());

  const submitRuled = (fields: FormFields) => {
    const payload = viewSubmissionPayload({
      callbackId: REQUEST_FORM.callbackId,
      privateMetadata: JSON.stringify({ channelId: 'C0REQ' }),
      userId: REQUESTER,
      values: {},
    });
    payload.view.state.values = formValues(fields);
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return ruled.handler(rawSignedEvent({ secret: TEST_SIGNING_SECRET, body }));
  };
  const ruledStarts = () => ruled.sfn.commandCalls(StartExecutionCommand).length;

  it('the form says the rules: the time limit and reason hints name the tiers that require them', async () => {
    await ruled.slash('');
    const view = ruled.slack.callsTo('views.open')[0]?.args.view as {
      blocks: Array<{ block_id?: string; hint?: { text: string } }>;
    };
    const hint = (id: string) => view.blocks.find((block) => block.block_id === id)?.hint?.text;
    expect(hint(ids.duration)).toContain('admin 1h');
    expect(hint(ids.duration)).toContain('readonly 1h'); // break-glass: 1 h unless the rule says more
    expect(hint(ids.duration)).toContain('Required for admin');
    expect(hint(ids.reason)).toContain('Required for admin, readonly.');
  });

  it.each<[string, FormFields, Record<string, string>]>([
    [
      'a missing required reason',
      { iamTarget: 'user:alice', tier: 'admin', duration: '1h' },
      { [ids.reason]: 'A reason is required for admin access.' },
    ],
    [
      'a break-glass request without a reason',
      { iamTarget: 'user:alice', tier: 'readonly' },
      { [ids.reason]: 'A reason is required for readonly access.' },
    ],
    [
      'a missing required duration',
      { iamTarget: 'user:alice', tier: 'admin', reason: 'incident 42' },
      { [ids.duration]: 'admin access must be time-bound: pick a time limit.' },
    ],
    [
      'a duration past the tier’s limit',
      { iamTarget: 'user:alice', tier: 'admin', duration: '8h', reason: 'incident 42' },
      { [ids.duration]: 'admin access lasts at most 1 hour: pick a shorter time.' },
    ],
    [
      'a tier the requester may not request',
      { iamTarget: 'user:alice', tier: 'developer' },
      {
        [ids.tier]:
          'The access rules let only @alice request developer access, so I did not record this request. “/codebuild-access rules” shows what you may request.',
      },
    ],
  ])('%s: on its field, and nothing is recorded', async (_name, fields, expected) => {
    expect(fieldErrors(await submitRuled(fields))).toEqual(expected);
    expect(ruledStarts()).toBe(0);
  });

  /** A signed block_actions for a tier picked in the open form (dispatch_action), with the view's hash. */
  const pickTier = (tier: string, hash?: string, picked: { action?: string } = {}) =>
    formPick(ruled, {
      hash,
      values: formValues({
        iamTarget: 'user:alice',
        tier,
        reason: 'kept as typed',
        ...(picked.action ? { action: picked.action } : {}),
      }),
      select: picked.action
        ? { actionId: actions.action, blockId: ids.action, value: picked.action }
        : { actionId: actions.tier, blockId: ids.tier, value: tier },
    });
  type FormBlock = {
    block_id?: string;
    dispatch_action?: boolean;
    hint?: { text: string };
    optional?: boolean;
    element?: { options?: Array<{ value: string }>; initial_option?: { value: string } };
  };
  const shownForm = (): FormBlock[] => {
    const modal = ruled.slack.state.modalOf(REQUESTER);
    if (!modal) throw new Error('no form open');
    return (modal.view as { blocks: FormBlock[] }).blocks;
  };
  const blockOf = (id: string) => shownForm().find((block) => block.block_id === id);
  const durationsShown = () => blockOf(ids.duration)?.element?.options?.map((option) => option.value);

  it('picking a tier updates the form (views.update, with the view hash) to offer only that tier’s time limits', async () => {
    await ruled.slash('');
    expect(blockOf(ids.tier)?.dispatch_action).toBe(true);
    // Before a tier is picked: any tier's choices (developer and custom have the 7-day default).
    expect(durationsShown()).toContain('7d');

    expect((await pickTier('admin')).statusCode).toBe(200);
    expect(durationsShown()).toEqual(['30m', '1h']);
    expect(blockOf(ids.tier)?.element?.initial_option?.value).toBe('admin');
    expect(blockOf(ids.duration)?.hint?.text).toBe(
      'Grants only: the access is revoked automatically when the time is up. admin: at most 1 hour. Required for admin.',
    );
    const [update] = ruled.slack.callsTo('views.update');
    expect(update?.args).toMatchObject({ view_id: ruled.slack.state.modalOf(REQUESTER)?.id });
    expect(typeof update?.args.hash).toBe('string');

    await pickTier('readonly'); // break-glass: 1 h unless the rule says more
    expect(durationsShown()).toEqual(['30m', '1h']);
    await pickTier('developer');
    expect(durationsShown()?.at(-1)).toBe('7d');
    expect(durationsShown()).toHaveLength(10);
  });

  it('the time limit and the reason are marked required (no "(optional)") for a grant of a tier whose rule requires them, and optional again for another tier or a revoke', async () => {
    await ruled.slash('');
    // Before a tier is picked, both are optional (their hints name the tiers that require them).
    expect([blockOf(ids.duration)?.optional, blockOf(ids.reason)?.optional]).toEqual([true, true]);
    expect(blockOf(ids.action)?.dispatch_action).toBe(true);

    await pickTier('admin'); // duration_required and reason_required
    expect([blockOf(ids.duration)?.optional, blockOf(ids.reason)?.optional]).toEqual([false, false]);
    await pickTier('readonly'); // break-glass: a reason, and no duration required (1 h by default)
    expect([blockOf(ids.duration)?.optional, blockOf(ids.reason)?.optional]).toEqual([true, false]);
    await pickTier('developer');
    expect([blockOf(ids.duration)?.optional, blockOf(ids.reason)?.optional]).toEqual([true, true]);

    // A revoke of admin needs neither: picking the action rebuilds the form, keeping the tier.
    await pickTier('admin');
    await pickTier('admin', undefined, { action: 'revoke' });
    expect([blockOf(ids.duration)?.optional, blockOf(ids.reason)?.optional]).toEqual([true, true]);
    expect(blockOf(ids.action)?.element?.initial_option?.value).toBe('revoke');
    expect(blockOf(ids.tier)?.element?.initial_option?.value).toBe('admin');
    await pickTier('admin', undefined, { action: 'grant' });
    expect([blockOf(ids.duration)?.optional, blockOf(ids.reason)?.optional]).toEqual([false, false]);
  });

  it('a pick sent with a stale view hash changes nothing (Slack refuses it: hash_conflict)', async () => {
    await ruled.slash('');
    const stale = ruled.slack.state.modalOf(REQUESTER)?.hash;
    await pickTier('admin');
    const before = JSON.stringify(shownForm());

    expect((await pickTier('developer', stale)).statusCode).toBe(200);
    // The listener did ask (a second views.update), and Slack refused it.
    expect(ruled.slack.callsTo('views.update')).toHaveLength(2);
    expect(JSON.stringify(shownForm())).toBe(before);
    expect(durationsShown()).toEqual(['30m', '1h']);
  });

  it('a request within the rules goes through, as the typed command would', async () => {
    const response = await submitRuled({
      iamTarget: 'user:alice',
      tier: 'admin',
      duration: '1h',
      reason: 'incident 42',
    });
    expect(response.body).toBe('');
    const [call] = ruled.sfn.commandCalls(StartExecutionCommand);
    const stored = await ruled.store.get(String(call?.args[0].input.name));
    expect(stored?.command).toEqual(parseCommand('grant user:alice admin for 1h because incident 42'));
  });
});

describe('the form in an organization: an Account select, and the picked account’s rules', () => {
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
    '        max_duration: 4h',
    '        duration_required: true',
    '',
  ].join('\n');
  let org: Harness;
  const startOrg = async (extra: Record<string, string> = {}) => {
    org = await startHarness(
      { ACCESS_RULES: accessRulesEnv(RULES), MAX_GRANT_DURATION_SECONDS: String(7 * 86_400), ...extra },
      { members: { dev: DEV, staging: STAGING, prod: PROD }, withoutMemberStack: ['staging'] },
    );
    org.iam.addUser('alice');
    org.members.prod?.addUser('alice');
  };
  beforeEach(async () => startOrg());
  afterEach(async () => org.stop());

  type FormBlock = {
    block_id?: string;
    optional?: boolean;
    dispatch_action?: boolean;
    hint?: { text: string };
    element?: {
      action_id?: string;
      options?: Array<{ value: string; text: { text: string } }>;
      initial_option?: { value: string };
    };
  };
  const shownForm = (): FormBlock[] => {
    const modal = org.slack.state.modalOf(REQUESTER);
    if (!modal) throw new Error('no form open');
    return (modal.view as { blocks: FormBlock[] }).blocks;
  };
  const blockOf = (id: string) => shownForm().find((block) => block.block_id === id);
  const durationsShown = () => blockOf(ids.duration)?.element?.options?.map((o) => o.value);

  /** A signed block_actions: `picked` chosen in the open form (dispatch_action), the rest as `fields`. */
  const pick = (picked: 'account' | 'tier', value: string, fields: FormFields) =>
    formPick(org, {
      values: formValues({ ...fields, [picked]: value }),
      select: { actionId: actions[picked], blockId: ids[picked], value },
    });

  const submitOrg = (fields: FormFields) => {
    const payload = viewSubmissionPayload({
      callbackId: REQUEST_FORM.callbackId,
      privateMetadata: JSON.stringify({ channelId: 'C0REQ' }),
      userId: REQUESTER,
      values: {},
    });
    payload.view.state.values = formValues(fields);
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return org.handler(rawSignedEvent({ secret: TEST_SIGNING_SECRET, body }));
  };
  const orgStarts = () =>
    org.sfn.commandCalls(StartExecutionCommand).map((c) => String(c.args[0].input.name));

  it('offers every account as “name · id”, the default preselected, and dispatches a pick', async () => {
    await org.slash('');
    const account = blockOf(ids.account);
    expect(shownForm()[1]?.block_id).toBe(ids.account); // first field: no one misses the account
    expect(account?.dispatch_action).toBe(true);
    expect(account?.element?.options?.map((o) => [o.value, o.text.text])).toEqual([
      ['hub', 'hub · 111122223333'],
      ['dev', `dev · ${DEV}`],
      ['staging', `staging · ${STAGING}`],
      ['prod', `prod · ${PROD}`],
    ]);
    expect(account?.element?.initial_option?.value).toBe('hub');
  });

  it('preselects DEFAULT_ACCOUNT when it is not the hub', async () => {
    await org.stop();
    await startOrg({ DEFAULT_ACCOUNT: 'staging' });
    await org.slash('');
    expect(blockOf(ids.account)?.element?.initial_option?.value).toBe('staging');
  });

  it('picking an account rebuilds the form (views.update with the hash) under that account’s rules for the picked tier', async () => {
    await org.slash('');
    await pick('tier', 'developer', { iamTarget: 'user:alice', reason: 'kept' });
    // hub follows the top-level tiers: developer up to the 7-day limit, reason required.
    expect(durationsShown()?.at(-1)).toBe('7d');
    expect([blockOf(ids.duration)?.optional, blockOf(ids.reason)?.optional]).toEqual([true, false]);

    const picked = await pick('account', 'prod', { iamTarget: 'user:alice', tier: 'developer' });
    expect(picked.statusCode).toBe(200);
    expect(durationsShown()).toEqual(['30m', '1h', '2h', '4h']);
    // prod's own developer rule: time-bound, and (its own rules, not the top level's) no reason required.
    expect([blockOf(ids.duration)?.optional, blockOf(ids.reason)?.optional]).toEqual([false, true]);
    expect(blockOf(ids.duration)?.hint?.text).toContain(
      'developer: at most 4 hours. Required for developer.',
    );
    expect(blockOf(ids.account)?.element?.initial_option?.value).toBe('prod');
    expect(blockOf(ids.tier)?.element?.initial_option?.value).toBe('developer');
    const updates = org.slack.callsTo('views.update');
    expect(updates).toHaveLength(2);
    expect(typeof updates[1]?.args.hash).toBe('string');

    // A tier picked afterwards keeps the account, and its rules.
    await pick('tier', 'readonly', { iamTarget: 'user:alice', account: 'prod' });
    expect(blockOf(ids.account)?.element?.initial_option?.value).toBe('prod');
    await pick('tier', 'developer', { iamTarget: 'user:alice', account: 'prod' });
    expect(durationsShown()).toEqual(['30m', '1h', '2h', '4h']);
  });

  it('a pick of an account that is not configured (forged) leaves the form as it was', async () => {
    await org.slash('');
    const before = JSON.stringify(shownForm());
    expect((await pick('account', 'qa', { iamTarget: 'user:alice', tier: 'developer' })).statusCode).toBe(
      200,
    );
    expect(org.slack.callsTo('views.update')).toEqual([]);
    expect(JSON.stringify(shownForm())).toBe(before);
  });

  it('a submission in prod stores exactly the command typed with `in prod`, and changes prod only', async () => {
    const response = await submitOrg({
      account: 'prod',
      iamTarget: 'user:alice',
      tier: 'developer',
      duration: '2h',
      reason: 'release 42',
    });
    expect(response.body).toBe('');
    const [fromForm] = orgStarts();
    await org.slash('grant user:alice developer in prod for 2h because release 42');
    const typed = orgStarts().find((id) => id !== fromForm);
    const [a, b] = await Promise.all([org.store.get(String(fromForm)), org.store.get(String(typed))]);
    expect(a?.command).toEqual(b?.command);
    expect(a?.command).toMatchObject({ account: 'prod', tier: 'developer', durationSeconds: 7200 });
    expect(a?.target.arn).toBe(`arn:aws:iam::${PROD}:user/alice`);
  });

  it.each<[string, FormFields, Record<string, string>]>([
    [
      'an account that is not configured (a forged pick)',
      { account: 'qa', iamTarget: 'user:alice', tier: 'developer', reason: 'x' },
      { [ids.account]: FORM_ERRORS.unknownAccount('qa') },
    ],
    [
      'a duration past prod’s own limit',
      { account: 'prod', iamTarget: 'user:alice', tier: 'developer', duration: '8h' },
      { [ids.duration]: FORM_ERRORS.durationTooLong('developer', 4 * 3600) },
    ],
    [
      'no duration where prod’s rule requires one',
      { account: 'prod', iamTarget: 'user:alice', tier: 'developer' },
      { [ids.duration]: FORM_ERRORS.durationRequired('developer') },
    ],
  ])('%s: on its field, and nothing is recorded', async (_name, fields, expected) => {
    expect(fieldErrors(await submitOrg(fields))).toEqual(expected);
    expect(orgStarts()).toEqual([]);
  });

  it('a forged account on a hub-only bot is refused on the account field', async () => {
    const errors = fieldErrors(
      await submitForm({ account: 'prod', iamTarget: 'user:alice', tier: 'developer' }),
    );
    expect(errors).toEqual({ [ids.account]: FORM_ERRORS.unknownAccount('prod') });
    expect(startedRequestIds()).toEqual([]);
  });

  it('an account whose member stack is missing: the refusal names the account, on the account field', async () => {
    const errors = fieldErrors(
      await submitOrg({ account: 'staging', iamTarget: 'user:alice', tier: 'developer', reason: 'qa run' }),
    );
    expect(errors?.[ids.account]).toContain('I could not act in account “staging” (333344445555)');
    expect(errors?.[ids.account]).toContain('deploy/member-account.yml');
    expect(orgStarts()).toEqual([]);
  });
});
