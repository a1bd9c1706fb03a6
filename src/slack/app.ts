import { App, LogLevel, type Receiver } from '@slack/bolt';
import type { InspectDeps } from '../domain/inspect-target';
import type { SubmitDeps } from '../domain/submit-request';
import { registerCommandListener } from './listeners/command';
import { type DecisionDeps, registerDecisionListeners } from './listeners/decision';

export type SlackAppDeps = SubmitDeps & DecisionDeps & InspectDeps;

export interface SlackAppOptions {
  botToken: string;
  receiver: Receiver;
  slackApiUrl?: string;
}

/**
 * The Bolt app: the same listeners in Lambda (AwsLambdaReceiver) and in local mode.
 * `deps` is built from the app's own client, hence the callback.
 */
export function createSlackApp(options: SlackAppOptions, makeDeps: (app: App) => SlackAppDeps): App {
  const app = new App({
    token: options.botToken,
    receiver: options.receiver,
    // No auth.test call at cold start: it would cost a network round trip before the first ack.
    tokenVerificationEnabled: false,
    logLevel: LogLevel.WARN,
    clientOptions: {
      ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
      // A click handler must finish fast; a rate-limited call fails now instead of sleeping.
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 1, factor: 1, minTimeout: 100, maxTimeout: 300 },
    },
  });
  const deps = makeDeps(app);
  registerCommandListener(app, deps);
  registerDecisionListeners(app, deps);
  return app;
}
