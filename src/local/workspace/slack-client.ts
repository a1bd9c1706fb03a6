import { randomBytes } from 'node:crypto';
import type { ViewSubmitAction } from '@slack/bolt';
import { type Clock, systemClock } from '../../domain/ports';
import { SLASH_COMMAND } from '../../slack/ids';
import { escapeLikeSlack } from './escape';
import type { WorkspaceUser } from './fixture';
import {
  blockActionPayload,
  interactionBody,
  signedHeaders,
  slashCommandBody,
  slashCommandPayload,
  VERIFICATION_TOKEN,
  viewSubmissionEnvelope,
} from './slack-payloads';
import type { HomeView, OpenModal, WorkspaceMessage, WorkspaceState } from './state';
import { clientSideErrors, type StateValues, stateValuesOf, type TypedValues, viewOutput } from './views';

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
      const button = buttonRefOf(element, blockId);
      if (button) buttons.push(button);
    }
  }
  return buttons;
}

/** A select in an input block with `dispatch_action: true`: Slack sends its pick as block_actions at once. */
export interface SelectRef {
  actionId: string;
  blockId: string;
  label: string;
  type: string;
}

/** The dispatching select with this action id (and block id, when given), or undefined. */
export function dispatchingSelectIn(
  blocks: unknown[],
  actionId: string,
  blockId: string | undefined,
): SelectRef | undefined {
  for (const raw of blocks) {
    const block = raw as {
      type?: string;
      block_id?: string;
      dispatch_action?: boolean;
      label?: { text?: string };
      element?: { type?: string; action_id?: string };
    };
    if (block.type !== 'input' || block.dispatch_action !== true || !block.block_id) continue;
    const element = block.element;
    if (element?.type !== 'static_select' || element.action_id !== actionId) continue;
    if (blockId !== undefined && block.block_id !== blockId) continue;
    return { actionId, blockId: block.block_id, label: block.label?.text ?? actionId, type: element.type };
  }
  return undefined;
}

/**
 * What a view interaction is on: a button (with its confirm honoured), or a select that dispatches its
 * pick; or why Slack's client could not have sent it.
 */
function viewTargetOf(
  blocks: unknown[],
  input: { actionId: string; blockId?: string; confirmed?: boolean },
): { button: ButtonRef } | { select: SelectRef } | { rejected: string } {
  const button = buttonsIn(blocks).find(
    (candidate) =>
      candidate.actionId === input.actionId &&
      (input.blockId === undefined || candidate.blockId === input.blockId),
  );
  if (button) {
    return button.confirm !== undefined && input.confirmed !== true
      ? { rejected: 'that button asks for confirmation first' }
      : { button };
  }
  const select = dispatchingSelectIn(blocks, input.actionId, input.blockId);
  return select ? { select } : { rejected: 'that view has no such button (any more)' };
}

/** The block_actions `actions[0]` of a pick (the select's state value, as Slack sends it) and its label. */
function selectAction(select: SelectRef, values: StateValues, actionTs: string) {
  const state = values[select.blockId]?.[select.actionId] as
    | { selected_option?: { text?: { text?: string }; value?: string } | null }
    | undefined;
  const picked = state?.selected_option ?? null;
  return {
    action: {
      type: select.type,
      action_id: select.actionId,
      block_id: select.blockId,
      selected_option: picked,
      action_ts: actionTs,
    },
    label: `${select.label}: ${picked?.text?.text ?? 'nothing'}`,
  };
}

/** The block_actions `actions[0]` of a button click. */
const buttonAction = (button: ButtonRef, actionTs: string) => ({
  type: 'button',
  action_id: button.actionId,
  block_id: button.blockId,
  text: { type: 'plain_text', text: button.text, emoji: true },
  ...(button.value !== undefined ? { value: button.value } : {}),
  ...(button.style !== undefined ? { style: button.style } : {}),
  action_ts: actionTs,
});

/** A Block Kit element as a ButtonRef, or undefined when it is not a button with an action id. */
function buttonRefOf(element: unknown, blockId: string): ButtonRef | undefined {
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
  if (button?.type !== 'button' || !button.action_id) return undefined;
  return {
    actionId: button.action_id,
    blockId,
    text: button.text?.text ?? button.action_id,
    ...(button.value !== undefined ? { value: button.value } : {}),
    ...(button.style !== undefined ? { style: button.style } : {}),
    ...(button.confirm !== undefined ? { confirm: button.confirm } : {}),
  };
}

/** The view `viewId` names, if the person has it open: their Home tab or the modal on top. */
function openSurface(viewId: string, home: HomeView | undefined, modal: OpenModal | undefined) {
  if (home?.id === viewId) return { stored: home, view: home.view };
  if (modal?.id === viewId) return { stored: modal, view: modal.view };
  return undefined;
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
    const channel = this.state.conversation(input.channelId);
    if (!user) return { kind: 'rejected', reason: 'unknown user' };
    if (!channel) return { kind: 'rejected', reason: 'unknown channel' };
    // A DM is between the app and one person: nobody else can write in it.
    if (channel.im && channel.im.user !== user.id)
      return { kind: 'rejected', reason: 'not your conversation' };
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
   * The app's answer only this person sees (e.g. "Request … received" with its Cancel button), as a
   * message they can click: Slack lets the one person who sees an ephemeral click its buttons.
   */
  private botAnswerTo(userId: string, channelId: string, ts: string): WorkspaceMessage | undefined {
    const e = this.state.ephemerals.find(
      (e) => e.channel === channelId && e.ts === ts && e.user === userId && e.from === 'bot',
    );
    if (!e) return undefined;
    return {
      channel: e.channel,
      ts: e.ts,
      user: this.state.fixture.app.botUserId,
      text: e.text,
      ...(e.blocks ? { blocks: e.blocks } : {}),
      ...(e.threadTs ? { threadTs: e.threadTs } : {}),
    };
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
    const posted = this.state.message(input.channelId, input.messageTs);
    const message = posted ?? this.botAnswerTo(input.userId, input.channelId, input.messageTs);
    if (!user || !message) return { kind: 'rejected' as const, reason: 'unknown user or message' };
    const button = clickableButton(message, input);
    if (typeof button === 'string') return { kind: 'rejected' as const, reason: button };
    const { team, app } = this.state.fixture;
    const channel = this.state.conversation(message.channel);
    if (channel?.im && channel.im.user !== user.id)
      return { kind: 'rejected' as const, reason: 'not your conversation' };
    const now = this.clock.now().getTime();
    const payload = blockActionPayload({
      team,
      appId: app.id,
      channel: { id: message.channel, name: channel?.im ? 'directmessage' : (channel?.name ?? '') },
      user,
      ephemeral: posted === undefined,
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
   * Submits the modal open in front of a person: a signed view_submission whose `view.state.values`
   * holds every input in Slack's shape (typed per element: value, selected_option, selected_user, …).
   * Like Slack's client, a required input left empty is flagged on the page and nothing is sent. The
   * app's answer closes this view (empty ack; the one below shows again), closes the whole modal
   * (`clear`), shows errors under the inputs (`errors`), replaces the view (`update`) or stacks one
   * on top (`push`).
   */
  async submitModal(input: { userId: string; viewId: string; values: TypedValues }) {
    const user = this.state.user(input.userId);
    const modal = this.state.modalOf(input.userId);
    if (!user || !modal || modal.id !== input.viewId)
      return { kind: 'rejected' as const, reason: 'no such modal' };
    const { values, invalid } = stateValuesOf(modal.view, input.values, this.state.fixture);
    const local = { ...invalid, ...clientSideErrors(modal.view, values) };
    if (Object.keys(local).length > 0) {
      this.state.showModalErrors(user.id, modal.id, local);
      return { kind: 'invalid' as const, errors: local };
    }
    const { team, app } = this.state.fixture;
    const payload = viewSubmissionEnvelope({
      team,
      appId: app.id,
      user,
      triggerId: this.state.issueTrigger(user.id),
      view: this.modalView(modal, values) as unknown as ViewSubmitAction['view'],
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
    this.applyResponseAction(user.id, modal.id, answer);
    return {
      kind: 'submitted' as const,
      status: delivery.status,
      ms: delivery.ms,
      responseAction: typeof answer.response_action === 'string' ? answer.response_action : 'close',
    };
  }

  /** What the app's answer to a view_submission does to the modal stack (Slack's response_action). */
  private applyResponseAction(userId: string, modalId: string, answer: Record<string, unknown>): void {
    const view =
      typeof answer.view === 'object' && answer.view !== null
        ? (answer.view as Record<string, unknown>)
        : undefined;
    switch (answer.response_action) {
      case 'errors':
        if (typeof answer.errors === 'object' && answer.errors !== null)
          this.state.showModalErrors(userId, modalId, answer.errors as Record<string, string>);
        break;
      case 'update':
        if (view) this.state.updateModal({ viewId: modalId }, view);
        break;
      case 'push':
        if (view && this.state.pushModal(userId, view) === 'push_limit_reached') {
          this.state.showModalErrors(userId, modalId, {
            '': 'The app tried to push a fourth view; Slack allows three.',
          });
        }
        break;
      case 'clear':
        this.state.clearModals(userId);
        break;
      default:
        this.state.closeModal(userId, modalId);
    }
  }

  /**
   * Cancel (or ×): the view on top goes away and the one below shows again. Slack tells the app only when
   * the view asked for it (`notify_on_close`), with a view_closed payload.
   */
  async closeModal(input: { userId: string; viewId: string; values?: TypedValues }): Promise<void> {
    const user = this.state.user(input.userId);
    const modal = this.state.modalOf(input.userId);
    if (!user || !modal || modal.id !== input.viewId) return;
    this.state.closeModal(user.id, modal.id);
    if (modal.view.notify_on_close !== true) return;
    const { team, app } = this.state.fixture;
    const { values } = stateValuesOf(modal.view, input.values ?? {}, this.state.fixture);
    const payload = {
      type: 'view_closed',
      team: { id: team.id, domain: team.domain },
      user: { id: user.id, username: user.name, name: user.name, team_id: team.id },
      api_app_id: app.id,
      token: VERIFICATION_TOKEN,
      view: this.modalView(modal, values),
      is_cleared: false,
      is_enterprise_install: false,
      enterprise: null,
    };
    const delivery = await this.deliver(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
    this.options.onDelivery?.(
      `${user.name} closed the "${payload.view.callback_id}" modal -> HTTP ${delivery.status}`,
    );
  }

  /**
   * A click on a button of a view: the person's Home tab, or the modal in front of them. Slack sends a
   * block_actions with `container.type: 'view'` and the whole view (with its state), and no channel,
   * message or response_url.
   */
  async clickView(input: {
    userId: string;
    viewId: string;
    actionId: string;
    blockId?: string;
    confirmed?: boolean;
    values?: TypedValues;
  }) {
    const user = this.state.user(input.userId);
    if (!user) return { kind: 'rejected' as const, reason: 'unknown user' };
    const home = this.state.homeOf(user.id);
    const modal = this.state.modalOf(user.id);
    const surface = openSurface(input.viewId, home, modal);
    if (!surface) return { kind: 'rejected' as const, reason: 'that view is not open (any more)' };
    const target = viewTargetOf(Array.isArray(surface.view.blocks) ? surface.view.blocks : [], input);
    if ('rejected' in target) return { kind: 'rejected' as const, reason: target.rejected };
    const { team, app } = this.state.fixture;
    const { values } = stateValuesOf(surface.view, input.values ?? {}, this.state.fixture);
    const now = this.clock.now().getTime();
    const actionTs = `${Math.floor(now / 1000)}.${String(now % 1000).padStart(3, '0')}000`;
    const view =
      surface.stored === modal && modal
        ? this.modalView(modal, values)
        : viewOutput(surface.stored, this.state.fixture, values);
    const { action, label } =
      'button' in target
        ? { action: buttonAction(target.button, actionTs), label: target.button.text }
        : selectAction(target.select, values, actionTs);
    const [did, verb] = 'button' in target ? ['clicked', 'click on'] : ['picked', 'pick of'];
    const payload = {
      type: 'block_actions',
      user: { id: user.id, username: user.name, name: user.name, team_id: team.id },
      api_app_id: app.id,
      token: VERIFICATION_TOKEN,
      container: { type: 'view', view_id: input.viewId },
      trigger_id: this.state.issueTrigger(user.id),
      team: { id: team.id, domain: team.domain },
      enterprise: null,
      is_enterprise_install: false,
      view,
      actions: [action],
    };
    const delivery = await this.deliver(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
    const where = surface.stored === home ? 'Home tab' : 'modal';
    this.options.onDelivery?.(
      `${user.name} ${did} "${label}" in the ${where} -> HTTP ${delivery.status} in ${delivery.ms} ms`,
    );
    if (delivery.status !== 200) {
      const notice = `The app answered HTTP ${delivery.status} to your ${verb} “${label}”.`;
      this.showClickFailure(user.id, surface.stored === modal ? modal : undefined, notice);
    }
    return { kind: 'clicked' as const, status: delivery.status, ms: delivery.ms };
  }

  /**
   * The person opened the app's Home tab: a signed Events API `event_callback` (JSON) with an
   * `app_home_opened` event, as Slack sends it to the Request URL; the app answers with views.publish.
   */
  async homeOpened(input: { userId: string }) {
    const user = this.state.user(input.userId);
    const { team, app } = this.state.fixture;
    if (!user) return { kind: 'rejected' as const, reason: 'unknown user' };
    const now = this.clock.now().getTime();
    const eventTs = `${Math.floor(now / 1000)}.${String(now % 1000).padStart(3, '0')}000`;
    const body = JSON.stringify({
      token: VERIFICATION_TOKEN,
      team_id: team.id,
      api_app_id: app.id,
      type: 'event_callback',
      event_id: `Ev${now.toString(36).toUpperCase()}`,
      event_time: Math.floor(now / 1000),
      event: {
        type: 'app_home_opened',
        user: user.id,
        channel: this.state.imOf(user.id)?.id ?? '',
        tab: 'home',
        event_ts: eventTs,
        ...(this.state.homeOf(user.id) ? { view: { id: this.state.homeOf(user.id)?.id } } : {}),
      },
    });
    const delivery = await this.deliver(body, 'application/json');
    this.options.onDelivery?.(
      `${user.name} opened the Home tab -> HTTP ${delivery.status} in ${delivery.ms} ms`,
    );
    return { kind: 'delivered' as const, status: delivery.status, ms: delivery.ms };
  }

  /** A global shortcut chosen from the page's shortcut menu: a signed `shortcut` payload with a trigger. */
  async shortcut(input: { userId: string; callbackId: string }) {
    const user = this.state.user(input.userId);
    const { team, app } = this.state.fixture;
    if (!user) return { kind: 'rejected' as const, reason: 'unknown user' };
    const shortcut = app.shortcuts.find((candidate) => candidate.callbackId === input.callbackId);
    if (!shortcut) return { kind: 'rejected' as const, reason: 'the app has no such shortcut' };
    const now = this.clock.now().getTime();
    const payload = {
      type: 'shortcut',
      token: VERIFICATION_TOKEN,
      action_ts: `${Math.floor(now / 1000)}.${String(now % 1000).padStart(3, '0')}000`,
      team: { id: team.id, domain: team.domain },
      user: { id: user.id, username: user.name, team_id: team.id },
      is_enterprise_install: false,
      enterprise: null,
      callback_id: shortcut.callbackId,
      trigger_id: this.state.issueTrigger(user.id),
    };
    const delivery = await this.deliver(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
    this.options.onDelivery?.(
      `${user.name} used the "${shortcut.name}" shortcut -> HTTP ${delivery.status} in ${delivery.ms} ms`,
    );
    if (delivery.status !== 200) {
      const im = this.state.imOf(user.id);
      if (im)
        this.notice(
          im.id,
          user.id,
          `The app answered HTTP ${delivery.status} to the “${shortcut.name}” shortcut.`,
        );
    }
    return { kind: 'shortcut' as const, status: delivery.status, ms: delivery.ms };
  }

  private modalView(modal: OpenModal, values: StateValues): Record<string, unknown> {
    return viewOutput(
      {
        id: modal.id,
        view: modal.view,
        hash: modal.hash,
        rootViewId: modal.rootViewId,
        ...(modal.previousViewId ? { previousViewId: modal.previousViewId } : {}),
      },
      this.state.fixture,
      values,
    );
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
    const conversation = this.state.conversation(channelId);
    const channel = conversation && { name: conversation.im ? 'directmessage' : conversation.name };
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

  /** A failed click tells the person: under the modal's inputs, or in their DM with the app. */
  private showClickFailure(userId: string, modal: OpenModal | undefined, notice: string): void {
    if (modal) {
      this.state.showModalErrors(userId, modal.id, { '': notice });
      return;
    }
    const im = this.state.imOf(userId);
    if (im) this.notice(im.id, userId, notice);
  }

  private async deliver(body: string, contentType?: 'application/json'): Promise<Delivery> {
    const timestamp = String(Math.floor(this.clock.now().getTime() / 1000));
    const started = Date.now();
    const response = await fetch(this.options.appUrl(), {
      method: 'POST',
      headers: {
        ...signedHeaders(this.options.signingSecret, timestamp, body),
        ...(contentType ? { 'content-type': contentType } : {}),
      },
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

/**
 * The button a click names on `message`, or why it cannot be clicked: the message has no such button
 * (any more), or the button has a confirm dialog that was not confirmed (Slack sends nothing then).
 */
function clickableButton(
  message: Pick<WorkspaceMessage, 'blocks'>,
  input: { actionId: string; blockId?: string; confirmed?: boolean },
): ReturnType<typeof buttonsIn>[number] | string {
  const button = buttonsIn(message.blocks).find(
    (candidate) =>
      candidate.actionId === input.actionId &&
      (input.blockId === undefined || candidate.blockId === input.blockId),
  );
  if (!button) return 'that message has no such button (any more)';
  if (button.confirm !== undefined && input.confirmed !== true) {
    return 'that button asks for confirmation first';
  }
  return button;
}
