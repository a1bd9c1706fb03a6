import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { escapeLikeSlack } from '../../src/local/workspace/escape';
import {
  approverIdsOf,
  auditChannelOf,
  loadWorkspaceFixture,
  WorkspaceFixture,
} from '../../src/local/workspace/fixture';
import { buttonsIn } from '../../src/local/workspace/slack-client';
import { LocalSlackWebApi } from '../../src/local/workspace/slack-web-api';
import { WorkspaceState } from '../../src/local/workspace/state';

const fixture = loadWorkspaceFixture(resolve(__dirname, '..', '..', 'local', 'fixtures', 'workspace.json'));
const TOKEN = 'xoxb-local-test';
const START = Date.parse('2026-11-28T12:00:00.000Z');
let nowMs = START;
const clock = { now: () => new Date(nowMs) };

let dir: string;
let state: WorkspaceState;
let api: LocalSlackWebApi;

beforeEach(() => {
  nowMs = START;
  dir = mkdtempSync(join(tmpdir(), 'codebuild-access-workspace-'));
  state = WorkspaceState.open(join(dir, 'workspace.json'), fixture, clock);
  api = new LocalSlackWebApi(state, TOKEN);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const call = (method: string, args: Record<string, unknown>) => api.call(method, args, TOKEN).body;

describe('the workspace fixture', () => {
  it('has one audit channel, two approvers and requesters whose emails map to sandbox IAM users', () => {
    expect(auditChannelOf(fixture).id).toBe('C0AUDIT');
    expect(approverIdsOf(fixture)).toEqual(['U0PRIYA', 'U0OMAR']);
    expect(fixture.users.filter((user) => !user.approver).map((user) => user.email)).toEqual([
      'alice@example.com',
      'bob@example.com',
      'carol@example.com',
    ]);
  });

  it('rejects a fixture without exactly one audit channel, naming the problem', () => {
    const broken = {
      ...fixture,
      channels: fixture.channels.map((channel) => ({ ...channel, audit: false })),
    };
    expect(WorkspaceFixture.safeParse(broken).error?.issues[0]?.message).toBe(
      'exactly one channel needs "audit": true',
    );
  });
});

describe('the Slack Web API of the local workspace', () => {
  it.each([
    ['no token', undefined, 'not_authed'],
    ['another token', 'xoxb-someone-else', 'invalid_auth'],
  ])('refuses a call with %s, as Slack does', (_name, token, error) => {
    expect(api.call('auth.test', {}, token).body).toEqual({ ok: false, error });
  });

  it('auth.test names the fixture team and the bot', () => {
    expect(call('auth.test', {})).toMatchObject({
      ok: true,
      team_id: 'T0LOCAL',
      user_id: 'U0BOT',
      bot_id: 'B0LOCAL',
    });
  });

  it('chat.postMessage stores the message and a reply joins its thread', () => {
    const posted = call('chat.postMessage', {
      channel: 'C0AUDIT',
      text: 'card',
      blocks: [{ type: 'divider' }],
    });
    expect(posted).toMatchObject({ ok: true, channel: 'C0AUDIT', ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    const reply = call('chat.postMessage', { channel: 'C0AUDIT', text: 'audit', thread_ts: posted.ts });
    expect(reply.ok).toBe(true);
    expect(state.replies('C0AUDIT', String(posted.ts)).map((message) => message.text)).toEqual(['audit']);
  });

  it.each([
    ['an unknown channel', { channel: 'C0NOPE', text: 'x' }, 'channel_not_found'],
    ['no text and no blocks', { channel: 'C0AUDIT' }, 'no_text'],
    [
      'a thread that does not exist',
      { channel: 'C0AUDIT', text: 'x', thread_ts: '1.000001' },
      'thread_not_found',
    ],
  ])('chat.postMessage fails on %s', (_name, args, error) => {
    expect(call('chat.postMessage', args)).toEqual({ ok: false, error });
  });

  it('chat.update edits only the bot’s own messages', () => {
    const posted = call('chat.postMessage', { channel: 'C0AUDIT', text: 'before' });
    expect(call('chat.update', { channel: 'C0AUDIT', ts: posted.ts, text: 'after' })).toMatchObject({
      ok: true,
      text: 'after',
    });
    const human = state.post({ channel: 'C0GENERAL', user: 'U0ALICE', text: 'mine' });
    expect(call('chat.update', { channel: 'C0GENERAL', ts: human.ts, text: 'x' })).toEqual({
      ok: false,
      error: 'cant_update_message',
    });
    expect(call('chat.update', { channel: 'C0AUDIT', ts: '1.000001', text: 'x' })).toEqual({
      ok: false,
      error: 'message_not_found',
    });
  });

  it('chat.postEphemeral is kept for its one user', () => {
    expect(call('chat.postEphemeral', { channel: 'C0AUDIT', user: 'U0CAROL', text: 'only you' }).ok).toBe(
      true,
    );
    expect(state.ephemerals).toEqual([
      expect.objectContaining({ user: 'U0CAROL', text: 'only you', from: 'bot' }),
    ]);
    expect(call('chat.postEphemeral', { channel: 'C0AUDIT', user: 'U0NOPE', text: 'x' })).toEqual({
      ok: false,
      error: 'user_not_found',
    });
  });

  it('users.info includes the profile email (users:read.email)', () => {
    expect(call('users.info', { user: 'U0ALICE' })).toMatchObject({
      ok: true,
      user: { id: 'U0ALICE', name: 'alice', deleted: false, profile: { email: 'alice@example.com' } },
    });
    expect(call('users.info', { user: 'U0NOPE' })).toEqual({ ok: false, error: 'user_not_found' });
  });

  it('usergroups.users.list lists the fixture group', () => {
    expect(call('usergroups.users.list', { usergroup: 'S0APPROVERS' })).toEqual({
      ok: true,
      users: ['U0PRIYA', 'U0OMAR'],
    });
    expect(call('usergroups.users.list', { usergroup: 'S0NOPE' })).toEqual({
      ok: false,
      error: 'no_such_subteam',
    });
  });

  it('views.open shows the modal to the person whose click gave the trigger id', () => {
    const trigger = state.issueTrigger('U0PRIYA');
    const opened = call('views.open', {
      trigger_id: trigger,
      view: { type: 'modal', callback_id: 'deny_reason' },
    });
    expect(opened).toMatchObject({ ok: true, view: { callback_id: 'deny_reason', app_id: 'A0LOCAL' } });
    expect(state.modalOf('U0PRIYA')).toMatchObject({
      id: (opened.view as { id: string }).id,
      user: 'U0PRIYA',
    });
    expect(state.modalOf('U0CAROL')).toBeUndefined();
  });

  it.each([
    ['a trigger id nobody issued', () => 'made.up.trigger', 'invalid_trigger_id'],
    [
      'a trigger id used once already',
      () => {
        const trigger = state.issueTrigger('U0PRIYA');
        state.takeTrigger(trigger);
        return trigger;
      },
      'invalid_trigger_id',
    ],
    [
      'a trigger id older than 3 seconds',
      () => {
        const trigger = state.issueTrigger('U0PRIYA');
        nowMs += 3001;
        return trigger;
      },
      'expired_trigger_id',
    ],
  ])('views.open refuses %s', (_name, trigger, error) => {
    expect(call('views.open', { trigger_id: trigger(), view: { type: 'modal' } })).toEqual({
      ok: false,
      error,
    });
  });

  it('answers unknown_method for a method the workspace does not implement', () => {
    expect(call('conversations.kick', {})).toEqual({ ok: false, error: 'unknown_method' });
  });

  it('persists messages and ephemerals across a reopen of the state file', () => {
    call('chat.postMessage', { channel: 'C0AUDIT', text: 'kept' });
    call('chat.postEphemeral', { channel: 'C0AUDIT', user: 'U0ALICE', text: 'kept too' });
    const reopened = WorkspaceState.open(join(dir, 'workspace.json'), fixture, clock);
    expect(reopened.messages).toEqual(state.messages);
    expect(reopened.ephemerals).toEqual(state.ephemerals);
  });

  it('hands out strictly increasing timestamps even within one millisecond', () => {
    const first = state.nextTs();
    const second = state.nextTs();
    expect(second > first).toBe(true);
    expect(first).toBe('1795867200.000000');
  });
});

describe('slash-command text escaping (should_escape: true)', () => {
  it.each([
    ['a user handle', 'grant @alice developer', 'grant <@U0ALICE|alice> developer'],
    ['a handle ending a sentence', 'ask @priya.', 'ask <@U0PRIYA|priya>.'],
    ['a channel', 'see #codebuild-audit', 'see <#C0AUDIT|codebuild-audit>'],
    ['a user group', 'ping @codebuild-approvers', 'ping <!subteam^S0APPROVERS|@codebuild-approvers>'],
    ['a broadcast', 'hey @here', 'hey <!here>'],
    ['an unknown handle, left as typed', 'grant @zed developer', 'grant @zed developer'],
    ['an email address, left alone', 'mail alice@example.com', 'mail alice@example.com'],
    ['HTML characters', 'because <b>&</b>', 'because &lt;b&gt;&amp;&lt;/b&gt;'],
  ])('escapes %s', (_name, typed, sent) => {
    expect(escapeLikeSlack(typed, fixture)).toBe(sent);
  });
});

describe('buttons a person can click', () => {
  it('finds buttons in actions blocks and section accessories, with their block ids', () => {
    const blocks = [
      { type: 'section', text: { type: 'mrkdwn', text: 'x' } },
      {
        type: 'actions',
        block_id: 'decision',
        elements: [
          {
            type: 'button',
            action_id: 'approve_request',
            value: 'REQ-1',
            style: 'primary',
            text: { type: 'plain_text', text: 'Approve' },
          },
          { type: 'static_select', action_id: 'pick' },
        ],
      },
      {
        type: 'section',
        accessory: { type: 'button', action_id: 'more', text: { type: 'plain_text', text: 'More' } },
      },
    ];
    expect(buttonsIn(blocks)).toEqual([
      { actionId: 'approve_request', blockId: 'decision', value: 'REQ-1', style: 'primary', text: 'Approve' },
      { actionId: 'more', blockId: 'block-2', text: 'More' },
    ]);
  });
});
