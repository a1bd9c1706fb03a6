import { resolve } from 'node:path';
import { LocalServer } from '../../src/local/http/server';
import { type WorkspaceFixture as Fixture, WorkspaceFixture } from '../../src/local/workspace/fixture';
import { LocalSlackClient } from '../../src/local/workspace/slack-client';
import {
  LocalSlackWebApi,
  type WebApiCall,
  type WebApiResponse,
} from '../../src/local/workspace/slack-web-api';
import { WorkspaceState } from '../../src/local/workspace/state';
import { TEST_SIGNING_SECRET } from './signed-event';

// The Slack Web API of the tests: the local workspace's own (src/local/workspace/slack-web-api.ts),
// served on loopback by the same LocalServer `npm start` runs, over an in-memory workspace. Tests
// read what the bot posted from the workspace state, and inject Slack's faults through the Web API's
// one interceptor hook (respondWith / respondInOrder); nothing here answers a call by itself.

export const TEST_BOT_TOKEN = 'xoxb-test-token';

/** The people every test workspace has (ids as the flows' tests name them). */
export const TEST_PEOPLE = [
  ['U0REQUESTER', 'requester'],
  ['U0APPROVER1', 'approver1'],
  ['U0APPROVER2', 'approver2'],
  ['U0OUTSIDER', 'outsider'],
  ['U0ALICE', 'alice'],
] as const;

/** The test workspace: team T0TEAM, app A0APP with bot U0BOT/B0BOT, #codebuild-audit (C0AUDIT) and #requests (C0REQ). */
export const testWorkspace = (): Fixture =>
  WorkspaceFixture.parse({
    team: { id: 'T0TEAM', domain: 'testteam', name: 'Test Team' },
    app: { id: 'A0APP', botId: 'B0BOT', botUserId: 'U0BOT', name: 'codebuild-access' },
    channels: [
      { id: 'C0AUDIT', name: 'codebuild-audit', audit: true },
      { id: 'C0REQ', name: 'requests' },
    ],
    users: TEST_PEOPLE.map(([id, name]) => ({ id, name, realName: name, email: `${name}@example.com` })),
  });

/** A fault to answer with: HTTP 200 unless `status` says otherwise, as Slack sends `ok: false`. */
export interface SlackFault {
  status?: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** Answers one call instead of the workspace, or lets the workspace answer (undefined). */
export type SlackResponder = (args: Record<string, unknown>) => SlackFault | undefined;

/** Slack's `{ ok: false, error }` with HTTP 200. */
export const slackError = (error: string): SlackFault => ({ body: { ok: false, error } });
/** HTTP 429 with Retry-After, as Slack rate-limits a method. */
export const rateLimited = (seconds: number): SlackFault => ({
  status: 429,
  headers: { 'retry-after': String(seconds) },
  body: { ok: false, error: 'ratelimited' },
});

const toResponse = (fault: SlackFault): WebApiResponse => ({
  status: fault.status ?? 200,
  body: fault.body,
  ...(fault.headers ? { headers: fault.headers } : {}),
});

export class LocalSlack {
  /** Every Web API call received, in order (faulted ones included). */
  calls: WebApiCall[] = [];
  private readonly faults = new Map<string, SlackResponder>();

  private constructor(
    private readonly server: LocalServer,
    readonly state: WorkspaceState,
    readonly webApi: LocalSlackWebApi,
    readonly client: LocalSlackClient,
  ) {
    webApi.intercept((call) => {
      this.calls.push(call);
      const fault = this.faults.get(call.method)?.(call.args);
      return fault ? toResponse(fault) : undefined;
    });
  }

  /** Starts the local workspace's server on a free loopback port. */
  static async start(options: { fixture?: Fixture; botToken?: string } = {}): Promise<LocalSlack> {
    const state = WorkspaceState.inMemory(options.fixture ?? testWorkspace());
    const webApi = new LocalSlackWebApi(state, options.botToken ?? TEST_BOT_TOKEN);
    let origin = '';
    const client = new LocalSlackClient({
      state,
      appUrl: () => `${origin}/slack/events`,
      signingSecret: TEST_SIGNING_SECRET,
      responseUrlBase: () => `${origin}/local/response/`,
    });
    const server = new LocalServer({
      webRoot: resolve(__dirname, '..', '..', 'local', 'web'),
      mode: { aws: 'sandbox', slack: 'local', fast: false, stateDir: '(in memory)' },
      workspace: { state, webApi, client },
      ready: Promise.resolve(),
      debug: { requests: async () => [] },
    });
    await server.listen(0);
    origin = server.origin;
    return new LocalSlack(server, state, webApi, client);
  }

  /** Origin of the server, e.g. `http://127.0.0.1:PORT`. */
  get origin(): string {
    return this.server.origin;
  }

  /** Base URL for `WebClient({ slackApiUrl })` (SLACK_API_URL); ends with '/' as WebClient expects. */
  get url(): string {
    return `${this.server.origin}/api/`;
  }

  get messages() {
    return this.state.messages;
  }

  get ephemerals() {
    return this.state.ephemerals;
  }

  callsTo(method: string): WebApiCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** The direct messages the bot sent a person (its IM with them: conversations.open gives D… for U…). */
  directMessagesTo(userId: string) {
    const im = `D${userId.slice(1)}`;
    return this.state.messages.filter((message) => message.channel === im);
  }

  /** Replies in the thread started by the message with this ts, oldest first. */
  thread(ts: string) {
    return this.state.messages.filter((message) => message.threadTs === ts);
  }

  /** Answers calls of `method` with the responder's fault (until reset); undefined lets Slack answer. */
  respondWith(method: string, responder: SlackResponder): void {
    this.faults.set(method, responder);
  }

  /** Answers the next calls of `method` with these faults, in order, then as the workspace would. */
  respondInOrder(method: string, replies: SlackFault[]): void {
    const queue = [...replies];
    this.faults.set(method, () => queue.shift());
  }

  /** A trigger id of one interaction by `userId`, as Slack puts in a command or click (views.open takes it). */
  triggerFor(userId: string): string {
    return this.state.issueTrigger(userId);
  }

  /** A response_url for an interaction by `userId` in `channel`, served by the workspace. */
  responseUrlFor(userId: string, channel: string): string {
    return this.client.issueResponseUrl({ channel, user: userId });
  }

  /** Forgets recorded calls and injected faults; the workspace's messages stay. */
  reset(): void {
    this.calls = [];
    this.faults.clear();
  }

  async stop(): Promise<void> {
    this.webApi.intercept(undefined);
    await this.server.close();
  }
}
