import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseWebApiArgs } from '../../src/local/workspace/slack-web-api';

// A loopback stand-in for the Slack Web API, for a real `WebClient` built with
// `{ slackApiUrl: fake.url, retryConfig: { retries: 0 } }`. It keeps enough state (messages, users,
// user groups) to let tests assert on what the bot posted, and lets a test override any method.

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  token?: string;
  /** Request path, e.g. `/api/chat.postMessage` or `/response/abc`. */
  path?: string;
}

export interface FakeSlackUser {
  id: string;
  name: string;
  email?: string;
  deleted?: boolean;
  is_bot?: boolean;
}

export interface FakeSlackMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text?: string;
  blocks?: unknown[];
}

export interface FakeSlackEphemeral {
  channel: string;
  user: string;
  message_ts: string;
  thread_ts?: string;
  text?: string;
  blocks?: unknown[];
}

export interface FakeSlackResponse {
  status?: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

export type FakeSlackResponder = (args: Record<string, unknown>) => FakeSlackResponse;

export const FAKE_BOT = {
  teamId: 'T0TEAM',
  botUserId: 'U0BOT',
  botId: 'B0BOT',
  appId: 'A0APP',
} as const;

const API_PREFIX = '/api/';
const RESPONSE_URL_PREFIX = '/response';
const FIRST_TS_SECONDS = '1700000000';

const ok = (body: Record<string, unknown> = {}): FakeSlackResponse => ({ body: { ok: true, ...body } });
const fail = (error: string): FakeSlackResponse => ({ body: { ok: false, error } });
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const arr = (value: unknown): unknown[] | undefined => (Array.isArray(value) ? value : undefined);

export class FakeSlack {
  /** Base URL for `WebClient({ slackApiUrl })`; ends with '/' as WebClient expects. */
  readonly url: string;
  /** Origin of the server, e.g. `http://127.0.0.1:PORT`. */
  readonly origin: string;
  calls: SlackCall[] = [];
  messages: FakeSlackMessage[] = [];
  ephemerals: FakeSlackEphemeral[] = [];
  users = new Map<string, FakeSlackUser>();
  usergroups = new Map<string, string[]>();

  private readonly overrides = new Map<string, FakeSlackResponder>();
  private tsCounter = 100;
  private viewCounter = 0;

  private constructor(private readonly server: Server) {
    const { port } = server.address() as AddressInfo;
    this.origin = `http://127.0.0.1:${port}`;
    this.url = `${this.origin}${API_PREFIX}`;
  }

  static async start(): Promise<FakeSlack> {
    let fake: FakeSlack | undefined;
    const server = createServer((req, res) => {
      // The server only accepts requests after listen(), by which time `fake` is set.
      void fake?.handle(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    fake = new FakeSlack(server);
    return fake;
  }

  /** A response_url served by this fake; POSTs to it are recorded as method `response_url`. */
  responseUrl(id = 'default'): string {
    return `${this.origin}${RESPONSE_URL_PREFIX}/${encodeURIComponent(id)}`;
  }

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** The direct messages the bot sent to a user (through conversations.open). */
  directMessagesTo(userId: string): FakeSlackMessage[] {
    return this.messages.filter((message) => message.channel === `D${userId.slice(1)}`);
  }

  /** Replies in the thread started by the message with this ts. */
  thread(ts: string): FakeSlackMessage[] {
    return this.messages.filter((message) => message.thread_ts === ts);
  }

  /** Overrides one method (or `response_url`) until reset(), e.g. to return `ratelimited` or a 500. */
  respondWith(method: string, responder: FakeSlackResponder): void {
    this.overrides.set(method, responder);
  }

  /** Answers the next calls of `method` with these replies, in order, then as Slack normally would. */
  respondInOrder(method: string, replies: FakeSlackResponse[]): void {
    const queue = [...replies];
    this.overrides.set(method, (args) => queue.shift() ?? this.defaultResponse(method, args));
  }

  /**
   * Forgets calls, messages and overrides, and restarts ts numbering so each test sees the same ts values;
   * keeps users and user groups, which are fixtures.
   */
  reset(): void {
    this.tsCounter = 100;
    this.viewCounter = 0;
    this.calls = [];
    this.messages = [];
    this.ephemerals = [];
    this.overrides.clear();
  }

  async stop(): Promise<void> {
    // fetch keeps connections alive; without this, close() would wait for them to time out.
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = new URL(req.url ?? '/', this.origin).pathname;
      const method = methodFor(path);
      if (req.method !== 'POST' || method === undefined) {
        send(res, { status: 404, body: { ok: false, error: 'not_found' } });
        return;
      }
      const raw = await readBody(req);
      const args = parseWebApiArgs(raw, req.headers['content-type']);
      const token = bearerToken(req.headers.authorization) ?? str(args.token);
      this.calls.push({ method, args, token, path });
      const override = this.overrides.get(method);
      send(res, override ? override(args) : this.defaultResponse(method, args));
    } catch (error) {
      send(res, { status: 500, body: { ok: false, error: 'fake_slack_error', detail: String(error) } });
    }
  }

  private defaultResponse(method: string, args: Record<string, unknown>): FakeSlackResponse {
    switch (method) {
      case 'chat.postMessage':
        return this.postMessage(args);
      case 'chat.update':
        return this.updateMessage(args);
      case 'chat.postEphemeral':
        return this.postEphemeral(args);
      case 'users.info':
        return this.userInfo(args);
      case 'usergroups.users.list': {
        const users = this.usergroups.get(str(args.usergroup) ?? '');
        return users ? ok({ users: [...users] }) : fail('no_such_subteam');
      }
      case 'views.open':
        return this.openView(args);
      case 'conversations.open': {
        // A direct message channel per user, named as Slack would (D…).
        const user = str(args.users);
        if (!user || !this.users.has(user)) return fail('user_not_found');
        return ok({ channel: { id: `D${user.slice(1)}` } });
      }
      case 'auth.test':
        return ok({
          url: 'https://testteam.slack.com/',
          team: 'Test Team',
          user: 'codebuild-access',
          team_id: FAKE_BOT.teamId,
          user_id: FAKE_BOT.botUserId,
          bot_id: FAKE_BOT.botId,
          is_enterprise_install: false,
        });
      case 'response_url':
        return ok();
      default:
        return fail('unknown_method');
    }
  }

  private nextTs(): string {
    this.tsCounter += 1;
    return `${FIRST_TS_SECONDS}.${String(this.tsCounter).padStart(6, '0')}`;
  }

  private postMessage(args: Record<string, unknown>): FakeSlackResponse {
    const channel = str(args.channel);
    if (!channel) return fail('channel_not_found');
    const text = str(args.text);
    const blocks = arr(args.blocks);
    if (text === undefined && blocks === undefined && args.attachments === undefined) return fail('no_text');
    const message: FakeSlackMessage = { channel, ts: this.nextTs(), text, blocks };
    const threadTs = str(args.thread_ts);
    if (threadTs) message.thread_ts = threadTs;
    this.messages.push(message);
    return ok({ channel, ts: message.ts, message: asSlackMessage(message) });
  }

  private updateMessage(args: Record<string, unknown>): FakeSlackResponse {
    const channel = str(args.channel);
    const ts = str(args.ts);
    if (!channel) return fail('channel_not_found');
    const message = this.messages.find((m) => m.channel === channel && m.ts === ts);
    if (!message) return fail('message_not_found');
    if (args.text !== undefined) message.text = str(args.text);
    if (args.blocks !== undefined) message.blocks = arr(args.blocks);
    return ok({ channel, ts: message.ts, text: message.text ?? '', message: asSlackMessage(message) });
  }

  private postEphemeral(args: Record<string, unknown>): FakeSlackResponse {
    const channel = str(args.channel);
    const user = str(args.user);
    if (!channel) return fail('channel_not_found');
    if (!user) return fail('user_not_found');
    const ephemeral: FakeSlackEphemeral = {
      channel,
      user,
      message_ts: this.nextTs(),
      text: str(args.text),
      blocks: arr(args.blocks),
    };
    const threadTs = str(args.thread_ts);
    if (threadTs) ephemeral.thread_ts = threadTs;
    this.ephemerals.push(ephemeral);
    return ok({ message_ts: ephemeral.message_ts });
  }

  private userInfo(args: Record<string, unknown>): FakeSlackResponse {
    const user = this.users.get(str(args.user) ?? '');
    if (!user) return fail('user_not_found');
    return ok({
      user: {
        id: user.id,
        team_id: FAKE_BOT.teamId,
        name: user.name,
        real_name: user.name,
        deleted: user.deleted ?? false,
        is_bot: user.is_bot ?? false,
        is_app_user: false,
        profile: {
          real_name: user.name,
          display_name: user.name,
          ...(user.email === undefined ? {} : { email: user.email }),
        },
      },
    });
  }

  private openView(args: Record<string, unknown>): FakeSlackResponse {
    if (!str(args.trigger_id)) return fail('invalid_trigger_id');
    const view = typeof args.view === 'object' && args.view !== null ? args.view : {};
    this.viewCounter += 1;
    const id = `V0VIEW${this.viewCounter}`;
    return ok({
      view: {
        ...view,
        id,
        team_id: FAKE_BOT.teamId,
        app_id: FAKE_BOT.appId,
        bot_id: FAKE_BOT.botId,
        root_view_id: id,
      },
    });
  }
}

function methodFor(path: string): string | undefined {
  if (path.startsWith(API_PREFIX)) {
    const method = path.slice(API_PREFIX.length);
    return method.length > 0 ? method : undefined;
  }
  if (path === RESPONSE_URL_PREFIX || path.startsWith(`${RESPONSE_URL_PREFIX}/`)) return 'response_url';
  return undefined;
}

function asSlackMessage(message: FakeSlackMessage): Record<string, unknown> {
  return {
    type: 'message',
    user: FAKE_BOT.botUserId,
    bot_id: FAKE_BOT.botId,
    app_id: FAKE_BOT.appId,
    team: FAKE_BOT.teamId,
    ts: message.ts,
    text: message.text ?? '',
    ...(message.blocks === undefined ? {} : { blocks: message.blocks }),
    ...(message.thread_ts === undefined ? {} : { thread_ts: message.thread_ts }),
  };
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(.+)$/i);
  return match?.[1];
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, response: FakeSlackResponse): void {
  const body = JSON.stringify(response.body);
  res.writeHead(response.status ?? 200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...response.headers,
  });
  res.end(body);
}
