import { ErrorCode, WebClient } from '@slack/web-api';
import { WorkspaceChangeRefused } from '../../src/local/workspace/state';
import { LocalSlack, rateLimited, slackError, TEST_BOT_TOKEN } from '../helpers/local-slack';

// The local workspace's Slack Web API as the bot reaches it: served on loopback by LocalServer (the
// server `npm start` runs), called with a real WebClient. These cases were test/helpers/fake-slack.test.ts
// when the tests had a Slack stand-in of their own; they now hold for the one implementation.

describe('the local Slack Web API on loopback, with a real WebClient', () => {
  let slack: LocalSlack;
  let client: WebClient;

  beforeEach(async () => {
    slack = await LocalSlack.start();
    // retries: 0 so an error surfaces at once instead of after WebClient's ~30 min retry schedule.
    client = new WebClient(TEST_BOT_TOKEN, { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
  });
  afterEach(async () => slack.stop());

  it('serves the Web API under a loopback URL ending in a slash', () => {
    expect(slack.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
  });

  it('stores a posted message with its blocks decoded from the form body, and sees the bearer token', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'Request *REQ-1* & <@U0ALICE>' } }];

    const result = await client.chat.postMessage({ channel: 'C0AUDIT', text: 'Request REQ-1', blocks });

    expect(result).toMatchObject({ ok: true, channel: 'C0AUDIT', ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    expect(slack.messages).toEqual([
      { channel: 'C0AUDIT', ts: result.ts, user: 'U0BOT', botId: 'B0BOT', text: 'Request REQ-1', blocks },
    ]);
    expect(slack.callsTo('chat.postMessage')).toEqual([
      {
        method: 'chat.postMessage',
        args: { channel: 'C0AUDIT', text: 'Request REQ-1', blocks },
        token: TEST_BOT_TOKEN,
      },
    ]);
  });

  it('gives each posted message a distinct, increasing ts and lists thread replies', async () => {
    const parent = await client.chat.postMessage({ channel: 'C0AUDIT', text: 'parent' });
    await client.chat.postMessage({ channel: 'C0AUDIT', text: 'reply 1', thread_ts: parent.ts as string });
    await client.chat.postMessage({ channel: 'C0AUDIT', text: 'reply 2', thread_ts: parent.ts as string });

    const stamps = slack.messages.map((m) => Number(m.ts));
    expect(stamps).toHaveLength(3);
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
    expect(new Set(stamps).size).toBe(3);
    expect(slack.thread(parent.ts as string).map((m) => m.text)).toEqual(['reply 1', 'reply 2']);
  });

  it('updates a stored message in place', async () => {
    const posted = await client.chat.postMessage({
      channel: 'C0AUDIT',
      text: 'pending',
      blocks: [{ type: 'divider' }],
    });

    const updated = await client.chat.update({
      channel: 'C0AUDIT',
      ts: posted.ts as string,
      text: 'approved',
      blocks: [],
    });

    expect(updated).toMatchObject({ ok: true, ts: posted.ts, text: 'approved' });
    expect(slack.messages).toEqual([
      expect.objectContaining({ channel: 'C0AUDIT', ts: posted.ts, text: 'approved', blocks: [] }),
    ]);
  });

  it('rejects an update of an unknown message with message_not_found', async () => {
    await expect(client.chat.update({ channel: 'C0AUDIT', ts: '1.000000', text: 'x' })).rejects.toMatchObject(
      {
        code: ErrorCode.PlatformError,
        data: { ok: false, error: 'message_not_found' },
      },
    );
  });

  it('acknowledges an ephemeral message with a message_ts and keeps it for its one user', async () => {
    const result = await client.chat.postEphemeral({
      channel: 'C0REQ',
      user: 'U0REQUESTER',
      text: 'Usage: ...',
    });

    expect(result).toMatchObject({ ok: true, message_ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    expect(slack.ephemerals).toEqual([
      { channel: 'C0REQ', user: 'U0REQUESTER', ts: result.message_ts, from: 'bot', text: 'Usage: ...' },
    ]);
  });

  it('looks up a person added at runtime, including the profile email', async () => {
    slack.state.putUser({ id: 'U0DANA', name: 'dana', realName: 'Dana', email: 'dana@example.com' });

    const result = await client.users.info({ user: 'U0DANA' });

    expect(result.user).toMatchObject({
      id: 'U0DANA',
      name: 'dana',
      deleted: false,
      is_bot: false,
      profile: { email: 'dana@example.com' },
    });
  });

  it('answers with a changed profile once a person edits it', async () => {
    slack.state.putUser({ id: 'U0ALICE', name: 'alice', realName: 'Alice', email: 'alice@other.example' });

    await expect(client.users.info({ user: 'U0ALICE' })).resolves.toMatchObject({
      user: { profile: { email: 'alice@other.example' } },
    });
  });

  it('refuses a person whose id does not look like a Slack user id, with a named error', () => {
    expect(() => slack.state.putUser({ id: 'alice', name: 'alice', realName: 'Alice' })).toThrow(
      WorkspaceChangeRefused,
    );
  });

  it('reports an unknown user as user_not_found', async () => {
    await expect(client.users.info({ user: 'U0NOBODY' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: 'user_not_found' },
    });
  });

  it('lists the members of a user group set at runtime and reports an unknown group as no_such_subteam', async () => {
    slack.state.setUsergroup('S0APPROVERS', ['U0ALICE', 'U0APPROVER1']);

    await expect(client.usergroups.users.list({ usergroup: 'S0APPROVERS' })).resolves.toMatchObject({
      users: ['U0ALICE', 'U0APPROVER1'],
    });
    await expect(client.usergroups.users.list({ usergroup: 'S0NONE' })).rejects.toMatchObject({
      data: { error: 'no_such_subteam' },
    });
  });

  it('posts to a channel added at runtime, and answers channel_not_found for one it does not have', async () => {
    slack.state.addChannel({ id: 'C0OPS', name: 'ops' });

    await expect(client.chat.postMessage({ channel: 'C0OPS', text: 'hi' })).resolves.toMatchObject({
      channel: 'C0OPS',
    });
    await expect(client.chat.postMessage({ channel: 'C0GONE', text: 'hi' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: 'channel_not_found' },
    });
  });

  it('answers auth.test with the bot identity and an unknown method with unknown_method', async () => {
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true, user_id: 'U0BOT', bot_id: 'B0BOT' });
    await expect(client.apiCall('no.such.method')).rejects.toMatchObject({
      data: { error: 'unknown_method' },
    });
  });

  it('answers invalid_auth to a token that is not the bot’s, as Slack does', async () => {
    const stranger = new WebClient('xoxb-someone-else', {
      slackApiUrl: slack.url,
      retryConfig: { retries: 0 },
    });

    await expect(stranger.auth.test()).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: 'invalid_auth' },
    });
  });

  it('opens a view for a trigger id it issued, decoded from the form body, and only once', async () => {
    const view = {
      type: 'modal' as const,
      title: { type: 'plain_text' as const, text: 'Request' },
      blocks: [],
    };
    const triggerId = slack.triggerFor('U0APPROVER1');

    const result = await client.views.open({ trigger_id: triggerId, view });

    expect(result).toMatchObject({ ok: true, view: { id: expect.any(String), type: 'modal' } });
    expect(slack.callsTo('views.open')[0]?.args).toEqual({ trigger_id: triggerId, view });
    expect(slack.state.modalOf('U0APPROVER1')?.view).toEqual(view);
    await expect(client.views.open({ trigger_id: triggerId, view })).rejects.toMatchObject({
      data: { error: 'invalid_trigger_id' },
    });
  });

  it('refuses a trigger id it never issued with invalid_trigger_id', async () => {
    await expect(
      client.views.open({
        trigger_id: '1.2.abc',
        view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] },
      }),
    ).rejects.toMatchObject({ data: { error: 'invalid_trigger_id' } });
  });

  it('fails at once, without retrying, when a fault answers HTTP 500', async () => {
    slack.respondWith('chat.postMessage', () => ({
      status: 500,
      body: { ok: false, error: 'internal_error' },
    }));

    await expect(client.chat.postMessage({ channel: 'C0AUDIT', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.HTTPError,
      statusCode: 500,
    });
    expect(slack.callsTo('chat.postMessage')).toHaveLength(1);
    expect(slack.messages).toEqual([]);
  });

  it('surfaces a 429 as a rate-limited error when the client rejects rate-limited calls', async () => {
    // Without rejectRateLimitedCalls, WebClient sleeps retry-after seconds before failing even with retries: 0.
    const strict = new WebClient(TEST_BOT_TOKEN, {
      slackApiUrl: slack.url,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    slack.respondWith('chat.update', () => rateLimited(30));

    await expect(strict.chat.update({ channel: 'C0AUDIT', ts: '1.0', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.RateLimitedError,
      retryAfter: 30,
    });
  });

  it('answers faults queued with respondInOrder, then as the workspace would', async () => {
    slack.respondInOrder('chat.postMessage', [slackError('channel_not_found')]);

    await expect(client.chat.postMessage({ channel: 'C0AUDIT', text: 'x' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    await expect(client.chat.postMessage({ channel: 'C0AUDIT', text: 'y' })).resolves.toMatchObject({
      ok: true,
    });
    expect(slack.messages.map((m) => m.text)).toEqual(['y']);
  });

  it('shows a JSON post to a response_url it issued to that person only, and refuses an unknown one', async () => {
    const url = slack.responseUrlFor('U0ALICE', 'C0REQ');

    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Approved by <@U0APPROVER1>' }),
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(slack.ephemerals).toEqual([
      expect.objectContaining({
        channel: 'C0REQ',
        user: 'U0ALICE',
        from: 'bot',
        text: 'Approved by <@U0APPROVER1>',
      }),
    ]);
    const unknown = await fetch(`${slack.origin}/local/response/0000`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x' }),
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ ok: false, error: 'expired_url' });
  });

  it('forgets recorded calls and faults on reset but keeps people added at runtime', async () => {
    slack.state.putUser({ id: 'U0DANA', name: 'dana', realName: 'Dana' });
    slack.respondWith('auth.test', () => slackError('invalid_auth'));
    await client.chat.postMessage({ channel: 'C0AUDIT', text: 'x' });

    slack.reset();

    expect(slack.calls).toEqual([]);
    expect(slack.state.user('U0DANA')).toMatchObject({ name: 'dana' });
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
  });
});
