import { WebClient } from '@slack/web-api';
import { SlackApiError, TransientError } from '../../src/domain/errors';
import { SlackWebApi } from '../../src/slack/web-api';
import { slackWebClient, TASK_RATE_LIMIT_WAIT_SECONDS } from '../../src/wiring';
import { APPROVER_1, AUDIT_CHANNEL, type Harness, startHarness } from '../helpers/harness';
import { LocalSlack, rateLimited, type SlackFault, slackError, TEST_BOT_TOKEN } from '../helpers/local-slack';

// Slack Web API errors are classified at the adapter (src/slack/classify-error.ts), like AWS errors:
// rate limits and 5xx are TransientError, which the ASL retries; anything else is a named permanent
// error whose message names only Slack's short error code.

const unavailable: SlackFault = { status: 503, body: { ok: false, error: 'service_unavailable' } };

describe('the Slack adapter classifies Web API errors (loopback Slack, real WebClient)', () => {
  let slack: LocalSlack;
  const sleeps: number[] = [];
  // No internal WebClient retries here, so each case is one HTTP answer; no real sleeping either.
  const adapter = (maxRateLimitWaitSeconds = 0) =>
    new SlackWebApi(
      new WebClient(TEST_BOT_TOKEN, {
        slackApiUrl: slack.url,
        rejectRateLimitedCalls: true,
        retryConfig: { retries: 0 },
      }),
      {
        maxRateLimitWaitSeconds,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      },
    );

  // A fresh workspace per test, so each sees only its own messages.
  beforeEach(async () => {
    slack = await LocalSlack.start();
    sleeps.length = 0;
  });
  afterEach(async () => slack.stop());

  it.each([
    [
      'a 429 with Retry-After',
      rateLimited(30),
      'Slack rate-limited the bot while trying to post a message to C0AUDIT; it asked to wait 30 s.',
      30,
    ],
    [
      'a 503',
      unavailable,
      'Slack was briefly unavailable while trying to post a message to C0AUDIT (HTTP 503).',
      undefined,
    ],
    [
      'ok:false ratelimited',
      slackError('ratelimited'),
      'Slack was briefly unavailable while trying to post a message to C0AUDIT (ratelimited).',
      undefined,
    ],
  ])(
    '%s is a TransientError that keeps Slack’s Retry-After, if it sent one, as the delay hint',
    async (_name, reply, message, hint) => {
      slack.respondWith('chat.postMessage', () => reply);

      const error = await adapter()
        .post({ channel: AUDIT_CHANNEL, text: 'card' })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ name: 'TransientError', userMessage: message });
      expect((error as TransientError).retryAfterSeconds).toBe(hint);
    },
  );

  it.each([
    [
      'channel_not_found',
      slackError('channel_not_found'),
      'Slack refused to post a message to C0AUDIT: channel_not_found.',
    ],
    [
      'a 400',
      { status: 400, body: { ok: false, error: 'invalid_arguments' } },
      'Slack refused to post a message to C0AUDIT (HTTP 400).',
    ],
    [
      'an error code that is not one',
      slackError('<script>xoxb-secret'),
      'Slack refused to post a message to C0AUDIT: unknown_error.',
    ],
  ])('%s is a permanent SlackApiFailed error with a safe message', async (_name, reply, message) => {
    slack.respondWith('chat.postMessage', () => reply);

    const error = await adapter()
      .post({ channel: AUDIT_CHANNEL, text: 'card' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SlackApiError);
    expect(error).toMatchObject({ name: 'SlackApiFailed', userMessage: message });
  });

  it('waits out a short Retry-After itself and posts once', async () => {
    slack.respondInOrder('chat.postMessage', [rateLimited(3)]);

    await expect(adapter(10).post({ channel: AUDIT_CHANNEL, text: 'card' })).resolves.toMatchObject({
      channel: AUDIT_CHANNEL,
    });
    expect(sleeps).toEqual([3000]);
    expect(slack.messages.map((m) => m.text)).toEqual(['card']);
  });

  it('does not wait out a Retry-After longer than its budget: it throws for the workflow to retry', async () => {
    slack.respondWith('chat.postMessage', () => rateLimited(TASK_RATE_LIMIT_WAIT_SECONDS + 1));

    await expect(
      adapter(TASK_RATE_LIMIT_WAIT_SECONDS).post({ channel: AUDIT_CHANNEL, text: 'x' }),
    ).rejects.toMatchObject({
      name: 'TransientError',
      retryAfterSeconds: TASK_RATE_LIMIT_WAIT_SECONDS + 1,
    });
    expect(sleeps).toEqual([]);
  });

  it('the workflow tasks’ client rejects a rate-limited call instead of sleeping on it', async () => {
    slack.respondWith('chat.postMessage', () => rateLimited(60));
    const started = Date.now();

    await expect(
      new SlackWebApi(slackWebClient(TEST_BOT_TOKEN, slack.url)).post({ channel: AUDIT_CHANNEL, text: 'x' }),
    ).rejects.toMatchObject({ name: 'TransientError', retryAfterSeconds: 60 });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('"Ask for approval" in the real workflow when Slack is rate limited or down', () => {
  let h: Harness;
  afterEach(async () => h.stop());

  it('retries posting the card on a 429 and on 503s, then completes the request', async () => {
    h = await startHarness();
    h.iam.addUser('alice');
    // 429 with a Retry-After past what a task waits out; then 503 three times: the tasks' WebClient
    // retries a 5xx twice itself (its own short backoff), so the third makes the task fail.
    h.slack.respondInOrder('chat.postMessage', [
      rateLimited(TASK_RATE_LIMIT_WAIT_SECONDS + 20),
      unavailable,
      unavailable,
      unavailable,
    ]);

    await h.slash('grant user:alice developer');
    const { requestId } = await h.onlyRequest();
    await h.awaitApprovalWait(requestId);

    const retried = h.workflow
      .run(requestId)
      ?.events.filter((event) => event.type === 'StateRetried')
      .map((event) => (event as { state: { name: string } }).state.name);
    expect(retried).toEqual(['Ask for approval', 'Ask for approval']);
    const cards = h.slack.messages.filter((m) => m.channel === AUDIT_CHANNEL && !m.threadTs);
    expect(cards).toHaveLength(1);

    await h.click(requestId, APPROVER_1);
    await expect(h.finished(requestId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect((await h.store.get(requestId))?.status).toBe('completed');
  });
});
