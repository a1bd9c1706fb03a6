import type { OpenModal, WorkspaceMessage, WorkspaceState } from './state';
import { viewOutput } from './views';

/**
 * The Slack Web API methods the bot calls, answered from the local workspace. Request and response
 * shapes follow api.slack.com/methods/<method>; errors come back as `{ ok: false, error }` with HTTP 200,
 * as Slack sends them, so @slack/web-api raises its usual platform errors.
 */

export interface WebApiResponse {
  status: number;
  body: Record<string, unknown>;
  /** Extra response headers, e.g. `retry-after` on a 429. */
  headers?: Record<string, string>;
}

/** One Web API call as the workspace received it. */
export interface WebApiCall {
  method: string;
  args: Record<string, unknown>;
  token: string | undefined;
}

/**
 * Sees every call before the workspace answers it. An answer it returns is sent instead of the
 * workspace's (and the workspace does nothing): the one hook for injecting Slack's faults (429, 5xx,
 * channel_not_found, invalid_auth, …) in tests. `undefined` lets the workspace answer as usual.
 */
export type WebApiInterceptor = (call: WebApiCall) => WebApiResponse | undefined;

type Args = Record<string, unknown>;

// Fields Slack takes as JSON; WebClient form-encodes them as JSON strings.
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata']);

const ok = (body: Record<string, unknown> = {}): WebApiResponse => ({
  status: 200,
  body: { ok: true, ...body },
});
const fail = (error: string): WebApiResponse => ({ status: 200, body: { ok: false, error } });
const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const blocksOf = (value: unknown): unknown[] | undefined => (Array.isArray(value) ? value : undefined);
const viewArg = (args: Args): Record<string, unknown> | undefined =>
  typeof args.view === 'object' && args.view !== null && !Array.isArray(args.view)
    ? (args.view as Record<string, unknown>)
    : undefined;

/** Parses a Web API request body (form or JSON); JSON-valued form fields are decoded. */
export function parseWebApiArgs(raw: string, contentType: string | undefined): Args {
  if (raw === '') return {};
  if ((contentType ?? '').toLowerCase().startsWith('application/json')) {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Args) : {};
  }
  const args: Args = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    if (!JSON_FIELDS.has(key)) {
      args[key] = value;
      continue;
    }
    try {
      args[key] = JSON.parse(value);
    } catch {
      args[key] = value;
    }
  }
  return args;
}

export class LocalSlackWebApi {
  private interceptor: WebApiInterceptor | undefined;

  constructor(
    private readonly state: WorkspaceState,
    private readonly botToken: string,
  ) {}

  /** Installs (or, with undefined, removes) the interceptor; local mode never installs one. */
  intercept(interceptor: WebApiInterceptor | undefined): void {
    this.interceptor = interceptor;
  }

  /** Answers one call; `token` is the bearer token (or the `token` argument). */
  call(method: string, args: Args, token: string | undefined): WebApiResponse {
    return this.interceptor?.({ method, args, token }) ?? this.answer(method, args, token);
  }

  private answer(method: string, args: Args, token: string | undefined): WebApiResponse {
    if (token === undefined) return fail('not_authed');
    if (token !== this.botToken) return fail('invalid_auth');
    switch (method) {
      case 'auth.test':
        return this.authTest();
      case 'chat.postMessage':
        return this.postMessage(args);
      case 'chat.update':
        return this.update(args);
      case 'chat.postEphemeral':
        return this.postEphemeral(args);
      case 'users.info':
        return this.userInfo(args);
      case 'usergroups.users.list':
        return this.usergroupUsers(args);
      case 'views.open':
        return this.openView(args);
      case 'views.push':
        return this.pushView(args);
      case 'views.update':
        return this.updateView(args);
      case 'views.publish':
        return this.publishView(args);
      case 'conversations.open':
        return this.openConversation(args);
      case 'chat.getPermalink':
        return this.permalink(args);
      default:
        return fail('unknown_method');
    }
  }

  private get app() {
    return this.state.fixture.app;
  }

  private authTest(): WebApiResponse {
    const { team, app } = this.state.fixture;
    return ok({
      url: `https://${team.domain}.slack.com/`,
      team: team.name,
      user: app.name,
      team_id: team.id,
      user_id: app.botUserId,
      bot_id: app.botId,
      is_enterprise_install: false,
    });
  }

  private postMessage(args: Args): WebApiResponse {
    const channel = this.state.conversation(str(args.channel) ?? '');
    if (!channel) return fail('channel_not_found');
    const text = str(args.text);
    const blocks = blocksOf(args.blocks);
    if (text === undefined && (blocks === undefined || blocks.length === 0)) return fail('no_text');
    const threadTs = str(args.thread_ts);
    if (threadTs !== undefined) {
      const parent = this.state.message(channel.id, threadTs);
      if (!parent) return fail('thread_not_found');
    }
    const message = this.state.post({
      channel: channel.id,
      user: this.app.botUserId,
      botId: this.app.botId,
      text: text ?? '',
      ...(blocks ? { blocks } : {}),
      // Replies to a reply join the parent's thread, as in Slack.
      ...(threadTs ? { threadTs: this.state.message(channel.id, threadTs)?.threadTs ?? threadTs } : {}),
    });
    return ok({ channel: channel.id, ts: message.ts, message: this.asSlackMessage(message) });
  }

  private update(args: Args): WebApiResponse {
    const channel = this.state.conversation(str(args.channel) ?? '');
    if (!channel) return fail('channel_not_found');
    const ts = str(args.ts) ?? '';
    const existing = this.state.message(channel.id, ts);
    if (!existing) return fail('message_not_found');
    // A bot token can only edit the bot's own messages.
    if (existing.user !== this.app.botUserId) return fail('cant_update_message');
    const text = str(args.text);
    const blocks = blocksOf(args.blocks);
    const updated = this.state.update(channel.id, ts, {
      ...(text !== undefined ? { text } : {}),
      ...(blocks !== undefined ? { blocks } : {}),
    });
    if (!updated) return fail('message_not_found');
    return ok({ channel: channel.id, ts, text: updated.text, message: this.asSlackMessage(updated) });
  }

  private postEphemeral(args: Args): WebApiResponse {
    const channel = this.state.conversation(str(args.channel) ?? '');
    if (!channel) return fail('channel_not_found');
    const user = this.state.user(str(args.user) ?? '');
    if (!user) return fail('user_not_found');
    const text = str(args.text);
    const blocks = blocksOf(args.blocks);
    if (text === undefined && blocks === undefined) return fail('no_text');
    const threadTs = str(args.thread_ts);
    const ephemeral = this.state.postEphemeral({
      channel: channel.id,
      user: user.id,
      from: 'bot',
      text: text ?? '',
      ...(blocks ? { blocks } : {}),
      ...(threadTs ? { threadTs } : {}),
    });
    return ok({ message_ts: ephemeral.ts });
  }

  private userInfo(args: Args): WebApiResponse {
    const id = str(args.user) ?? '';
    const { team, app } = this.state.fixture;
    if (id === app.botUserId) {
      return ok({
        user: {
          id,
          team_id: team.id,
          name: app.name,
          deleted: false,
          is_bot: true,
          profile: { bot_id: app.botId },
        },
      });
    }
    const user = this.state.user(id);
    if (!user) return fail('user_not_found');
    return ok({
      user: {
        id: user.id,
        team_id: team.id,
        name: user.name,
        real_name: user.realName,
        deleted: false,
        is_bot: false,
        is_app_user: false,
        profile: {
          real_name: user.realName,
          display_name: user.name,
          title: user.title,
          // Present because the app has users:read.email.
          ...(user.email ? { email: user.email } : {}),
        },
      },
    });
  }

  private usergroupUsers(args: Args): WebApiResponse {
    const id = str(args.usergroup) ?? '';
    const group = this.state.fixture.usergroups.find((candidate) => candidate.id === id);
    return group ? ok({ users: [...group.users] }) : fail('no_such_subteam');
  }

  private openView(args: Args): WebApiResponse {
    const view = viewArg(args);
    if (view?.type !== 'modal') return fail('invalid_arguments');
    const trigger = this.state.takeTrigger(str(args.trigger_id) ?? '');
    if (trigger === undefined) return fail('invalid_trigger_id');
    if (trigger === 'expired') return fail('expired_trigger_id');
    return ok({ view: this.modalOutput(this.state.openModal(trigger.user, view)) });
  }

  /** views.push: on top of the modal the trigger's person has open (from a click inside it). */
  private pushView(args: Args): WebApiResponse {
    const view = viewArg(args);
    if (view?.type !== 'modal') return fail('invalid_arguments');
    const trigger = this.state.takeTrigger(str(args.trigger_id) ?? '');
    if (trigger === undefined) return fail('invalid_trigger_id');
    if (trigger === 'expired') return fail('expired_trigger_id');
    const pushed = this.state.pushModal(trigger.user, view);
    // No modal open: Slack has no stack to push onto.
    if (pushed === 'no_modal') return fail('not_found');
    if (pushed === 'push_limit_reached') return fail('push_limit_reached');
    return ok({ view: this.modalOutput(pushed) });
  }

  /** views.update: a view of an open modal, by view_id or external_id, optionally guarded by hash. */
  private updateView(args: Args): WebApiResponse {
    const view = viewArg(args);
    if (view?.type !== 'modal') return fail('invalid_arguments');
    const viewId = str(args.view_id);
    const externalId = str(args.external_id);
    if (viewId === undefined && externalId === undefined) return fail('invalid_arguments');
    const updated = this.state.updateModal(
      viewId !== undefined ? { viewId } : { externalId: externalId as string },
      view,
      str(args.hash),
    );
    if (updated === 'not_found') return fail('not_found');
    if (updated === 'hash_conflict') return fail('hash_conflict');
    return ok({ view: this.modalOutput(updated) });
  }

  /** views.publish: the person's App Home tab. */
  private publishView(args: Args): WebApiResponse {
    const view = viewArg(args);
    if (view?.type !== 'home') return fail('invalid_arguments');
    const user = this.state.user(str(args.user_id) ?? '');
    if (!user) return fail('user_not_found');
    const home = this.state.publishHome(user.id, view, str(args.hash));
    if (home === 'hash_conflict') return fail('hash_conflict');
    return ok({ view: viewOutput(home, this.state.fixture) });
  }

  /** conversations.open with one person: the app's DM with them (the same id every time). */
  /** chat.getPermalink: a link the page understands (it opens the channel at that message). */
  private permalink(args: Args): WebApiResponse {
    const channel = this.state.conversation(str(args.channel) ?? '');
    if (!channel) return fail('channel_not_found');
    const ts = str(args.message_ts) ?? '';
    if (!this.state.message(channel.id, ts)) return fail('message_not_found');
    return ok({ channel: channel.id, permalink: `/#${channel.id}/${ts}` });
  }

  private openConversation(args: Args): WebApiResponse {
    const channel = str(args.channel);
    const users = (str(args.users) ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
    if (channel !== undefined) {
      const im = this.state.im(channel);
      return im ? ok({ channel: { id: im.id } }) : fail('channel_not_found');
    }
    if (users.length === 0) return fail('users_list_not_supplied');
    // Group DMs are out of scope for the bot; say so rather than pretend.
    if (users.length > 1) return fail('not_supported_in_local_workspace');
    const [userId] = users as [string];
    if (userId === this.app.botUserId) return fail('cannot_dm_bot');
    const im = this.state.imOf(userId);
    if (!im) return fail('user_not_found');
    const full = args.return_im === true || args.return_im === 'true';
    return ok({
      channel: full
        ? { id: im.id, created: 0, is_im: true, is_org_shared: false, user: im.user, is_user_deleted: false }
        : { id: im.id },
    });
  }

  private modalOutput(modal: OpenModal): Record<string, unknown> {
    return viewOutput(
      {
        id: modal.id,
        view: modal.view,
        hash: modal.hash,
        rootViewId: modal.rootViewId,
        ...(modal.previousViewId ? { previousViewId: modal.previousViewId } : {}),
      },
      this.state.fixture,
    );
  }

  private asSlackMessage(message: WorkspaceMessage): Record<string, unknown> {
    return {
      type: 'message',
      user: message.user,
      ...(message.botId ? { bot_id: message.botId, app_id: this.app.id } : {}),
      team: this.state.fixture.team.id,
      ts: message.ts,
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks } : {}),
      ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
    };
  }
}
