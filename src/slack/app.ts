import { App, LogLevel, type Receiver } from '@slack/bolt';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import { type ListenerDeps, registerListeners } from './listeners';

export type SlackAppDeps = ListenerDeps;

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
  const clientOptions: WebClientOptions = {
    ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
    logLevel: LogLevel.WARN,
    // A click handler must finish fast; a rate-limited call fails now instead of sleeping.
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 1, factor: 1, minTimeout: 100, maxTimeout: 300 },
  };
  const app = new App({
    // One workspace, one bot token: `authorize` hands Bolt the token as it is. Given `token` instead,
    // Bolt calls auth.test at construction, or (tokenVerificationEnabled: false) before EVERY event,
    // i.e. one Slack round trip in front of every ack; bench/ measured it. Our listeners use neither
    // the bot id nor the bot user id that auth.test would add.
    authorize: async () => ({ botToken: options.botToken }),
    receiver: options.receiver,
    logLevel: LogLevel.WARN,
    clientOptions,
  });
  // With `authorize`, Bolt leaves app.client without a token; the deps post with this one.
  app.client = new WebClient(options.botToken, clientOptions);
  const deps = makeDeps(app);
  registerListeners(app, deps);
  return app;
}
