import type {
  GlobalShortcut,
  SlackShortcutMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewStateValue,
  ViewSubmitAction,
} from '@slack/bolt';
import { parseCommand } from '../../../src/commands/parse-command';
import { requestIdFor } from '../../../src/domain/submit-request';
import { FORM_ERRORS } from '../../../src/slack/blocks/request-form';
import { REQUEST_FORM } from '../../../src/slack/ids';
import { NOT_SERVED } from '../../../src/slack/listeners/request-form';
import { requestFormShortcut } from '../../../src/slack/listeners/shortcuts/request-form';
import { requestFormSubmission } from '../../../src/slack/listeners/views/request-form';
import { type Harness, REQUESTER, startHarness } from '../../helpers/harness';
import { viewSubmissionPayload } from '../../helpers/signed-event';
import { fakeAck } from './listener-kit';

/** The request form's shortcut and submission listeners called directly with Bolt's args and a fake `ack`. */
let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  h.iam.addUser('alice');
});
afterEach(async () => h.stop());

const { blocks: ids, actions } = REQUEST_FORM;
const select = (value?: string): ViewStateValue => ({
  type: 'static_select',
  selected_option: value === undefined ? null : { text: { type: 'plain_text', text: value }, value },
});

function submission(iamTarget: string, tier?: string, origin: object = { channelId: 'C0REQ' }) {
  const body = viewSubmissionPayload({
    callbackId: REQUEST_FORM.callbackId,
    privateMetadata: JSON.stringify(origin),
    userId: REQUESTER,
    values: {},
  });
  body.view.state.values = {
    [ids.person]: { [actions.person]: { type: 'users_select', selected_user: null } },
    [ids.iamTarget]: { [actions.iamTarget]: { type: 'plain_text_input', value: iamTarget } },
    [ids.action]: { [actions.action]: select('grant') },
    [ids.tier]: { [actions.tier]: select(tier) },
    [ids.duration]: { [actions.duration]: select() },
    [ids.reason]: { [actions.reason]: { type: 'plain_text_input', value: null } },
  };
  return body;
}

async function submit(body: ViewSubmitAction, deps = h.listenerDeps()) {
  const ack = fakeAck<SlackViewMiddlewareArgs<ViewSubmitAction>['ack']>();
  await requestFormSubmission(deps, { ack, body, view: body.view });
  expect(ack).toHaveBeenCalledTimes(1);
  return ack;
}

describe('requestFormSubmission (called directly)', () => {
  it('acks with no body (the modal closes), records the grammar’s command and answers ephemerally', async () => {
    const body = submission('user:alice', 'readonly');
    const ack = await submit(body);
    expect(ack).toHaveBeenCalledWith();
    const requestId = requestIdFor('T0TEAM', body.trigger_id);
    expect((await h.store.get(requestId))?.command).toEqual(parseCommand('grant user:alice readonly'));
    expect(h.slack.ephemerals.at(-1)).toMatchObject({ channel: 'C0REQ', user: REQUESTER });
    expect(h.slack.ephemerals.at(-1)?.text).toContain(`Request ${requestId} received`);
  });

  it('acks with the field errors and records nothing', async () => {
    const ack = await submit(submission('user:alice'));
    expect(ack).toHaveBeenCalledWith({
      response_action: 'errors',
      errors: { [ids.tier]: FORM_ERRORS.noTier },
    });
    expect(h.slack.ephemerals).toEqual([]);
  });

  it('refuses a submission from a workspace the bot does not serve, on the form', async () => {
    const ack = await submit(submission('user:alice', 'readonly'), {
      ...h.listenerDeps(),
      expectedTeamId: 'T0OTHER',
    });
    expect(ack).toHaveBeenCalledWith({ response_action: 'errors', errors: { [ids.action]: NOT_SERVED } });
  });

  it('forged private_metadata naming no channel answers by DM instead', async () => {
    await submit(submission('user:alice', 'readonly', { channelId: '<!here>' }));
    expect(h.slack.ephemerals).toEqual([]);
    expect(h.slack.callsTo('chat.postMessage').find((call) => call.args.channel === REQUESTER)).toBeDefined();
  });

  it('when the workflow cannot be started, the modal closes and the requester is told in the channel', async () => {
    h.failSfn('StartExecution', Object.assign(new Error('boom'), { name: 'ServiceUnavailable' }));
    h.failSfn('StartExecution', Object.assign(new Error('boom'), { name: 'ServiceUnavailable' }));
    h.failSfn('StartExecution', Object.assign(new Error('boom'), { name: 'ServiceUnavailable' }));
    const ack = await submit(submission('user:alice', 'readonly'));
    expect(ack).toHaveBeenCalledWith();
    expect(h.slack.ephemerals.at(-1)?.text).toMatch(/^:warning: .*Nothing was changed/);
  });
});

describe('requestFormShortcut (called directly)', () => {
  const shortcut = (teamId = 'T0TEAM'): GlobalShortcut => ({
    type: 'shortcut',
    callback_id: REQUEST_FORM.shortcutCallbackId,
    trigger_id: h.slack.triggerFor(REQUESTER),
    user: { id: REQUESTER, username: 'requester', team_id: teamId },
    team: { id: teamId, domain: 'testteam' },
    token: 'deprecated-verification-token',
    action_ts: '1700000000.000100',
  });

  it('acks and opens the form with the shortcut’s trigger', async () => {
    const ack = fakeAck<SlackShortcutMiddlewareArgs<GlobalShortcut>['ack']>();
    const payload = shortcut();
    await requestFormShortcut(h.listenerDeps(), { ack, shortcut: payload });
    expect(ack).toHaveBeenCalledWith();
    expect(h.slack.callsTo('views.open')).toEqual([
      expect.objectContaining({
        args: expect.objectContaining({
          trigger_id: payload.trigger_id,
          view: expect.objectContaining({ callback_id: REQUEST_FORM.callbackId, private_metadata: '{}' }),
        }),
      }),
    ]);
  });

  it('opens the form when SLACK_APP_ID is set: a shortcut payload names no app (its submission is checked)', async () => {
    const ack = fakeAck<SlackShortcutMiddlewareArgs<GlobalShortcut>['ack']>();
    await requestFormShortcut({ ...h.listenerDeps(), expectedAppId: 'A0APP' }, { ack, shortcut: shortcut() });
    expect(h.slack.callsTo('views.open')).toHaveLength(1);
  });

  it('opens nothing for a workspace the bot does not serve', async () => {
    const ack = fakeAck<SlackShortcutMiddlewareArgs<GlobalShortcut>['ack']>();
    await requestFormShortcut(
      { ...h.listenerDeps(), expectedTeamId: 'T0OTHER' },
      { ack, shortcut: shortcut() },
    );
    expect(ack).toHaveBeenCalledWith();
    expect(h.slack.callsTo('views.open')).toEqual([]);
  });

  it('when Slack refuses the trigger, tells the person by DM', async () => {
    const ack = fakeAck<SlackShortcutMiddlewareArgs<GlobalShortcut>['ack']>();
    await requestFormShortcut(h.listenerDeps(), {
      ack,
      shortcut: { ...shortcut(), trigger_id: 'stale.1.2' },
    });
    const dm = h.slack.callsTo('chat.postMessage').find((call) => call.args.channel === REQUESTER);
    expect(String(dm?.args.text)).toMatch(/^:warning: /);
  });
});
