import { AwsLambdaReceiver } from '@slack/bolt';
import type { Context } from 'aws-lambda';
import { resolveSecret } from '../aws/secrets';
import { loadConfig, requireSecret } from '../config';
import { type Clock, type Log, systemClock } from '../domain/ports';
import { lazy } from '../lazy';
import { createLogger } from '../log';
import { createSlackApp } from '../slack/app';
import { type SlackAppPorts, slackAppDeps } from '../slack/app-deps';
import { gateSlackRequest, type HttpEvent, type HttpResponse } from '../slack/http-gate';
import { deferredSlackPorts } from '../slack-ports';

type BoltLambdaHandler = (event: unknown, context: unknown) => Promise<HttpResponse>;

export interface SlackRuntime {
  signingSecret: string;
  bolt: BoltLambdaHandler;
  /** The listeners' logger too: they append the request id of the event being handled. */
  log: Log;
  nowSeconds(): number;
}

/**
 * The slack Lambda: our strict gate first, then Bolt with the already-decoded body. Always answers
 * 200, 400 or 401: Bolt's 404/500 (no listener, listener crash) become a 200 with a clear message.
 */
export function makeSlackHandler(getRuntime: () => Promise<SlackRuntime>) {
  return async (event: HttpEvent, context?: Context): Promise<HttpResponse> => {
    const runtime = await getRuntime();
    runtime.log.startInvocation(context);
    const gate = gateSlackRequest(event, runtime.signingSecret, runtime.nowSeconds());
    if (!gate.ok) {
      runtime.log.warn('rejected a Slack request', { reason: gate.reason, status: gate.response.statusCode });
      return gate.response;
    }
    const headers = { ...(event.headers ?? {}), 'content-type': gate.contentType };
    const response = await runtime.bolt(
      { ...event, headers, body: gate.rawBody, isBase64Encoded: false },
      context,
    );
    if (response.statusCode >= 400) {
      runtime.log.error('Bolt could not handle a verified request', { status: response.statusCode });
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          response_type: 'ephemeral',
          text: ':warning: Something went wrong on our side; nothing was changed. Please try again.',
        }),
      };
    }
    return response;
  };
}

/**
 * Builds the runtime on the first request: secrets from SSM (or env), clients, Bolt. Local mode passes
 * its own ports (sandbox IAM, local workflow) and clock; everything else is the Lambda's code.
 */
export async function liveSlackRuntime(
  env: Record<string, string | undefined> = process.env,
  overrides: { ports?: SlackAppPorts; clock?: Clock } = {},
): Promise<SlackRuntime> {
  const config = loadConfig(env);
  const clock = overrides.clock ?? systemClock;
  const [signingSecret, botToken] = await Promise.all([
    resolveSecret(requireSecret(config.signingSecret, 'SLACK_SIGNING_SECRET'), 'SLACK_SIGNING_SECRET'),
    resolveSecret(requireSecret(config.botToken, 'SLACK_BOT_TOKEN'), 'SLACK_BOT_TOKEN'),
  ]);
  const log = createLogger();
  // The AWS SDK loads with the first port call, not before: see deferredSlackPorts.
  const aws =
    overrides.ports ??
    deferredSlackPorts(
      config,
      lazy(async () => (await import('../slack-ports-live')).liveSlackPorts(config)),
    );
  // Our gate has verified the signature already; Bolt's own check is weaker (accepts future timestamps).
  const receiver = new AwsLambdaReceiver({ signingSecret, signatureVerification: false });
  createSlackApp(
    { botToken, receiver, ...(config.slackApiUrl ? { slackApiUrl: config.slackApiUrl } : {}) },
    (app) => slackAppDeps(config, aws, app.client, log, clock),
  );
  const bolt = (await receiver.start()) as unknown as BoltLambdaHandler;
  return { signingSecret, bolt, log, nowSeconds: () => Math.floor(clock.now().getTime() / 1000) };
}

export const handler = makeSlackHandler(lazy(() => liveSlackRuntime()));
