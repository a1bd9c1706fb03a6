import { ErrorCode, WebClient } from '@slack/web-api';
import { FakeSlack } from './fake-slack';

const BOT_TOKEN = 'xoxb-test-token';

describe('FakeSlack with a real WebClient', () => {
  let fake: FakeSlack;
  let client: WebClient;

  beforeAll(async () => {
    fake = await FakeSlack.start();
    // retries: 0 so an error surfaces at once instead of after WebClient's ~30 min retry schedule.
    client = new WebClient(BOT_TOKEN, { slackApiUrl: fake.url, retryConfig: { retries: 0 } });
  });

  afterAll(async () => {
    await fake.stop();
  });

  beforeEach(() => {
    fake.reset();
    fake.users.clear();
    fake.usergroups.clear();
  });

  it('serves the Web API under a loopback URL ending in a slash', () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
  });

  it('records a posted message with its blocks decoded from the form body and the bearer token', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'Request *REQ-1*' } }];

    const result = await client.chat.postMessage({ channel: 'C0AUDIT', text: 'Request REQ-1', blocks });

    expect(result).toMatchObject({ ok: true, channel: 'C0AUDIT', ts: '1700000000.000101' });
    expect(fake.messages).toEqual([
      { channel: 'C0AUDIT', ts: '1700000000.000101', text: 'Request REQ-1', blocks },
    ]);
    expect(fake.callsTo('chat.postMessage')).toEqual([
      expect.objectContaining({
        args: { channel: 'C0AUDIT', text: 'Request REQ-1', blocks },
        token: BOT_TOKEN,
      }),
    ]);
  });

  it('gives each posted message a distinct, increasing ts and lists thread replies', async () => {
    const parent = await client.chat.postMessage({ channel: 'C0AUDIT', text: 'parent' });
    await client.chat.postMessage({ channel: 'C0AUDIT', text: 'reply 1', thread_ts: parent.ts as string });
    await client.chat.postMessage({ channel: 'C0AUDIT', text: 'reply 2', thread_ts: parent.ts as string });

    expect(fake.messages.map((m) => m.ts)).toEqual([
      '1700000000.000101',
      '1700000000.000102',
      '1700000000.000103',
    ]);
    expect(fake.thread(parent.ts as string).map((m) => m.text)).toEqual(['reply 1', 'reply 2']);
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
    expect(fake.messages).toEqual([{ channel: 'C0AUDIT', ts: posted.ts, text: 'approved', blocks: [] }]);
  });

  it('rejects an update of an unknown message with message_not_found', async () => {
    await expect(client.chat.update({ channel: 'C0AUDIT', ts: '1.000000', text: 'x' })).rejects.toMatchObject(
      {
        code: ErrorCode.PlatformError,
        data: { ok: false, error: 'message_not_found' },
      },
    );
  });

  it('acknowledges an ephemeral message with a message_ts', async () => {
    const result = await client.chat.postEphemeral({
      channel: 'C0REQ',
      user: 'U0REQUESTER',
      text: 'Usage: ...',
    });

    expect(result).toMatchObject({ ok: true, message_ts: expect.stringMatching(/^1700000000\.\d{6}$/) });
    expect(fake.ephemerals).toEqual([
      { channel: 'C0REQ', user: 'U0REQUESTER', message_ts: result.message_ts, text: 'Usage: ...' },
    ]);
  });

  it('looks a user up, including the profile email', async () => {
    fake.users.set('U0ALICE', { id: 'U0ALICE', name: 'alice', email: 'alice@example.com' });

    const result = await client.users.info({ user: 'U0ALICE' });

    expect(result.user).toMatchObject({
      id: 'U0ALICE',
      name: 'alice',
      deleted: false,
      is_bot: false,
      profile: { email: 'alice@example.com' },
    });
  });

  it('reports an unknown user as user_not_found', async () => {
    await expect(client.users.info({ user: 'U0NOBODY' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: 'user_not_found' },
    });
  });

  it('lists user group members and reports an unknown group as no_such_subteam', async () => {
    fake.usergroups.set('S0APPROVERS', ['U0ALICE', 'U0BOB']);

    await expect(client.usergroups.users.list({ usergroup: 'S0APPROVERS' })).resolves.toMatchObject({
      users: ['U0ALICE', 'U0BOB'],
    });
    await expect(client.usergroups.users.list({ usergroup: 'S0NONE' })).rejects.toMatchObject({
      data: { error: 'no_such_subteam' },
    });
  });

  it('answers auth.test with the bot identity and an unknown method with unknown_method', async () => {
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true, user_id: 'U0BOT', bot_id: 'B0BOT' });
    await expect(client.apiCall('no.such.method')).rejects.toMatchObject({
      data: { error: 'unknown_method' },
    });
  });

  it('opens a view and records it with the view decoded', async () => {
    const view = {
      type: 'modal' as const,
      title: { type: 'plain_text' as const, text: 'Request' },
      blocks: [],
    };

    const result = await client.views.open({ trigger_id: '1.2.abc', view });

    expect(result).toMatchObject({ ok: true, view: { id: expect.any(String), type: 'modal' } });
    expect(fake.callsTo('views.open')[0]?.args).toEqual({ trigger_id: '1.2.abc', view });
  });

  it('fails at once, without retrying, when an override returns HTTP 500', async () => {
    fake.respondWith('chat.postMessage', () => ({
      status: 500,
      body: { ok: false, error: 'internal_error' },
    }));

    await expect(client.chat.postMessage({ channel: 'C0AUDIT', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.HTTPError,
      statusCode: 500,
    });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('surfaces a 429 as a rate-limited error when the client rejects rate-limited calls', async () => {
    // Without rejectRateLimitedCalls, WebClient sleeps retry-after seconds before failing even with retries: 0.
    const strict = new WebClient(BOT_TOKEN, {
      slackApiUrl: fake.url,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    fake.respondWith('chat.update', () => ({
      status: 429,
      headers: { 'retry-after': '30' },
      body: { ok: false, error: 'ratelimited' },
    }));

    await expect(strict.chat.update({ channel: 'C0AUDIT', ts: '1.0', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.RateLimitedError,
      retryAfter: 30,
    });
  });

  it('records JSON posts to a response_url as method response_url', async () => {
    const response = await fetch(fake.responseUrl('abc'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replace_original: true, text: 'Approved by <@U0ALICE>' }),
    });

    expect(await response.json()).toEqual({ ok: true });
    expect(fake.callsTo('response_url')).toEqual([
      {
        method: 'response_url',
        path: '/response/abc',
        args: { replace_original: true, text: 'Approved by <@U0ALICE>' },
        token: undefined,
      },
    ]);
  });

  it('forgets calls, messages and overrides on reset but keeps users', async () => {
    fake.users.set('U0ALICE', { id: 'U0ALICE', name: 'alice' });
    fake.respondWith('auth.test', () => ({ body: { ok: false, error: 'invalid_auth' } }));
    await client.chat.postMessage({ channel: 'C0AUDIT', text: 'x' });

    fake.reset();

    expect(fake.calls).toEqual([]);
    expect(fake.messages).toEqual([]);
    expect(fake.users.has('U0ALICE')).toBe(true);
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
  });
});
