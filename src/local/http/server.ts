import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import type { LocalSlackClient } from '../workspace/slack-client';
import { type LocalSlackWebApi, parseWebApiArgs } from '../workspace/slack-web-api';
import { WorkspaceChangeRefused, type WorkspaceState } from '../workspace/state';
import type { TypedValues } from '../workspace/views';
import { type LambdaHttpHandler, serveLambda } from './bot-endpoint';
import { requestsPage, sandboxPage, wantsHtml } from './debug-pages';

/**
 * One loopback HTTP server for local mode:
 *   /                 the workspace page (static files from local/web/)
 *   /api/<method>     the Slack Web API the bot calls (SLACK_API_URL)
 *   /slack/events     the bot: the slack Lambda's handler behind an API Gateway v2 event
 *   /local/...        what the page needs: state, live updates, composer, clicks, people added at
 *                     runtime, response_url, debug
 *
 * It binds to loopback only and accepts only requests addressed to it by a loopback host name: the page
 * signs whatever it is asked to, so no other machine, and no other web site (CSRF, DNS rebinding), may
 * ask it.
 */

export interface ModeInfo {
  aws: 'sandbox' | 'real';
  slack: 'local' | 'socket';
  fast: boolean;
  stateDir: string;
  /**
   * The sandbox organization's accounts, hub first (the page's hints use a member with the member stack,
   * e.g. `in prod`); absent with real AWS.
   */
  accounts?: Array<{ name: string; hub: boolean; memberStack: boolean }>;
}

export interface LocalServerOptions {
  webRoot: string;
  mode: ModeInfo;
  /** The local workspace; absent in Socket Mode, where Slack is the real one. */
  workspace?: { state: WorkspaceState; webApi: LocalSlackWebApi; client: LocalSlackClient };
  /** The bot's handler, once wired; requests wait for `ready`. */
  bot?: () => LambdaHttpHandler | undefined;
  ready: Promise<void>;
  debug: { sandbox?: () => unknown; requests: () => Promise<unknown[]> };
  log?: (line: string) => void;
}

const MAX_BODY_BYTES = 1024 * 1024;
const STATIC: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/app.js': 'app.js',
  '/mrkdwn.js': 'mrkdwn.js',
  '/style.css': 'style.css',
};
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
  override readonly name = 'HttpError';
}

export class LocalServer {
  private readonly server: Server;
  private readonly streams = new Set<ServerResponse>();
  private port = 0;
  private unsubscribe: (() => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly options: LocalServerOptions) {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => this.fail(res, error));
    });
  }

  /** Listens on 127.0.0.1 (port 0: any free port). */
  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.unsubscribe = this.options.workspace?.state.onChange(() => this.broadcast());
    this.heartbeat = setInterval(() => {
      for (const stream of this.streams) stream.write(': keep-alive\n\n');
    }, 15_000);
    this.heartbeat.unref();
  }

  /** The origin the server answers on, e.g. http://127.0.0.1:3000. */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get listeningPort(): number {
    return this.port;
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const stream of this.streams) stream.end();
    this.streams.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Keep-alive sockets (fetch, the SDK, the browser) would otherwise hold close() open.
      this.server.closeAllConnections();
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.checkHost(req);
    const url = new URL(req.url ?? '/', this.origin);
    const path = url.pathname;
    const method = req.method ?? 'GET';

    if (method === 'GET' && STATIC[path]) return this.serveStatic(res, STATIC[path]);
    if (method === 'POST' && path === '/slack/events') return this.serveBot(req, res);
    if (method === 'POST' && path.startsWith('/api/')) return this.serveWebApi(req, res, path.slice(5));
    if (method === 'POST' && path.startsWith('/local/response/')) {
      return this.serveResponseUrl(req, res, path.slice('/local/response/'.length));
    }
    if (path.startsWith('/local/')) {
      if (method === 'POST') this.checkPageOrigin(req);
      await this.options.ready;
      return this.servePage(req, res, method, path.slice('/local/'.length), url);
    }
    throw new HttpError(404, 'not found');
  }

  private async servePage(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    route: string,
    url: URL,
  ): Promise<void> {
    switch (`${method} ${route}`) {
      case 'GET state':
        return json(res, 200, this.snapshot(url.searchParams.get('user') ?? ''));
      case 'GET events':
        return this.openStream(req, res);
      case 'GET sandbox':
        return this.serveSandbox(req, res, url);
      case 'GET requests':
        return this.serveRequests(req, res, url);
      case 'POST command':
        return this.postCommand(req, res);
      case 'POST action':
        return this.postAction(req, res);
      case 'POST people':
        return this.addPerson(req, res);
      case 'POST view':
        return this.postView(req, res);
      case 'POST view-action':
        return this.postViewAction(req, res);
      case 'POST shortcut':
        return this.postShortcut(req, res);
      case 'POST home-opened':
        return this.postHomeOpened(req, res);
      default:
        throw new HttpError(404, 'not found');
    }
  }

  /** The local workspace, or a 409 saying where to do this in Socket Mode. */
  private requireWorkspace(whereInstead: string): NonNullable<LocalServerOptions['workspace']> {
    const workspace = this.options.workspace;
    if (!workspace) throw new HttpError(409, `Socket Mode: ${whereInstead} in your Slack workspace`);
    return workspace;
  }

  private serveSandbox(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const sandbox = this.options.debug.sandbox?.();
    if (sandbox === undefined)
      throw new HttpError(404, 'local mode runs against real AWS (--aws): no sandbox');
    if (wantsHtml(req.headers.accept, url.searchParams.get('format'))) {
      html(res, sandboxPage(sandbox as Record<string, unknown>, new Date()));
    } else {
      json(res, 200, sandbox);
    }
  }

  private async serveRequests(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    // The task token never leaves the server, not even on the local debug page.
    const requests = ((await this.options.debug.requests()) as Array<Record<string, unknown>>).map(
      ({ taskToken, ...request }) =>
        taskToken === undefined ? request : { ...request, taskToken: '(kept server side)' },
    );
    if (wantsHtml(req.headers.accept, url.searchParams.get('format')))
      return html(res, requestsPage(requests, new Date()));
    return json(res, 200, requests);
  }

  private async postCommand(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const workspace = this.requireWorkspace('type commands');
    const input = (await readJson(req)) as Record<string, unknown>;
    const result = await workspace.client.compose({
      userId: String(input.userId ?? ''),
      channelId: String(input.channelId ?? ''),
      text: String(input.text ?? ''),
      ...(typeof input.threadTs === 'string' ? { threadTs: input.threadTs } : {}),
    });
    return answer(res, result);
  }

  private async postAction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const workspace = this.requireWorkspace('click');
    const input = (await readJson(req)) as Record<string, unknown>;
    const result = await workspace.client.click({
      userId: String(input.userId ?? ''),
      channelId: String(input.channelId ?? ''),
      messageTs: String(input.messageTs ?? ''),
      actionId: String(input.actionId ?? ''),
      ...(typeof input.blockId === 'string' ? { blockId: input.blockId } : {}),
      confirmed: input.confirmed === true,
    });
    return answer(res, result);
  }

  private async postView(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const workspace = this.requireWorkspace('use');
    const input = (await readJson(req)) as Record<string, unknown>;
    const who = { userId: String(input.userId ?? ''), viewId: String(input.viewId ?? '') };
    const values = typedValues(input.values);
    if (input.cancel === true) {
      await workspace.client.closeModal({ ...who, values });
      return json(res, 200, { kind: 'closed' });
    }
    return answer(res, await workspace.client.submitModal({ ...who, values }));
  }

  private async postViewAction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const workspace = this.requireWorkspace('click');
    const input = (await readJson(req)) as Record<string, unknown>;
    const result = await workspace.client.clickView({
      userId: String(input.userId ?? ''),
      viewId: String(input.viewId ?? ''),
      actionId: String(input.actionId ?? ''),
      ...(typeof input.blockId === 'string' ? { blockId: input.blockId } : {}),
      confirmed: input.confirmed === true,
      values: typedValues(input.values),
    });
    return answer(res, result);
  }

  private async postShortcut(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const workspace = this.requireWorkspace('use');
    const input = (await readJson(req)) as Record<string, unknown>;
    const result = await workspace.client.shortcut({
      userId: String(input.userId ?? ''),
      callbackId: String(input.callbackId ?? ''),
    });
    return answer(res, result);
  }

  private async postHomeOpened(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const workspace = this.requireWorkspace('open the Home tab in');
    const input = (await readJson(req)) as Record<string, unknown>;
    return answer(res, await workspace.client.homeOpened({ userId: String(input.userId ?? '') }));
  }

  /** Adds a person to the workspace (or edits their profile) while local mode runs. */
  private async addPerson(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const workspace = this.requireWorkspace('add people');
    const input = (await readJson(req)) as Record<string, unknown>;
    try {
      const user = workspace.state.putUser({
        id: String(input.id ?? ''),
        name: String(input.name ?? ''),
        realName: String(input.realName ?? input.name ?? ''),
        ...(typeof input.email === 'string' ? { email: input.email } : {}),
        ...(typeof input.title === 'string' ? { title: input.title } : {}),
      });
      return json(res, 200, { kind: 'added', user });
    } catch (error) {
      if (error instanceof WorkspaceChangeRefused) throw new HttpError(400, error.userMessage);
      throw error;
    }
  }

  /** What one person sees: every channel message and thread, plus the ephemerals meant for them. */
  private snapshot(userId: string): Record<string, unknown> {
    const workspace = this.options.workspace;
    const base = { mode: this.options.mode };
    if (!workspace) return base;
    const { state } = workspace;
    const { fixture } = state;
    return {
      ...base,
      viewer: userId,
      revision: state.revision,
      team: fixture.team,
      app: {
        name: fixture.app.name,
        botUserId: fixture.app.botUserId,
        shortcuts: fixture.app.shortcuts,
      },
      users: fixture.users.map(({ id, name, realName, title, approver }) => ({
        id,
        name,
        realName,
        title,
        approver,
      })),
      channels: fixture.channels,
      // The viewer's DM with the app; other people's DMs are theirs alone.
      im: state.imOf(userId) ?? null,
      messages: state.messages.filter((message) => {
        const im = state.im(message.channel);
        return im === undefined || im.user === userId;
      }),
      ephemerals: state.ephemerals.filter((ephemeral) => ephemeral.user === userId),
      home: state.homeOf(userId) ?? null,
      modal: state.modalOf(userId) ?? null,
      modalDepth: state.modalDepth(userId),
    };
  }

  private openStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      connection: 'keep-alive',
    });
    res.write(`event: revision\ndata: ${this.options.workspace?.state.revision ?? 0}\n\n`);
    this.streams.add(res);
    req.on('close', () => this.streams.delete(res));
  }

  private broadcast(): void {
    const revision = this.options.workspace?.state.revision ?? 0;
    for (const stream of this.streams) stream.write(`event: revision\ndata: ${revision}\n\n`);
  }

  private async serveBot(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    await this.options.ready;
    const handler = this.options.bot?.();
    if (!handler) throw new HttpError(503, 'the bot is not running over HTTP (Socket Mode)');
    await serveLambda(handler, req, res, body);
  }

  private async serveWebApi(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    const workspace = this.options.workspace;
    if (!workspace) throw new HttpError(404, 'no local workspace in Socket Mode');
    const args = parseWebApiArgs(await readBody(req), req.headers['content-type']);
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const token = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
    const answer = workspace.webApi.call(method, args, token);
    if (answer.body.ok !== true) this.options.log?.(`Slack API ${method} -> ${String(answer.body.error)}`);
    json(res, answer.status, answer.body, answer.headers);
  }

  private async serveResponseUrl(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const workspace = this.options.workspace;
    if (!workspace) throw new HttpError(404, 'not found');
    const body = (await readJson(req)) as Record<string, unknown>;
    const outcome = workspace.client.respond(id, body);
    if (outcome === 'unknown') return json(res, 404, { ok: false, error: 'expired_url' });
    if (outcome === 'used_up') return json(res, 404, { ok: false, error: 'used_url' });
    json(res, 200, { ok: true });
  }

  private async serveStatic(res: ServerResponse, file: string): Promise<void> {
    const body = await readFile(join(this.options.webRoot, file));
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': body.length,
    });
    res.end(body);
  }

  private checkHost(req: IncomingMessage): void {
    const host = (req.headers.host ?? '').toLowerCase();
    const allowed = [`127.0.0.1:${this.port}`, `localhost:${this.port}`, `[::1]:${this.port}`];
    if (!allowed.includes(host)) throw new HttpError(421, `this server answers to ${allowed[1]} only`);
  }

  // Browsers send Origin on cross-site POSTs; the page's own requests come from the same origin.
  private checkPageOrigin(req: IncomingMessage): void {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`) {
      throw new HttpError(403, 'cross-origin request refused');
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      throw new HttpError(415, 'send application/json');
    }
  }

  private fail(res: ServerResponse, error: unknown): void {
    const status = error instanceof HttpError ? error.status : 500;
    if (status === 500)
      this.options.log?.(`local server error: ${error instanceof Error ? error.stack : String(error)}`);
    if (res.headersSent) {
      res.end();
      return;
    }
    json(res, status, { ok: false, error: error instanceof Error ? error.message : String(error) });
  }
}

function html(res: ServerResponse, text: string): void {
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** What the page sends for a view's inputs: block id -> action id -> text, chosen value(s) or null. */
function typedValues(raw: unknown): TypedValues {
  const out: TypedValues = {};
  if (typeof raw !== 'object' || raw === null) return out;
  for (const [blockId, actions] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof actions !== 'object' || actions === null) continue;
    for (const [actionId, value] of Object.entries(actions as Record<string, unknown>)) {
      out[blockId] = { ...out[blockId], [actionId]: typedValue(value) };
    }
  }
  return out;
}

/** One input's value as the page sent it: text, chosen value(s) or null. */
function typedValue(value: unknown): string | string[] | null {
  if (typeof value === 'string' || value === null) return value;
  if (Array.isArray(value)) return value.map(String);
  return String(value);
}

/** A workspace action's result: 400 when the local Slack rejected it, else 200. */
function answer(res: ServerResponse, result: { kind: string }): void {
  json(res, result.kind === 'rejected' ? 400 : 200, result);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  try {
    return text === '' ? {} : JSON.parse(text);
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
}
