import type { BlockAction, ButtonAction, SlashCommand, ViewSubmitAction } from '@slack/bolt';
import { signSlackRequest } from '../../slack/verify-signature';

/**
 * What Slack sends to an app's Request URL: the slash command, block_actions and view_submission
 * payloads, form-encoded and signed. The one implementation of these shapes, used by the local
 * workspace (what a person does on the page) and by the tests (signed events into the handler), so
 * the two cannot drift apart. Shapes follow Slack's documentation and are checked against Bolt's types.
 */

/** The verification token Slack still sends in every payload; nothing checks it any more. */
export const VERIFICATION_TOKEN = 'deprecated-verification-token';

export interface PayloadTeam {
  id: string;
  domain: string;
}

export interface PayloadUser {
  id: string;
  name: string;
}

export interface SlashCommandInput {
  team: PayloadTeam;
  appId: string;
  channel: { id: string; name: string };
  user: PayloadUser;
  command: string;
  /** The text after the command, already escaped as Slack escapes it. */
  text: string;
  responseUrl: string;
  triggerId: string;
}

/** The payload of a slash command, as Slack form-encodes it. */
export function slashCommandPayload(input: SlashCommandInput): SlashCommand {
  return {
    token: VERIFICATION_TOKEN,
    team_id: input.team.id,
    team_domain: input.team.domain,
    channel_id: input.channel.id,
    channel_name: input.channel.name,
    user_id: input.user.id,
    user_name: input.user.name,
    command: input.command,
    text: input.text,
    api_app_id: input.appId,
    is_enterprise_install: 'false',
    response_url: input.responseUrl,
    trigger_id: input.triggerId,
  };
}

export interface BlockActionInput {
  team: PayloadTeam;
  appId: string;
  channel: { id: string; name: string };
  user: PayloadUser;
  /**
   * The message the button is on, as the app posted it. `ephemeral`: a message only the clicker sees;
   * Slack then marks the container `is_ephemeral` and sends no `message`.
   */
  ephemeral?: boolean;
  message: {
    user: string;
    botId?: string;
    ts: string;
    text: string;
    blocks: unknown[];
    threadTs?: string;
  };
  button: { actionId: string; blockId: string; text: string; value?: string; style?: string };
  /** Seconds with a fraction, e.g. `1700000000.000200`. */
  actionTs: string;
  responseUrl: string;
  triggerId: string;
}

/** The payload of a button click in a channel message (sent as JSON in the `payload` form field). */
export function blockActionPayload(input: BlockActionInput): BlockAction<ButtonAction> {
  const { team, user, message, button } = input;
  return {
    type: 'block_actions',
    user: { id: user.id, username: user.name, name: user.name, team_id: team.id },
    api_app_id: input.appId,
    token: VERIFICATION_TOKEN,
    container: {
      type: 'message',
      message_ts: message.ts,
      channel_id: input.channel.id,
      is_ephemeral: input.ephemeral === true,
    },
    trigger_id: input.triggerId,
    team: { id: team.id, domain: team.domain },
    enterprise: undefined,
    is_enterprise_install: false,
    channel: { id: input.channel.id, name: input.channel.name },
    ...(input.ephemeral
      ? {}
      : {
          message: {
            type: 'message',
            user: message.user,
            ...(message.botId ? { bot_id: message.botId, app_id: input.appId } : {}),
            ts: message.ts,
            text: message.text,
            blocks: message.blocks,
            ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
          },
        }),
    state: { values: {} },
    response_url: input.responseUrl,
    actions: [
      {
        type: 'button',
        action_id: button.actionId,
        block_id: button.blockId,
        text: { type: 'plain_text', text: button.text, emoji: true },
        ...(button.value !== undefined ? { value: button.value } : {}),
        ...(button.style !== undefined ? { style: button.style as 'primary' | 'danger' } : {}),
        action_ts: input.actionTs,
      },
    ],
  };
}

export type PlainTextInputValues = Record<
  string,
  Record<string, { type: 'plain_text_input'; value: string }>
>;

export interface ViewSubmissionInput {
  team: PayloadTeam;
  appId: string;
  botId: string;
  user: PayloadUser;
  /** The modal as the app opened it (views.open), and its id. */
  view: {
    id: string;
    callbackId: string;
    privateMetadata: string;
    blocks: unknown[];
    title: unknown;
    close?: unknown;
    submit?: unknown;
  };
  values: PlainTextInputValues;
  /** The view's hash, e.g. `1700000000.abcdefgh`. */
  hash: string;
  triggerId: string;
}

/** The payload of a modal submission (sent as JSON in the `payload` form field). */
export function viewSubmissionPayload(input: ViewSubmissionInput): ViewSubmitAction {
  const { team, view } = input;
  return viewSubmissionEnvelope({
    ...input,
    view: {
      id: view.id,
      team_id: team.id,
      type: 'modal',
      blocks: view.blocks as ViewSubmitAction['view']['blocks'],
      private_metadata: view.privateMetadata,
      callback_id: view.callbackId,
      state: { values: input.values },
      hash: input.hash,
      title: view.title as ViewSubmitAction['view']['title'],
      clear_on_close: false,
      notify_on_close: false,
      close: (view.close ?? null) as ViewSubmitAction['view']['close'],
      submit: (view.submit ?? null) as ViewSubmitAction['view']['submit'],
      previous_view_id: null,
      root_view_id: view.id,
      app_id: input.appId,
      external_id: '',
      app_installed_team_id: team.id,
      bot_id: input.botId,
    },
  });
}

/**
 * The envelope of every view_submission around a view already in Slack's shape (the local workspace
 * builds its views with typed state values; tests use viewSubmissionPayload above).
 */
export function viewSubmissionEnvelope(input: {
  team: PayloadTeam;
  appId: string;
  user: PayloadUser;
  triggerId: string;
  view: ViewSubmitAction['view'];
}): ViewSubmitAction {
  const { team, user } = input;
  return {
    type: 'view_submission',
    team: { id: team.id, domain: team.domain },
    // Slack sends `username` too; Bolt's type leaves it out.
    user: { id: user.id, username: user.name, name: user.name, team_id: team.id } as ViewSubmitAction['user'],
    api_app_id: input.appId,
    token: VERIFICATION_TOKEN,
    trigger_id: input.triggerId,
    view: input.view,
    response_urls: [],
    is_enterprise_install: false,
    enterprise: undefined,
  };
}

/** A slash command's form body. */
export const slashCommandBody = (payload: SlashCommand): string =>
  new URLSearchParams(payload as unknown as Record<string, string>).toString();

/** An interaction's form body: the payload as JSON in the `payload` field. */
export const interactionBody = (payload: BlockAction | ViewSubmitAction): string =>
  new URLSearchParams({ payload: JSON.stringify(payload) }).toString();

/** The headers Slack sends with a request to the app, signed with the app's signing secret. */
export function signedHeaders(
  signingSecret: string,
  timestamp: string,
  body: string,
): Record<'content-type' | 'user-agent' | 'x-slack-request-timestamp' | 'x-slack-signature', string> {
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': signSlackRequest(signingSecret, timestamp, body),
  };
}
