import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalHandle, startLocal } from '../../src/local/main';
import {
  signedHeaders,
  slashCommandBody,
  slashCommandPayload,
} from '../../src/local/workspace/slack-payloads';
import { PageDriver } from './page-driver';

jest.setTimeout(30_000);

let stateDir: string;
let local: LocalHandle;
let page: PageDriver;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'codebuild-access-server-'));
  local = await startLocal({ stateDir, port: 0, env: {} });
  page = new PageDriver(local.url);
});
afterAll(async () => {
  await local.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

/** A request with headers fetch would not let us set (Host). */
function raw(path: string, options: { method?: string; headers?: Record<string, string>; body?: string }) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      const req = httpRequest(
        `${local.url}${path}`,
        { method: options.method ?? 'GET', headers: options.headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              headers: res.headers,
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(options.body);
    },
  );
}

// Built and signed as the local workspace builds and signs what a person types.
const command = slashCommandBody(
  slashCommandPayload({
    team: { id: 'T0LOCAL', domain: 'local' },
    appId: 'A0LOCAL',
    channel: { id: 'C0GENERAL', name: 'general' },
    user: { id: 'U0ALICE', name: 'alice' },
    command: '/codebuild-access',
    text: 'help',
    responseUrl: 'http://127.0.0.1:1/response',
    triggerId: '1.2.3',
  }),
);

const signed = (body: string, secret: string, timestamp = Math.floor(Date.now() / 1000)) =>
  signedHeaders(secret, String(timestamp), body);

describe('the bot endpoint /slack/events (the slack Lambda behind an API Gateway v2 event)', () => {
  it('answers a command signed with the local signing secret', async () => {
    const response = await raw('/slack/events', {
      method: 'POST',
      headers: signed(command, local.signingSecret),
      body: command,
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('grant'),
    });
  });

  it.each([
    ['no signature', () => ({ 'content-type': 'application/x-www-form-urlencoded' })],
    ['another secret', () => signed(command, 'not-the-local-secret')],
    // Signed with the real secret, so only its age can fail it.
    [
      'a timestamp 10 minutes old',
      () => signed(command, local.signingSecret, Math.floor(Date.now() / 1000) - 600),
    ],
  ])('rejects a request with %s (401), as the Lambda does', async (_name, headers) => {
    const response = await raw('/slack/events', { method: 'POST', headers: headers(), body: command });
    expect(response.status).toBe(401);
  });
});

describe('the page server protects its signing power', () => {
  it('answers only to loopback host names (no DNS rebinding)', async () => {
    const response = await raw('/local/state?user=U0ALICE', {
      headers: { host: `evil.example:${local.port}` },
    });
    expect(response.status).toBe(421);
  });

  it('refuses a cross-site POST to the composer', async () => {
    const response = await raw('/local/command', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: JSON.stringify({ userId: 'U0ALICE', channelId: 'C0GENERAL', text: '/codebuild-access help' }),
    });
    expect(response.status).toBe(403);
  });

  it('refuses a form or text POST (a "simple" cross-site request) to the composer', async () => {
    const response = await raw('/local/command', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ userId: 'U0ALICE', channelId: 'C0GENERAL', text: '/codebuild-access help' }),
    });
    expect(response.status).toBe(415);
  });

  it('serves the page with a strict content security policy', async () => {
    const response = await raw('/', {});
    expect(response.status).toBe(200);
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    expect(response.body).toContain('<script src="/app.js"');
  });
});

describe('the state folder', () => {
  it('is used by one local mode at a time', async () => {
    await expect(startLocal({ stateDir, port: 0, env: {} })).rejects.toThrow(
      `Another local mode (pid ${process.pid}) is using ${stateDir}`,
    );
  });
});

describe('people added while local mode runs', () => {
  it('can use the bot at once: users.info finds them and the composer escapes their @name', async () => {
    const added = await page.post('/local/people', {
      id: 'U0DANA',
      name: 'dana',
      realName: 'Dana Ito',
      email: 'dana@example.com',
    });
    expect(added).toMatchObject({ status: 200, body: { kind: 'added', user: { id: 'U0DANA' } } });

    await page.type('U0BOB', 'C0GENERAL', 'welcome @dana');
    const { messages, users } = await page.state('U0BOB');
    expect(messages.at(-1)).toMatchObject({ text: 'welcome <@U0DANA|dana>' });
    expect(users).toContainEqual(expect.objectContaining({ id: 'U0DANA', realName: 'Dana Ito' }));
  });

  it('refuses a person whose id is not a Slack user id, saying why', async () => {
    const refused = await page.post('/local/people', { id: 'dana', name: 'dana' });
    expect(refused.status).toBe(400);
    expect(String(refused.body.error)).toContain('must look like U0ALICE');
  });
});

describe('the composer', () => {
  it('answers an unknown slash command itself, like Slack, without calling the bot', async () => {
    const response = await page.type('U0BOB', 'C0GENERAL', '/deploy prod');
    expect(response).toEqual({ status: 400, body: { kind: 'rejected', reason: 'unknown command' } });
    const { ephemerals } = await page.state('U0BOB');
    expect(ephemerals.at(-1)).toMatchObject({
      from: 'slackbot',
      text: expect.stringContaining('`/deploy` is not a valid command'),
    });
  });

  it('posts plain text as the person, with @names escaped as Slack does', async () => {
    await page.type('U0BOB', 'C0GENERAL', 'thanks @priya');
    const { messages } = await page.state('U0BOB');
    expect(messages.at(-1)).toMatchObject({
      user: 'U0BOB',
      channel: 'C0GENERAL',
      text: 'thanks <@U0PRIYA|priya>',
    });
  });

  it('shows the bot’s answer to a command to the person who typed it only', async () => {
    await page.type('U0BOB', 'C0GENERAL', '/codebuild-access help');
    const bob = await page.state('U0BOB');
    expect(bob.ephemerals.at(-1)).toMatchObject({
      from: 'bot',
      command: '/codebuild-access help',
      user: 'U0BOB',
    });
    const carol = await page.state('U0CAROL');
    expect(carol.ephemerals).toEqual([]);
  });

  it('only clicks buttons the message has', async () => {
    const response = await page.click('U0PRIYA', 'C0AUDIT', '1.000001', 'approve_request');
    expect(response.status).toBe(400);
  });
});

describe('the debug pages', () => {
  const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

  it('shows the sandbox account to a browser as tables with pretty-printed policies', async () => {
    const response = await raw('/local/sandbox', { headers: html });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    // The sandbox organization: its accounts, then each account's tables under its name.
    expect(response.body).toContain('<h2>Accounts</h2>');
    expect(response.body).toContain('<h3>IAM users</h3>');
    expect(response.body).toContain('<strong>alice</strong>');
    expect(response.body).toContain('<h3>KMS keys</h3>');
    // A key policy, indented inside <pre>, its quotes escaped.
    expect(response.body).toMatch(/<pre>\{\n {2}&quot;Version&quot;: &quot;2012-10-17&quot;/);
    expect(response.body).not.toContain('<script');
  });

  it('keeps the JSON for tools: ?format=json, or a client that does not ask for HTML', async () => {
    const forced = await raw('/local/sandbox?format=json', { headers: html });
    expect(forced.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(forced.body)).toMatchObject({ users: expect.any(Array) });
    expect(await page.sandboxUser('alice')).toMatchObject({ name: 'alice' });
    expect(Array.isArray(await page.requests())).toBe(true);
  });

  // Rows (statuses, readable times, escaping) are covered in debug-pages.test.ts; a request made here
  // would leave a workflow run behind this suite's shutdown.
  it('shows the requests table to a browser as a page', async () => {
    const response = await raw('/local/requests', { headers: html });
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('<h2>Requests, newest first</h2>');
    expect(response.body).toContain('<th scope="col">access ends</th>');
    expect(response.body).toMatch(/\d+ requests? in the local DynamoDB table/);
  });
});

describe('direct messages with the app on the page', () => {
  it('shows a person their DM with the app and nobody else’s', async () => {
    expect(await page.type('U0ALICE', 'D0ALICE', 'hello app')).toMatchObject({
      status: 200,
      body: { kind: 'message' },
    });
    const alice = (await page.state('U0ALICE')) as unknown as {
      im: unknown;
      messages: Array<{ channel: string }>;
    };
    expect(alice.im).toEqual({ id: 'D0ALICE', user: 'U0ALICE' });
    expect(alice.messages.filter((message) => message.channel === 'D0ALICE')).toHaveLength(1);
    const bob = await page.state('U0BOB');
    expect(bob.messages.filter((message) => message.channel.startsWith('D'))).toEqual([]);
  });

  it('refuses a click in a view the person does not have', async () => {
    const response = await page.post('/local/view-action', {
      userId: 'U0ALICE',
      viewId: 'V0NOPE',
      actionId: 'relinquish',
    });
    expect(response).toEqual({
      status: 400,
      body: { kind: 'rejected', reason: 'that view is not open (any more)' },
    });
  });
});
