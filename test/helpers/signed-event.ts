import { randomBytes } from 'node:crypto';
import type { BlockAction, ButtonAction, SlashCommand, ViewSubmitAction } from '@slack/bolt';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import {
  blockActionPayload as buildBlockAction,
  slashCommandPayload as buildSlashCommand,
  viewSubmissionPayload as buildViewSubmission,
  interactionBody,
  type PlainTextInputValues,
  signedHeaders,
  slashCommandBody,
} from '../../src/local/workspace/slack-payloads';
import { randomTriggerId } from '../../src/local/workspace/state';

// Signed API Gateway HTTP API (payload 2.0) events, as Slack + API Gateway deliver them to the `slack`
// Lambda. The payloads and the signature come from src/local/workspace/slack-payloads.ts, the builders
// the local workspace sends with; this file only adds test defaults and the API Gateway envelope.

export const TEST_SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';

// Port 1 on loopback refuses connections, so an accidental respond() fails fast instead of leaving the machine.
export const TEST_RESPONSE_URL = 'http://127.0.0.1:1/response';

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
  /** The click's response_url; defaults to one that refuses connections. */
  responseUrl?: string;
}

export type { PlainTextInputValues };

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

export { randomTriggerId };

/** Default user name for an id, so tests that only care about ids still get a plausible payload. */
const nameFor = (userId: string) => userId.toLowerCase();

/** Signs any body and wraps it in an HTTP API v2 event for POST /slack/events. */
export function rawSignedEvent(opts: RawSignedEventOptions): APIGatewayProxyEventV2 {
  const nowSeconds = opts.nowSeconds ?? nowInSeconds();
  const timestamp = opts.timestamp ?? String(nowSeconds);
  const signed = signedHeaders(opts.secret, timestamp, opts.body);
  const headers: Record<string, string> = {
    ...signed,
    'content-type': opts.contentType ?? signed['content-type'],
    host: 'abc123.execute-api.us-east-1.amazonaws.com',
    'x-slack-signature': opts.signatureOverride ?? signed['x-slack-signature'],
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

const teamOf = (opts: { teamId?: string; teamDomain?: string }) => ({
  id: opts.teamId ?? 'T0TEAM',
  domain: opts.teamDomain ?? 'testteam',
});

/** A slash command's payload with test defaults (requester U0REQUESTER in C0REQ). */
export function slashCommandPayload(
  opts: Omit<SlashCommandEventOptions, keyof SigningOptions> & { responseUrl?: string },
): SlashCommand {
  const userId = opts.userId ?? 'U0REQUESTER';
  return buildSlashCommand({
    team: teamOf(opts),
    appId: opts.apiAppId ?? 'A0APP',
    channel: { id: opts.channelId ?? 'C0REQ', name: opts.channelName ?? 'requests' },
    user: { id: userId, name: opts.userName ?? nameFor(userId) },
    command: opts.command ?? '/codebuild-access',
    text: opts.text,
    responseUrl: opts.responseUrl ?? TEST_RESPONSE_URL,
    triggerId: opts.triggerId ?? randomTriggerId(),
  });
}

/** A signed `/codebuild-access ...` invocation. */
export function slashCommandEvent(
  opts: SlashCommandEventOptions & { responseUrl?: string },
): APIGatewayProxyEventV2 {
  return rawSignedEvent({ ...signing(opts), body: slashCommandBody(slashCommandPayload(opts)) });
}

/** A button click on the bot's card with test defaults (the card in C0AUDIT). */
export function blockActionPayload(
  opts: Omit<BlockActionEventOptions, keyof SigningOptions> & { nowSeconds?: number },
): BlockAction<ButtonAction> {
  const messageTs = opts.messageTs ?? '1700000000.000100';
  const nowSeconds = opts.nowSeconds ?? nowInSeconds();
  return buildBlockAction({
    team: teamOf(opts),
    appId: opts.apiAppId ?? 'A0APP',
    channel: { id: opts.channelId ?? 'C0AUDIT', name: opts.channelName ?? 'codebuild-audit' },
    user: { id: opts.userId, name: opts.userName ?? nameFor(opts.userId) },
    message: { user: 'U0BOT', botId: 'B0BOT', ts: messageTs, text: 'Access request', blocks: [] },
    button: {
      actionId: opts.actionId,
      blockId: opts.blockId ?? 'decision',
      text: opts.actionId,
      value: opts.value,
    },
    actionTs: `${nowSeconds}.000200`,
    responseUrl: opts.responseUrl ?? TEST_RESPONSE_URL,
    triggerId: opts.triggerId ?? randomTriggerId(),
  });
}

/** A signed click on an Approve/Deny style button. */
export function blockActionEvent(opts: BlockActionEventOptions): APIGatewayProxyEventV2 {
  return rawSignedEvent({ ...signing(opts), body: interactionBody(blockActionPayload(opts)) });
}

/** A modal submission with test defaults. */
export function viewSubmissionPayload(
  opts: Omit<ViewSubmissionEventOptions, keyof SigningOptions>,
): ViewSubmitAction {
  return buildViewSubmission({
    team: teamOf(opts),
    appId: opts.apiAppId ?? 'A0APP',
    botId: 'B0BOT',
    user: { id: opts.userId, name: opts.userName ?? nameFor(opts.userId) },
    view: {
      id: opts.viewId ?? 'V0MODAL',
      callbackId: opts.callbackId,
      privateMetadata: opts.privateMetadata,
      blocks: [],
      title: { type: 'plain_text', text: 'CodeBuild access', emoji: true },
      close: { type: 'plain_text', text: 'Cancel', emoji: true },
      submit: { type: 'plain_text', text: 'Submit', emoji: true },
    },
    values: opts.values,
    hash: '1700000000.abcdefgh',
    triggerId: opts.triggerId ?? randomTriggerId(),
  });
}

/** A signed modal submission. */
export function viewSubmissionEvent(opts: ViewSubmissionEventOptions): APIGatewayProxyEventV2 {
  return rawSignedEvent({ ...signing(opts), body: interactionBody(viewSubmissionPayload(opts)) });
}
