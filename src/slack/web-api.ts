import type { WebClient } from '@slack/web-api';
import type { SlackMessage, SlackPort } from '../domain/ports';
import { neutralizeBroadcasts } from './blocks/text';

// The bot never broadcasts: user text (a reason) may carry <!channel>; every message passes here.
const safeText = (text: string): string => neutralizeBroadcasts(text);
const safeBlocks = (blocks: unknown[]): never =>
  JSON.parse(neutralizeBroadcasts(JSON.stringify(blocks))) as never;

/** SlackPort on a @slack/web-api WebClient (Bolt's own client in the slack function). */
export class SlackWebApi implements SlackPort {
  constructor(private readonly client: WebClient) {}

  async post(message: SlackMessage): Promise<{ channel: string; ts: string }> {
    const out = await this.client.chat.postMessage({
      channel: message.channel,
      text: safeText(message.text),
      ...(message.blocks ? { blocks: safeBlocks(message.blocks) } : {}),
      ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
      unfurl_links: false,
      unfurl_media: false,
    });
    if (!out.ts || !out.channel) throw new Error('chat.postMessage returned no ts');
    return { channel: out.channel, ts: out.ts };
  }

  async update(message: SlackMessage & { ts: string }): Promise<void> {
    await this.client.chat.update({
      channel: message.channel,
      ts: message.ts,
      text: safeText(message.text),
      ...(message.blocks ? { blocks: safeBlocks(message.blocks) } : {}),
    });
  }

  async postEphemeral(message: {
    channel: string;
    user: string;
    text: string;
    threadTs?: string;
  }): Promise<void> {
    await this.client.chat.postEphemeral({
      channel: message.channel,
      user: message.user,
      text: message.text,
      ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
    });
  }

  async openModal(triggerId: string, view: Record<string, unknown>): Promise<void> {
    await this.client.views.open({ trigger_id: triggerId, view: view as never });
  }

  async usergroupMembers(usergroupId: string): Promise<string[]> {
    const out = await this.client.usergroups.users.list({ usergroup: usergroupId });
    return out.users ?? [];
  }

  async lookupUser(userId: string): Promise<{ email?: string; name: string; deleted: boolean } | undefined> {
    try {
      const out = await this.client.users.info({ user: userId });
      const user = out.user;
      if (!user) return undefined;
      return {
        ...(user.profile?.email ? { email: user.profile.email } : {}),
        name: user.name ?? userId,
        deleted: user.deleted === true,
      };
    } catch (error) {
      if ((error as { data?: { error?: string } }).data?.error === 'user_not_found') return undefined;
      throw error;
    }
  }
}
