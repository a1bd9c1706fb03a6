import { randomBytes } from 'node:crypto';
import { type Clock, systemClock } from '../../domain/ports';
import { SLASH_COMMAND } from '../../slack/ids';
import { escapeLikeSlack } from './escape';
import type { WorkspaceUser } from './fixture';
import {
  blockActionPayload,
  interactionBody,
  type PlainTextInputValues,
  signedHeaders,
  slashCommandBody,
  slashCommandPayload,
  viewSubmissionPayload,
} from './slack-payloads';
import type { WorkspaceState } from './state';

/**
 * The part of Slack that talks to an app: it turns what a person does on the page (type a slash
 * command, click a button) into the request Slack would send to the app's Request URL, form-encoded
 * and signed with the signing secret, and shows the app's answer the way Slack does.
 */

/** Slack waits this long for an app to acknowledge a command or a click. */
export const SLACK_ACK_TIMEOUT_MS = 3000;

export interface Delivery {
  status: number;
  body: string;
  contentType: string;
  ms: number;
}

export interface ButtonRef {
  actionId: string;
  blockId: string;
  value?: string;
  text: string;
  style?: string;
  /** The button's Block Kit confirmation dialog: Slack sends its click only once that is confirmed. */
  confirm?: unknown;
}

export interface SlackClientOptions {
  state: WorkspaceState;
  /** The app's Request URL, e.g. http://127.0.0.1:3000/slack/events. */
  appUrl: () => string;
  signingSecret: string;
  /** Base of the response_url links given to the app. */
  responseUrlBase: () => string;
  clock?: Clock;
  /** One line per command or click delivered, for the terminal. */
  onDelivery?: (line: string) => void;
}

export type ComposeResult =
  | { kind: 'message'; ts: string }
  | { kind: 'command'; status: number; ms: number }
  | { kind: 'rejected'; reason: string };

export interface ResponseTarget {
  channel: string;
  user: string;
  uses: number;
  expires: number;
  command?: string;
}

// A response_url allows 5 uses in 30 minutes.
const RESPONSE_URL_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Every button in a message's blocks (actions elements and section accessories). */
export function buttonsIn(blocks: unknown[] | undefined): ButtonRef[] {
  const buttons: ButtonRef[] = [];
  for (const [index, raw] of (blocks ?? []).entries()) {
    const block = raw as { type?: string; block_id?: string; elements?: unknown[]; accessory?: unknown };
    const blockId = block.block_id ?? `block-${index}`;
    const candidates = block.type === 'actions' ? (block.elements ?? []) : [block.accessory];
    for (const element of candidates) {
      const button = element as
        | {
            type?: string;
            action_id?: string;
            value?: string;
            style?: string;
            text?: { text?: string };
            confirm?: unknown;
          }
        | undefined;
      if (button?.type !== 'button' || !button.action_id) continue;
      buttons.push({
        actionId: button.action_id,
        blockId,
        text: button.text?.text ?? button.action_id,
        ...(button.value !== undefined ? { value: button.value } : {}),
        ...(button.style !== undefined ? { style: button.style } : {}),
        ...(button.confirm !== undefined ? { confirm: button.confirm } : {}),
      });
    }
  }
  return buttons;
}

export class LocalSlackClient {
  private readonly responseTargets = new Map<string, ResponseTarget>();
  private readonly clock: Clock;

  constructor(private readonly options: SlackClientOptions) {
    this.clock = options.clock ?? systemClock;
  }

  private get state(): WorkspaceState {
    return this.options.state;
  }

  /** What the composer does with a line: a slash command goes to the app, anything else is a message. */
  async compose(input: {
    userId: string;
    channelId: string;
    text: string;
    threadTs?: string;
  }): Promise<ComposeResult> {
    const user = this.state.user(input.userId);
    const channel = this.state.channel(input.channelId);
    if (!user) return { kind: 'rejected', reason: 'unknown user' };
    if (!channel) return { kind: 'rejected', reason: 'unknown channel' };
    const text = input.text.trim();
    if (text === '') return { kind: 'rejected', reason: 'empty message' };
    if (!text.startsWith('/')) {
      const message = this.state.post({
        channel: channel.id,
        user: user.id,
        text: escapeLikeSlack(text, this.state.fixture),
        ...(input.threadTs && this.state.message(channel.id, input.threadTs)
          ? { threadTs: input.threadTs }
          : {}),
      });
      return { kind: 'message', ts: message.ts };
    }
    const command = text.split(/\s/, 1)[0] ?? '';
    if (command !== SLASH_COMMAND) {
      this.notice(
        channel.id,
        user.id,
        `\`${command}\` is not a valid command. This workspace has \`${SLASH_COMMAND}\`.`,
      );
      return { kind: 'rejected', reason: 'unknown command' };
    }
    return this.runCommand(user, channel.id, command, text.slice(command.length).trim());
  }

  /**
   * A click on a button of a message, as the given user. Only buttons the message has can be clicked,
   * and a button with a confirm dialog only with `confirmed` (Slack sends nothing until it is confirmed).
   */
  async click(input: {
    userId: string;
    channelId: string;
    messageTs: string;
    actionId: string;
    blockId?: string;
    confirmed?: boolean;
  }) {
    const user = this.state.user(input.userId);
    const message = this.state.message(input.channelId, input.messageTs);
    if (!user || !message) return { kind: 'rejected' as const, reason: 'unknown user or message' };
    const button = buttonsIn(message.blocks).find(
      (candidate) =>
        candidate.actionId === input.actionId &&
        (input.blockId === undefined || candidate.blockId === input.blockId),
    );
    if (!button) return { kind: 'rejected' as const, reason: 'that message has no such button (any more)' };
    if (button.confirm !== undefined && input.confirmed !== true) {
      return { kind: 'rejected' as const, reason: 'that button asks for confirmation first' };
    }
    const { team, app } = this.state.fixture;
    const channel = this.state.channel(message.channel);
    const now = this.clock.now().getTime();
    const payload = blockActionPayload({
      team,
      appId: app.id,
      channel: { id: message.channel, name: channel?.name ?? '' },
      user,
      message: {
        user: message.user,
        ...(message.botId ? { botId: message.botId } : {}),
        ts: message.ts,
        text: message.text,
        blocks: message.blocks ?? [],
        ...(message.threadTs ? { threadTs: message.threadTs } : {}),
      },
      button,
      actionTs: `${Math.floor(now / 1000)}.${String(now % 1000).padStart(3, '0')}000`,
      responseUrl: this.issueResponseUrl({ channel: message.channel, user: user.id }),
      triggerId: this.state.issueTrigger(user.id),
    });
    const delivery = await this.deliver(interactionBody(payload));
    this.options.onDelivery?.(
      `${user.name} clicked "${button.text}" on ${button.value ?? message.ts} -> HTTP ${delivery.status} in ${delivery.ms} ms`,
    );
    if (delivery.status !== 200) {
      this.notice(
        message.channel,
        user.id,
        `The app answered HTTP ${delivery.status} to your click on “${button.text}”.`,
      );
    } else if (delivery.ms > SLACK_ACK_TIMEOUT_MS) {
      this.notice(message.channel, user.id, lateNotice(delivery.ms));
    }
    return { kind: 'clicked' as const, status: delivery.status, ms: delivery.ms };
  }

  /**
   * Submits the modal open in front of a person: a signed view_submission with what they typed. The
   * app's answer closes the modal (empty ack, `clear`), shows errors under the inputs (`errors`) or
   * replaces the view (`update`), as Slack does.
   */
  async submitModal(input: {
    userId: string;
    viewId: string;
    values: Record<string, Record<string, string>>;
  }) {
    const user = this.state.user(input.userId);
    const modal = this.state.modalOf(input.userId);
    if (!user || !modal || modal.id !== input.viewId)
      return { kind: 'rejected' as const, reason: 'no such modal' };
    const { team, app } = this.state.fixture;
    const values: PlainTextInputValues = {};
    for (const [blockId, actions] of Object.entries(input.values)) {
      for (const [actionId, value] of Object.entries(actions)) {
        values[blockId] = {
          ...values[blockId],
          [actionId]: { type: 'plain_text_input', value: String(value) },
        };
      }
    }
    const view = modal.view;
    const payload = viewSubmissionPayload({
      team,
      appId: app.id,
      botId: app.botId,
      user,
      view: {
        id: modal.id,
        callbackId: typeof view.callback_id === 'string' ? view.callback_id : '',
        privateMetadata: typeof view.private_metadata === 'string' ? view.private_metadata : '',
        blocks: Array.isArray(view.blocks) ? view.blocks : [],
        title: view.title,
        close: view.close,
        submit: view.submit,
      },
      values,
      hash: `${Math.floor(this.clock.now().getTime() / 1000)}.local`,
      triggerId: this.state.issueTrigger(user.id),
    });
    const delivery = await this.deliver(interactionBody(payload));
    this.options.onDelivery?.(
      `${user.name} submitted the "${payload.view.callback_id}" modal -> HTTP ${delivery.status} in ${delivery.ms} ms`,
    );
    if (delivery.status !== 200) {
      this.state.showModalErrors(user.id, modal.id, {
        '': `The app answered HTTP ${delivery.status}; try again.`,
      });
      return { kind: 'submitted' as const, status: delivery.status, ms: delivery.ms };
    }
    const answer = delivery.body.trim() === '' ? {} : parseAck(delivery);
    if (answer.response_action === 'errors' && typeof answer.errors === 'object' && answer.errors !== null) {
      this.state.showModalErrors(user.id, modal.id, answer.errors as Record<string, string>);
    } else if (
      answer.response_action === 'update' &&
      typeof answer.view === 'object' &&
      answer.view !== null
    ) {
      this.state.closeModal(user.id, modal.id);
      this.state.openModal(user.id, answer.view as Record<string, unknown>);
    } else {
      this.state.closeModal(user.id, modal.id);
    }
    return { kind: 'submitted' as const, status: delivery.status, ms: delivery.ms };
  }

  /** Cancel: the modal goes away (the app asked for no view_closed event). */
  closeModal(input: { userId: string; viewId: string }): void {
    this.state.closeModal(input.userId, input.viewId);
  }

  /**
   * A POST to a response_url the app was given: ephemeral by default, in the channel with
   * response_type in_channel. Returns undefined when the link is unknown, used up or expired.
   */
  respond(id: string, body: Record<string, unknown>): 'ok' | 'used_up' | 'unknown' {
    const target = this.responseTargets.get(id);
    if (!target) return 'unknown';
    if (target.uses >= RESPONSE_URL_USES || this.clock.now().getTime() > target.expires) return 'used_up';
    target.uses += 1;
    this.show(target, body);
    return 'ok';
  }

  private async runCommand(user: WorkspaceUser, channelId: string, command: string, rawText: string) {
    const { team, app } = this.state.fixture;
    const channel = this.state.channel(channelId);
    const typed = `${command} ${rawText}`.trim();
    const form = slashCommandBody(
      slashCommandPayload({
        team,
        appId: app.id,
        channel: { id: channelId, name: channel?.name ?? '' },
        user,
        command,
        text: escapeLikeSlack(rawText, this.state.fixture),
        responseUrl: this.issueResponseUrl({ channel: channelId, user: user.id, command: typed }),
        triggerId: this.state.issueTrigger(user.id),
      }),
    );
    const delivery = await this.deliver(form);
    this.options.onDelivery?.(`${user.name} ran ${typed} -> HTTP ${delivery.status} in ${delivery.ms} ms`);
    const target = { channel: channelId, user: user.id, command: typed };
    if (delivery.status !== 200) {
      this.notice(
        channelId,
        user.id,
        `\`${command}\` failed with the error "dispatch_failed" (the app answered HTTP ${delivery.status}).`,
        typed,
      );
    } else if (delivery.body.trim() !== '') {
      this.show(target, parseAck(delivery));
      if (delivery.ms > SLACK_ACK_TIMEOUT_MS) this.notice(channelId, user.id, lateNotice(delivery.ms));
    }
    return { kind: 'command' as const, status: delivery.status, ms: delivery.ms };
  }

  /** Shows an app's message to a user (ephemeral) or to the channel (in_channel). */
  private show(
    target: { channel: string; user: string; command?: string },
    body: Record<string, unknown>,
  ): void {
    const text = str(body.text) ?? '';
    const blocks = Array.isArray(body.blocks) ? body.blocks : undefined;
    if (text === '' && !blocks) return;
    const { app } = this.state.fixture;
    if (body.response_type === 'in_channel') {
      this.state.post({
        channel: target.channel,
        user: app.botUserId,
        botId: app.botId,
        text,
        ...(blocks ? { blocks } : {}),
      });
      return;
    }
    this.state.postEphemeral({
      channel: target.channel,
      user: target.user,
      from: 'bot',
      text,
      ...(blocks ? { blocks } : {}),
      ...(target.command ? { command: target.command } : {}),
    });
  }

  /** A notice from the workspace itself (Slackbot), seen by one user. */
  private notice(channel: string, user: string, text: string, command?: string): void {
    this.state.postEphemeral({ channel, user, from: 'slackbot', text, ...(command ? { command } : {}) });
  }

  /**
   * A response_url for an interaction of `target.user` in `target.channel`: POSTs to it show the
   * app's message there (see respond), at most 5 times in 30 minutes.
   */
  issueResponseUrl(target: Omit<ResponseTarget, 'uses' | 'expires'>): string {
    const id = randomBytes(12).toString('hex');
    this.responseTargets.set(id, {
      ...target,
      uses: 0,
      expires: this.clock.now().getTime() + RESPONSE_URL_TTL_MS,
    });
    return `${this.options.responseUrlBase()}${id}`;
  }

  private async deliver(body: string): Promise<Delivery> {
    const timestamp = String(Math.floor(this.clock.now().getTime() / 1000));
    const started = Date.now();
    const response = await fetch(this.options.appUrl(), {
      method: 'POST',
      headers: signedHeaders(this.options.signingSecret, timestamp, body),
      body,
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text,
      contentType: response.headers.get('content-type') ?? '',
      ms: Date.now() - started,
    };
  }
}

/** An ack body: JSON (text, blocks, response_type) or plain text, which Slack shows as is. */
function parseAck(delivery: Delivery): Record<string, unknown> {
  if (delivery.contentType.includes('json')) {
    try {
      const parsed: unknown = JSON.parse(delivery.body);
      if (typeof parsed === 'object' && parsed !== null) return parsed as Record<string, unknown>;
    } catch {
      // Fall through: shown as text, as Slack would.
    }
  }
  return { text: delivery.body };
}

const lateNotice = (ms: number): string =>
  `The app took ${ms} ms to answer; real Slack gives up after ${SLACK_ACK_TIMEOUT_MS} ms and shows "operation_timeout".`;
