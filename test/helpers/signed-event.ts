import { randomBytes, randomInt } from 'node:crypto';
import type { BlockAction, ButtonAction, SlashCommand, ViewSubmitAction } from '@slack/bolt';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { signSlackRequest } from '../../src/slack/verify-signature';

// Builders of signed API Gateway HTTP API (payload 2.0) events, as Slack + API Gateway deliver them
// to the `slack` Lambda. Payload shapes follow Slack's documented ones and are checked against Bolt's types.

export const TEST_SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';

// Port 1 on loopback refuses connections, so an accidental respond() fails fast instead of leaving the machine.
export const TEST_RESPONSE_URL = 'http://127.0.0.1:1/response';

const FORM = 'application/x-www-form-urlencoded';
const SLACK_EVENTS_PATH = '/slack/events';

interface SigningOptions {
  secret: string;
  /** Clock for the x-slack-request-timestamp header; defaults to the real clock. */
  nowSeconds?: number;
  /** Sends the body base64-encoded, as API Gateway does for some content types. */
  base64?: boolean;
  /** Raw header value, e.g. '-1' or '1e9', to exercise the verifier. The signature still covers it. */
  timestamp?: string;
  /** Replaces the computed x-slack-signature header. */
  signatureOverride?: string;
}

export interface RawSignedEventOptions extends SigningOptions {
  body: string;
  contentType?: string;
  /** Extra or replacement headers; keys are used as given (API Gateway v2 lowercases them). */
  headers?: Record<string, string>;
}

export interface SlashCommandEventOptions extends SigningOptions {
  text: string;
  userId?: string;
  userName?: string;
  teamId?: string;
  teamDomain?: string;
  apiAppId?: string;
  channelId?: string;
  channelName?: string;
  triggerId?: string;
  command?: string;
}

export interface BlockActionEventOptions extends SigningOptions {
  actionId: string;
  value: string;
  userId: string;
  userName?: string;
  teamId?: string;
  teamDomain?: string;
  apiAppId?: string;
  channelId?: string;
  channelName?: string;
  messageTs?: string;
  blockId?: string;
  triggerId?: string;
}

export type PlainTextInputValues = Record<
  string,
  Record<string, { type: 'plain_text_input'; value: string }>
>;

export interface ViewSubmissionEventOptions extends SigningOptions {
  callbackId: string;
  privateMetadata: string;
  userId: string;
  userName?: string;
  values: PlainTextInputValues;
  teamId?: string;
  teamDomain?: string;
  apiAppId?: string;
  viewId?: string;
  triggerId?: string;
}

const nowInSeconds = () => Math.floor(Date.now() / 1000);

/** Slack trigger ids look like `398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c`. */
export function randomTriggerId(): string {
  return `${randomInt(1e11, 1e12)}.${randomInt(1e10, 1e11)}.${randomBytes(16).toString('hex')}`;
}

/** Default user name for an id, so tests that only care about ids still get a plausible payload. */
const nameFor = (userId: string) => userId.toLowerCase();

/** Signs any body and wraps it in an HTTP API v2 event for POST /slack/events. */
export function rawSignedEvent(opts: RawSignedEventOptions): APIGatewayProxyEventV2 {
  const nowSeconds = opts.nowSeconds ?? nowInSeconds();
  const timestamp = opts.timestamp ?? String(nowSeconds);
  const signature = opts.signatureOverride ?? signSlackRequest(opts.secret, timestamp, opts.body);
  const headers: Record<string, string> = {
    'content-type': opts.contentType ?? FORM,
    host: 'abc123.execute-api.us-east-1.amazonaws.com',
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': signature,
    ...opts.headers,
  };
  return {
    version: '2.0',
    routeKey: `POST ${SLACK_EVENTS_PATH}`,
    rawPath: SLACK_EVENTS_PATH,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: {
        method: 'POST',
        path: SLACK_EVENTS_PATH,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: `req-${randomBytes(6).toString('hex')}`,
      routeKey: `POST ${SLACK_EVENTS_PATH}`,
      stage: '$default',
      time: new Date(nowSeconds * 1000).toISOString(),
      timeEpoch: nowSeconds * 1000,
    },
    // The signature covers the UTF-8 text; base64 is only the transport encoding.
    body: opts.base64 ? Buffer.from(opts.body, 'utf8').toString('base64') : opts.body,
    isBase64Encoded: opts.base64 ?? false,
  };
}

const signing = (opts: SigningOptions): SigningOptions => ({
  secret: opts.secret,
  nowSeconds: opts.nowSeconds,
  base64: opts.base64,
  timestamp: opts.timestamp,
  signatureOverride: opts.signatureOverride,
});

/** The payload of a slash command, as Slack form-encodes it. */
export function slashCommandPayload(
  opts: Omit<SlashCommandEventOptions, keyof SigningOptions>,
): SlashCommand {
  const userId = opts.userId ?? 'U0REQUESTER';
  return {
    token: 'deprecated-verification-token',
    team_id: opts.teamId ?? 'T0TEAM',
    team_domain: opts.teamDomain ?? 'testteam',
    channel_id: opts.channelId ?? 'C0REQ',
    channel_name: opts.channelName ?? 'requests',
    user_id: userId,
    user_name: opts.userName ?? nameFor(userId),
    command: opts.command ?? '/codebuild-access',
    text: opts.text,
    api_app_id: opts.apiAppId ?? 'A0APP',
    is_enterprise_install: 'false',
    response_url: TEST_RESPONSE_URL,
    trigger_id: opts.triggerId ?? randomTriggerId(),
  };
}

/** A signed `/codebuild-access ...` invocation. */
export function slashCommandEvent(opts: SlashCommandEventOptions): APIGatewayProxyEventV2 {
  const payload = slashCommandPayload(opts);
  const body = new URLSearchParams(payload as Record<string, string>).toString();
  return rawSignedEvent({ ...signing(opts), body });
}

/** The payload of a button click in a channel message, as Slack sends it (JSON in the `payload` form field). */
export function blockActionPayload(
  opts: Omit<BlockActionEventOptions, keyof SigningOptions> & { nowSeconds?: number },
): BlockAction<ButtonAction> {
  const teamId = opts.teamId ?? 'T0TEAM';
  const channelId = opts.channelId ?? 'C0AUDIT';
  const messageTs = opts.messageTs ?? '1700000000.000100';
  const nowSeconds = opts.nowSeconds ?? nowInSeconds();
  return {
    type: 'block_actions',
    user: {
      id: opts.userId,
      username: opts.userName ?? nameFor(opts.userId),
      name: opts.userName ?? nameFor(opts.userId),
      team_id: teamId,
    },
    api_app_id: opts.apiAppId ?? 'A0APP',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: messageTs, channel_id: channelId, is_ephemeral: false },
    trigger_id: opts.triggerId ?? randomTriggerId(),
    team: { id: teamId, domain: opts.teamDomain ?? 'testteam' },
    enterprise: undefined,
    is_enterprise_install: false,
    channel: { id: channelId, name: opts.channelName ?? 'codebuild-audit' },
    message: {
      type: 'message',
      user: 'U0BOT',
      bot_id: 'B0BOT',
      ts: messageTs,
      text: 'Access request',
      blocks: [],
    },
    state: { values: {} },
    response_url: TEST_RESPONSE_URL,
    actions: [
      {
        action_id: opts.actionId,
        block_id: opts.blockId ?? 'decision',
        text: { type: 'plain_text', text: opts.actionId, emoji: true },
        value: opts.value,
        type: 'button',
        action_ts: `${nowSeconds}.000200`,
      },
    ],
  };
}

/** A signed click on an Approve/Deny style button. */
export function blockActionEvent(opts: BlockActionEventOptions): APIGatewayProxyEventV2 {
  const body = new URLSearchParams({ payload: JSON.stringify(blockActionPayload(opts)) }).toString();
  return rawSignedEvent({ ...signing(opts), body });
}

/** The payload of a modal submission, as Slack sends it (JSON in the `payload` form field). */
export function viewSubmissionPayload(
  opts: Omit<ViewSubmissionEventOptions, keyof SigningOptions>,
): ViewSubmitAction {
  const teamId = opts.teamId ?? 'T0TEAM';
  const apiAppId = opts.apiAppId ?? 'A0APP';
  const viewId = opts.viewId ?? 'V0MODAL';
  return {
    type: 'view_submission',
    team: { id: teamId, domain: opts.teamDomain ?? 'testteam' },
    user: { id: opts.userId, name: opts.userName ?? nameFor(opts.userId), team_id: teamId },
    api_app_id: apiAppId,
    token: 'deprecated-verification-token',
    trigger_id: opts.triggerId ?? randomTriggerId(),
    view: {
      id: viewId,
      team_id: teamId,
      type: 'modal',
      blocks: [],
      private_metadata: opts.privateMetadata,
      callback_id: opts.callbackId,
      state: { values: opts.values },
      hash: '1700000000.abcdefgh',
      title: { type: 'plain_text', text: 'CodeBuild access', emoji: true },
      clear_on_close: false,
      notify_on_close: false,
      close: { type: 'plain_text', text: 'Cancel', emoji: true },
      submit: { type: 'plain_text', text: 'Submit', emoji: true },
      previous_view_id: null,
      root_view_id: viewId,
      app_id: apiAppId,
      external_id: '',
      app_installed_team_id: teamId,
      bot_id: 'B0BOT',
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: undefined,
  };
}

/** A signed modal submission. */
export function viewSubmissionEvent(opts: ViewSubmissionEventOptions): APIGatewayProxyEventV2 {
  const body = new URLSearchParams({ payload: JSON.stringify(viewSubmissionPayload(opts)) }).toString();
  return rawSignedEvent({ ...signing(opts), body });
}
