import type { AnyBlock, HomeView, ModalView } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { SlackApiError, TransientError } from '../domain/errors';
import type { SlackMessage, SlackPort } from '../domain/ports';
import { neutralizeBroadcasts } from './blocks/text';
import { classifySlackError } from './classify-error';

// The bot never broadcasts: user text (a reason) may carry <!channel>; every message passes here.
const safeText = (text: string): string => neutralizeBroadcasts(text);
// The port carries blocks as unknown[] (the domain imports no Slack types); src/slack/blocks built them as
// KnownBlock[], and the round trip through JSON changes only the text inside them.
const safeBlocks = (blocks: readonly unknown[]): AnyBlock[] =>
  JSON.parse(neutralizeBroadcasts(JSON.stringify(blocks))) as AnyBlock[];

export interface SlackWebApiOptions {
  /**
   * A rate-limited call whose Retry-After is at most this many seconds is retried once, after
   * waiting that long; a longer one throws TransientError at once (with the hint) for ASL to retry.
   * Default 0: the slack function answers within Slack's 3 s and never waits.
   */
  maxRateLimitWaitSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * SlackPort on a @slack/web-api WebClient (Bolt's own client in the slack function). Every Web API
 * error is classified here, once (classifySlackError): nothing above sees a WebClient error.
 */
export class SlackWebApi implements SlackPort {
  private readonly maxWaitSeconds: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: WebClient,
    options: SlackWebApiOptions = {},
  ) {
    this.maxWaitSeconds = options.maxRateLimitWaitSeconds ?? 0;
    this.sleep = options.sleep ?? realSleep;
  }

  /** Runs one Web API call; `what` names it in the error ("post a message to C0AUDIT"). */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const classified = classifySlackError(error, what);
      const wait = classified instanceof TransientError ? classified.retryAfterSeconds : undefined;
      if (wait === undefined || wait > this.maxWaitSeconds) throw classified;
      await this.sleep(wait * 1000);
      try {
        return await fn();
      } catch (again) {
        throw classifySlackError(again, what);
      }
    }
  }

  async post(message: SlackMessage): Promise<{ channel: string; ts: string }> {
    const out = await this.call(`post a message to ${message.channel}`, () =>
      this.client.chat.postMessage({
        channel: message.channel,
        // The bot's own <!here> goes in after the text is stripped of any a user wrote.
        text: `${message.here ? '<!here> ' : ''}${safeText(message.text)}`,
        ...(message.blocks ? { blocks: safeBlocks(message.blocks) } : {}),
        ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    if (!out.ts || !out.channel)
      throw new SlackApiError('Slack accepted a message but returned no timestamp.');
    return { channel: out.channel, ts: out.ts };
  }

  async update(message: SlackMessage & { ts: string }): Promise<void> {
    await this.call(`update message ${message.ts} in ${message.channel}`, () =>
      this.client.chat.update({
        channel: message.channel,
        ts: message.ts,
        text: safeText(message.text),
        ...(message.blocks ? { blocks: safeBlocks(message.blocks) } : {}),
      }),
    );
  }

  async postEphemeral(message: {
    channel: string;
    user: string;
    text: string;
    threadTs?: string;
    blocks?: unknown[];
  }): Promise<void> {
    await this.call(`answer ${message.user} in ${message.channel}`, () =>
      this.client.chat.postEphemeral({
        channel: message.channel,
        user: message.user,
        text: safeText(message.text),
        ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
        ...(message.blocks ? { blocks: safeBlocks(message.blocks) } : {}),
      }),
    );
  }

  async postDirect(userId: string, text: string, blocks?: unknown[]): Promise<void> {
    const opened = await this.call(`open a direct message with ${userId}`, () =>
      this.client.conversations.open({ users: userId }),
    );
    const channel = opened.channel?.id;
    if (!channel) throw new SlackApiError(`Slack opened no direct message channel with ${userId}.`);
    await this.post({ channel, text, ...(blocks ? { blocks } : {}) });
  }

  async openModal(triggerId: string, view: ModalView): Promise<void> {
    await this.call('open the dialog', () => this.client.views.open({ trigger_id: triggerId, view }));
  }

  async updateModal(viewId: string, view: ModalView, hash?: string): Promise<void> {
    await this.call('update the dialog', () =>
      this.client.views.update({ view_id: viewId, view, ...(hash ? { hash } : {}) }),
    );
  }

  async permalink(channel: string, ts: string): Promise<string> {
    const out = await this.call(`link to message ${ts} in ${channel}`, () =>
      this.client.chat.getPermalink({ channel, message_ts: ts }),
    );
    if (!out.permalink) throw new SlackApiError(`Slack gave no link to message ${ts}.`);
    return out.permalink;
  }

  async publishHome(userId: string, view: HomeView): Promise<void> {
    // The tab shows user text (reasons) too, so it goes through the same broadcast filter.
    const safe = JSON.parse(neutralizeBroadcasts(JSON.stringify(view))) as HomeView;
    await this.call(`publish the Home tab of ${userId}`, () =>
      this.client.views.publish({ user_id: userId, view: safe }),
    );
  }

  async usergroupMembers(usergroupId: string): Promise<string[]> {
    const out = await this.call(`list the members of user group ${usergroupId}`, () =>
      this.client.usergroups.users.list({ usergroup: usergroupId }),
    );
    return out.users ?? [];
  }

  async lookupUser(userId: string): Promise<{ email?: string; name: string; deleted: boolean } | undefined> {
    try {
      const out = await this.call(`look up user ${userId}`, () => this.client.users.info({ user: userId }));
      const user = out.user;
      if (!user) return undefined;
      return {
        ...(user.profile?.email ? { email: user.profile.email } : {}),
        name: user.name ?? userId,
        deleted: user.deleted === true,
      };
    } catch (error) {
      if (slackErrorCode(error) === 'user_not_found') return undefined;
      throw error;
    }
  }
}

/** Slack's short error code (user_not_found) of a classified Web API error, if Slack gave one. */
export const slackErrorCode = (error: unknown): string | undefined =>
  (error as { cause?: { data?: { error?: string } } } | undefined)?.cause?.data?.error;
