import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadWorkspaceFixture, type WorkspaceFixture } from '../../src/local/workspace/fixture';
import { LocalSlackClient } from '../../src/local/workspace/slack-client';
import { LocalSlackWebApi } from '../../src/local/workspace/slack-web-api';
import { MAX_MODAL_VIEWS, WorkspaceState } from '../../src/local/workspace/state';
import { verifySlackSignature } from '../../src/slack/verify-signature';

/**
 * The local workspace's views (modals with inputs, the Home tab), direct messages and shortcuts: the
 * Web API methods the bot will call, and the signed payloads the workspace sends to the app's Request
 * URL. The app here is a loopback server that checks each signature and answers as the test says.
 */

const baseFixture = loadWorkspaceFixture(
  resolve(__dirname, '..', '..', 'local', 'fixtures', 'workspace.json'),
);
const fixture: WorkspaceFixture = {
  ...baseFixture,
  app: {
    ...baseFixture.app,
    shortcuts: [{ callbackId: 'request_access', name: 'Request access', description: 'Open the form' }],
  },
};
const TOKEN = 'xoxb-local-test';
const SECRET = 'local-signing-secret';
const START = Date.parse('2026-11-28T12:00:00.000Z');
let nowMs = START;
const clock = { now: () => new Date(nowMs) };

let dir: string;
let state: WorkspaceState;
let api: LocalSlackWebApi;
let client: LocalSlackClient;
let app: Server;
let received: Array<Record<string, unknown>>;
let answer: { status: number; body: string };

beforeAll(async () => {
  app = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const verified = verifySlackSignature({
        signingSecret: SECRET,
        timestamp: String(req.headers['x-slack-request-timestamp']),
        signature: String(req.headers['x-slack-signature']),
        rawBody: body,
        nowSeconds: Math.floor(nowMs / 1000),
      });
      if (!verified.ok) {
        res.writeHead(401).end();
        return;
      }
      received.push(JSON.parse(new URLSearchParams(body).get('payload') ?? '{}'));
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
  });
  await new Promise<void>((done) => app.listen(0, '127.0.0.1', done));
});
afterAll(() => new Promise<void>((done) => app.close(() => done())));

beforeEach(() => {
  nowMs = START;
  received = [];
  answer = { status: 200, body: '' };
  dir = mkdtempSync(join(tmpdir(), 'codebuild-access-views-'));
  state = WorkspaceState.open(join(dir, 'workspace.json'), fixture, clock);
  api = new LocalSlackWebApi(state, TOKEN);
  const port = (app.address() as AddressInfo).port;
  client = new LocalSlackClient({
    state,
    appUrl: () => `http://127.0.0.1:${port}/slack/events`,
    signingSecret: SECRET,
    responseUrlBase: () => `http://127.0.0.1:${port}/local/response/`,
    clock,
  });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const call = (method: string, args: Record<string, unknown>) => api.call(method, args, TOKEN).body;
const text = (value: string) => ({ type: 'plain_text', text: value });
const option = (value: string, label: string) => ({ text: text(label), value });

/** The request form issue 11 describes, with one element of each kind the page renders. */
const FORM = {
  type: 'modal',
  callback_id: 'request_form',
  private_metadata: '{"channel":"C0GENERAL"}',
  title: text('Request access'),
  submit: text('Request'),
  close: text('Cancel'),
  blocks: [
    {
      type: 'input',
      block_id: 'target',
      label: text('For whom'),
      element: { type: 'users_select', action_id: 'user' },
    },
    {
      type: 'input',
      block_id: 'tier',
      label: text('Tier'),
      element: {
        type: 'static_select',
        action_id: 'tier',
        options: [option('readonly', 'readonly: see builds'), option('developer', 'developer: run builds')],
      },
    },
    {
      type: 'input',
      block_id: 'reviewers',
      optional: true,
      label: text('Also tell'),
      element: { type: 'multi_users_select', action_id: 'people' },
    },
    {
      type: 'input',
      block_id: 'until',
      optional: true,
      label: text('Until'),
      element: { type: 'datepicker', action_id: 'date' },
    },
    {
      type: 'input',
      block_id: 'reason',
      label: text('Reason'),
      element: { type: 'plain_text_input', action_id: 'text', multiline: true, max_length: 200 },
    },
    {
      type: 'input',
      block_id: 'note',
      optional: true,
      label: text('Note'),
      element: { type: 'plain_text_input', action_id: 'text' },
    },
  ],
};

function openForm(user = 'U0ALICE') {
  const opened = call('views.open', { trigger_id: state.issueTrigger(user), view: FORM });
  return (opened.view as { id: string; hash: string }).id;
}

describe('direct messages (conversations.open, chat.postMessage)', () => {
  it('opens the same DM with a person every time, with a D… id', () => {
    const first = call('conversations.open', { users: 'U0ALICE' });
    expect(first).toEqual({ ok: true, channel: { id: 'D0ALICE' } });
    expect(call('conversations.open', { users: 'U0ALICE' })).toEqual(first);
    expect(call('conversations.open', { users: 'U0ALICE', return_im: true })).toMatchObject({
      channel: { id: 'D0ALICE', is_im: true, user: 'U0ALICE' },
    });
  });

  it.each([
    ['no user', {}, 'users_list_not_supplied'],
    ['an unknown person', { users: 'U0NOBODY' }, 'user_not_found'],
    ['the bot itself', { users: 'U0BOT' }, 'cannot_dm_bot'],
    ['several people (a group DM)', { users: 'U0ALICE,U0BOB' }, 'not_supported_in_local_workspace'],
  ])('refuses %s', (_name, args, error) => {
    expect(call('conversations.open', args)).toEqual({ ok: false, error });
  });

  it('posts to the DM by its id or by the person’s user id, as Slack allows', () => {
    const byId = call('chat.postMessage', { channel: 'D0ALICE', text: 'Your request was approved' });
    const byUser = call('chat.postMessage', { channel: 'U0ALICE', text: 'It is applied' });
    expect(byId).toMatchObject({ ok: true, channel: 'D0ALICE' });
    expect(byUser).toMatchObject({ ok: true, channel: 'D0ALICE' });
    expect(state.messages.map((message) => [message.channel, message.text])).toEqual([
      ['D0ALICE', 'Your request was approved'],
      ['D0ALICE', 'It is applied'],
    ]);
    expect(call('chat.postMessage', { channel: 'D0NOBODY', text: 'x' })).toEqual({
      ok: false,
      error: 'channel_not_found',
    });
  });

  it('lets the bot edit its DM and reply in a DM thread', () => {
    const posted = call('chat.postMessage', { channel: 'D0PRIYA', text: 'REQ-1 needs you' });
    expect(
      call('chat.update', { channel: 'D0PRIYA', ts: posted.ts, text: 'REQ-1 was approved' }),
    ).toMatchObject({ ok: true });
    expect(
      call('chat.postMessage', { channel: 'D0PRIYA', thread_ts: posted.ts, text: 'reminder' }),
    ).toMatchObject({ ok: true });
    expect(state.replies('D0PRIYA', posted.ts as string).map((message) => message.text)).toEqual([
      'reminder',
    ]);
  });

  it('lets only its person write in a DM with the app', async () => {
    expect(await client.compose({ userId: 'U0BOB', channelId: 'D0ALICE', text: 'hi' })).toEqual({
      kind: 'rejected',
      reason: 'not your conversation',
    });
    expect(await client.compose({ userId: 'U0ALICE', channelId: 'D0ALICE', text: 'hi' })).toMatchObject({
      kind: 'message',
    });
  });
});

describe('the App Home tab (views.publish)', () => {
  const home = (title: string) => ({
    type: 'home',
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: title } },
      {
        type: 'actions',
        block_id: 'grant:REQ-1',
        elements: [
          {
            type: 'button',
            action_id: 'relinquish',
            value: 'REQ-1',
            text: text('Relinquish'),
            style: 'danger',
          },
        ],
      },
    ],
  });

  it('keeps one view per person, with a stable id and a new hash on every publish', () => {
    const first = call('views.publish', { user_id: 'U0ALICE', view: home('*Your grants*') });
    expect(first).toMatchObject({
      ok: true,
      view: { type: 'home', team_id: 'T0LOCAL', app_id: 'A0LOCAL', bot_id: 'B0LOCAL', state: { values: {} } },
    });
    const firstView = first.view as { id: string; hash: string };
    const second = call('views.publish', {
      user_id: 'U0ALICE',
      view: home('*Nothing active*'),
      hash: firstView.hash,
    });
    const secondView = second.view as { id: string; hash: string };
    expect(secondView.id).toBe(firstView.id);
    expect(secondView.hash).not.toBe(firstView.hash);
    expect(state.homeOf('U0ALICE')?.view).toEqual(home('*Nothing active*'));
    expect(state.homeOf('U0BOB')).toBeUndefined();
  });

  it.each([
    ['a stale hash', { user_id: 'U0ALICE', hash: 'stale' }, 'hash_conflict'],
    ['an unknown person', { user_id: 'U0NOBODY' }, 'user_not_found'],
  ])('refuses %s', (_name, args, error) => {
    call('views.publish', { user_id: 'U0ALICE', view: home('x') });
    expect(call('views.publish', { ...args, view: home('y') })).toEqual({ ok: false, error });
  });

  it('refuses a modal published as a Home tab', () => {
    expect(call('views.publish', { user_id: 'U0ALICE', view: FORM })).toEqual({
      ok: false,
      error: 'invalid_arguments',
    });
  });

  it('keeps the Home tab across a restart', () => {
    call('views.publish', { user_id: 'U0ALICE', view: home('kept') });
    const reopened = WorkspaceState.open(join(dir, 'workspace.json'), fixture, clock);
    expect(reopened.homeOf('U0ALICE')).toEqual(state.homeOf('U0ALICE'));
  });

  it('sends a click in the Home tab as block_actions with container.type view and the whole view', async () => {
    const published = call('views.publish', { user_id: 'U0ALICE', view: home('*Your grants*') });
    const viewId = (published.view as { id: string }).id;
    const result = await client.clickView({ userId: 'U0ALICE', viewId, actionId: 'relinquish' });
    expect(result).toMatchObject({ kind: 'clicked', status: 200 });
    const [payload] = received;
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: 'U0ALICE', username: 'alice', name: 'alice', team_id: 'T0LOCAL' },
      api_app_id: 'A0LOCAL',
      container: { type: 'view', view_id: viewId },
      trigger_id: expect.stringMatching(/^\d+\.\d+\.[0-9a-f]{32}$/),
      view: { id: viewId, type: 'home', blocks: home('*Your grants*').blocks, state: { values: {} } },
      actions: [
        {
          type: 'button',
          action_id: 'relinquish',
          block_id: 'grant:REQ-1',
          value: 'REQ-1',
          style: 'danger',
          text: { type: 'plain_text', text: 'Relinquish', emoji: true },
        },
      ],
    });
    // Nothing of a message: a Home tab has no channel, message or response_url.
    expect(payload).not.toHaveProperty('channel');
    expect(payload).not.toHaveProperty('message');
    expect(payload).not.toHaveProperty('response_url');
  });

  it('refuses a click on someone else’s Home tab or on a button it does not have', async () => {
    const published = call('views.publish', { user_id: 'U0ALICE', view: home('x') });
    const viewId = (published.view as { id: string }).id;
    expect(await client.clickView({ userId: 'U0BOB', viewId, actionId: 'relinquish' })).toMatchObject({
      kind: 'rejected',
    });
    expect(await client.clickView({ userId: 'U0ALICE', viewId, actionId: 'approve_request' })).toMatchObject({
      kind: 'rejected',
    });
    expect(received).toEqual([]);
  });
});

describe('a modal with inputs (view_submission)', () => {
  it('sends every input in Slack’s state.values shape, typed per element', async () => {
    const viewId = openForm();
    const result = await client.submitModal({
      userId: 'U0ALICE',
      viewId,
      values: {
        target: { user: 'U0BOB' },
        tier: { tier: 'developer' },
        reviewers: { people: ['U0PRIYA', 'U0OMAR'] },
        until: { date: '2026-12-01' },
        reason: { text: 'release week' },
      },
    });
    expect(result).toMatchObject({ kind: 'submitted', status: 200, responseAction: 'close' });
    const [payload] = received as Array<{ view: Record<string, unknown> } & Record<string, unknown>>;
    expect(payload?.type).toBe('view_submission');
    expect(payload?.user).toEqual({ id: 'U0ALICE', username: 'alice', name: 'alice', team_id: 'T0LOCAL' });
    expect(payload?.view).toMatchObject({
      id: viewId,
      type: 'modal',
      callback_id: 'request_form',
      private_metadata: '{"channel":"C0GENERAL"}',
      root_view_id: viewId,
      previous_view_id: null,
      app_id: 'A0LOCAL',
      bot_id: 'B0LOCAL',
    });
    expect(payload?.view.state).toEqual({
      values: {
        target: { user: { type: 'users_select', selected_user: 'U0BOB' } },
        tier: {
          tier: {
            type: 'static_select',
            selected_option: {
              text: { type: 'plain_text', text: 'developer: run builds', emoji: true },
              value: 'developer',
            },
          },
        },
        reviewers: { people: { type: 'multi_users_select', selected_users: ['U0PRIYA', 'U0OMAR'] } },
        until: { date: { type: 'datepicker', selected_date: '2026-12-01' } },
        reason: { text: { type: 'plain_text_input', value: 'release week' } },
        // An optional input left empty is still there, with null, as Slack sends it.
        note: { text: { type: 'plain_text_input', value: null } },
      },
    });
    expect(state.modalOf('U0ALICE')).toBeUndefined();
  });

  it('does not send a form whose required inputs are empty, and flags each one, as Slack’s client does', async () => {
    const viewId = openForm();
    const result = await client.submitModal({
      userId: 'U0ALICE',
      viewId,
      values: { tier: { tier: 'readonly' } },
    });
    expect(result).toEqual({
      kind: 'invalid',
      errors: {
        target: 'Please complete this required field.',
        reason: 'Please complete this required field.',
      },
    });
    expect(received).toEqual([]);
    expect(state.modalOf('U0ALICE')?.errors).toEqual(result.kind === 'invalid' ? result.errors : {});
  });

  it.each([
    [
      'an option the select does not offer',
      { tier: { tier: 'admin' } },
      'tier',
      'That is not one of the options.',
    ],
    [
      'a person not in the workspace',
      { target: { user: 'U0NOBODY' } },
      'target',
      'That person is not in this workspace.',
    ],
    [
      'text over max_length',
      { reason: { text: 'x'.repeat(201) } },
      'reason',
      'Please enter at most 200 characters.',
    ],
  ])('refuses %s on its field', async (_name, values, blockId, message) => {
    const viewId = openForm();
    const filled = {
      target: { user: 'U0BOB' },
      tier: { tier: 'readonly' },
      reason: { text: 'ok' },
      ...values,
    };
    const result = await client.submitModal({ userId: 'U0ALICE', viewId, values: filled });
    expect(result).toEqual({ kind: 'invalid', errors: { [blockId]: message } });
    expect(received).toEqual([]);
  });

  it('shows each error of a response_action errors answer under its field and keeps the modal open', async () => {
    const viewId = openForm();
    answer = {
      status: 200,
      body: JSON.stringify({
        response_action: 'errors',
        errors: { tier: 'Only readonly may be requested for a group', reason: 'Say why' },
      }),
    };
    await client.submitModal({
      userId: 'U0ALICE',
      viewId,
      values: { target: { user: 'U0BOB' }, tier: { tier: 'developer' }, reason: { text: 'x' } },
    });
    expect(state.modalOf('U0ALICE')).toMatchObject({
      id: viewId,
      errors: { tier: 'Only readonly may be requested for a group', reason: 'Say why' },
    });
  });

  const filled = { target: { user: 'U0BOB' }, tier: { tier: 'readonly' }, reason: { text: 'x' } };
  const confirmView = { type: 'modal', callback_id: 'confirm', title: text('Confirm'), blocks: [] };

  it('replaces the view in place on response_action update (same id, new hash)', async () => {
    const viewId = openForm();
    const before = state.modalOf('U0ALICE')?.hash;
    answer = { status: 200, body: JSON.stringify({ response_action: 'update', view: confirmView }) };
    await client.submitModal({ userId: 'U0ALICE', viewId, values: filled });
    expect(state.modalOf('U0ALICE')).toMatchObject({ id: viewId, view: confirmView });
    expect(state.modalOf('U0ALICE')?.hash).not.toBe(before);
  });

  it('stacks a view on response_action push; an empty ack to it goes back to the form', async () => {
    const viewId = openForm();
    answer = { status: 200, body: JSON.stringify({ response_action: 'push', view: confirmView }) };
    await client.submitModal({ userId: 'U0ALICE', viewId, values: filled });
    const pushed = state.modalOf('U0ALICE');
    expect(pushed).toMatchObject({ view: confirmView, previousViewId: viewId, rootViewId: viewId });
    expect(state.modalDepth('U0ALICE')).toBe(2);

    answer = { status: 200, body: '' };
    await client.submitModal({ userId: 'U0ALICE', viewId: pushed?.id ?? '', values: {} });
    expect(received[1]).toMatchObject({
      view: { id: pushed?.id, previous_view_id: viewId, root_view_id: viewId },
    });
    expect(state.modalOf('U0ALICE')?.id).toBe(viewId);
  });

  it('closes every view on response_action clear', async () => {
    const viewId = openForm();
    call('views.push', { trigger_id: state.issueTrigger('U0ALICE'), view: confirmView });
    answer = { status: 200, body: JSON.stringify({ response_action: 'clear' }) };
    await client.submitModal({ userId: 'U0ALICE', viewId: state.modalOf('U0ALICE')?.id ?? '', values: {} });
    expect(state.modalOf('U0ALICE')).toBeUndefined();
    expect(state.modalDepth('U0ALICE')).toBe(0);
    expect(received[0]).toMatchObject({ view: { previous_view_id: viewId } });
  });

  it('tells the app about a Cancel only when the view asked (notify_on_close)', async () => {
    const quiet = openForm();
    await client.closeModal({ userId: 'U0ALICE', viewId: quiet });
    expect(received).toEqual([]);
    const opened = call('views.open', {
      trigger_id: state.issueTrigger('U0ALICE'),
      view: { ...FORM, notify_on_close: true },
    });
    await client.closeModal({ userId: 'U0ALICE', viewId: (opened.view as { id: string }).id });
    expect(received).toEqual([
      expect.objectContaining({
        type: 'view_closed',
        is_cleared: false,
        view: expect.objectContaining({ callback_id: 'request_form' }),
      }),
    ]);
    expect(state.modalOf('U0ALICE')).toBeUndefined();
  });

  it('sends a click inside a modal with the view and what was typed so far', async () => {
    const viewId = call('views.open', {
      trigger_id: state.issueTrigger('U0ALICE'),
      view: {
        ...FORM,
        blocks: [
          ...FORM.blocks,
          {
            type: 'actions',
            block_id: 'more',
            elements: [{ type: 'button', action_id: 'add_person', text: text('Add') }],
          },
        ],
      },
    });
    const id = (viewId.view as { id: string }).id;
    await client.clickView({
      userId: 'U0ALICE',
      viewId: id,
      actionId: 'add_person',
      values: { reason: { text: 'half' } },
    });
    expect(received[0]).toMatchObject({
      type: 'block_actions',
      container: { type: 'view', view_id: id },
      view: {
        id,
        type: 'modal',
        state: { values: { reason: { text: { type: 'plain_text_input', value: 'half' } } } },
      },
    });
  });
});

describe('views.push and views.update', () => {
  const step = (n: number) => ({
    type: 'modal',
    callback_id: `step${n}`,
    title: text(`Step ${n}`),
    blocks: [],
  });

  it(`pushes at most ${MAX_MODAL_VIEWS} views, as Slack allows`, () => {
    openForm();
    expect(call('views.push', { trigger_id: state.issueTrigger('U0ALICE'), view: step(2) })).toMatchObject({
      ok: true,
    });
    expect(call('views.push', { trigger_id: state.issueTrigger('U0ALICE'), view: step(3) })).toMatchObject({
      ok: true,
    });
    expect(call('views.push', { trigger_id: state.issueTrigger('U0ALICE'), view: step(4) })).toEqual({
      ok: false,
      error: 'push_limit_reached',
    });
    expect(state.modalDepth('U0ALICE')).toBe(3);
  });

  it('refuses a push when no modal is open', () => {
    expect(call('views.push', { trigger_id: state.issueTrigger('U0ALICE'), view: step(2) })).toEqual({
      ok: false,
      error: 'not_found',
    });
  });

  it('updates a view by id keeping the id, refuses a stale hash, and forgets an external_id the new view dropped', () => {
    const opened = call('views.open', {
      trigger_id: state.issueTrigger('U0ALICE'),
      view: { ...step(1), external_id: 'form-REQ-1' },
    });
    const { id, hash } = opened.view as { id: string; hash: string };
    const byId = call('views.update', { view_id: id, hash, view: step(2) });
    expect(byId).toMatchObject({ ok: true, view: { id, callback_id: 'step2' } });
    expect(call('views.update', { view_id: id, hash, view: step(3) })).toEqual({
      ok: false,
      error: 'hash_conflict',
    });
    expect(
      call('views.update', { external_id: 'form-REQ-1', view: { ...step(4), external_id: 'form-REQ-1' } }),
    ).toEqual({
      ok: false,
      error: 'not_found',
    });
    expect(call('views.update', { view_id: 'V0NOPE', view: step(5) })).toEqual({
      ok: false,
      error: 'not_found',
    });
  });

  it('finds a view by its external_id', () => {
    call('views.open', {
      trigger_id: state.issueTrigger('U0ALICE'),
      view: { ...step(1), external_id: 'form-REQ-2' },
    });
    expect(call('views.update', { external_id: 'form-REQ-2', view: step(2) })).toMatchObject({
      ok: true,
      view: { callback_id: 'step2' },
    });
  });
});

describe('global shortcuts', () => {
  it('sends a signed shortcut payload with a trigger id the app can open a modal with', async () => {
    const result = await client.shortcut({ userId: 'U0CAROL', callbackId: 'request_access' });
    expect(result).toMatchObject({ kind: 'shortcut', status: 200 });
    const [payload] = received as Array<{ trigger_id: string } & Record<string, unknown>>;
    expect(payload).toMatchObject({
      type: 'shortcut',
      callback_id: 'request_access',
      user: { id: 'U0CAROL', username: 'carol', team_id: 'T0LOCAL' },
      team: { id: 'T0LOCAL' },
    });
    expect(call('views.open', { trigger_id: payload?.trigger_id, view: FORM })).toMatchObject({ ok: true });
    expect(state.modalOf('U0CAROL')?.view).toEqual(FORM);
  });

  it('refuses a shortcut the app does not have', async () => {
    expect(await client.shortcut({ userId: 'U0CAROL', callbackId: 'nope' })).toEqual({
      kind: 'rejected',
      reason: 'the app has no such shortcut',
    });
    expect(received).toEqual([]);
  });
});
