import { LogLevel, SocketModeReceiver } from '@slack/bolt';
import { loadConfig } from '../config';
import { type Clock, systemClock } from '../domain/ports';
import { createLogger } from '../log';
import { createSlackApp } from '../slack/app';
import { slackAppDeps } from '../slack/app-deps';
import type { AwsPorts } from '../wiring';

/**
 * The bot on a real Slack workspace over Socket Mode: Slack pushes commands and clicks through a
 * WebSocket the bot opens, so no public URL is needed. Same Bolt app and listeners as the slack Lambda
 * (createSlackApp); only the receiver differs. Slack signs nothing here: the app-level token
 * (xapp-…, connections:write) authenticates the socket instead of the signing secret.
 */

export interface SocketModeOptions {
  appToken: string;
  /** The bot's environment (REQUESTS_TABLE, AUDIT_CHANNEL_ID, APPROVER_USER_IDS, SLACK_BOT_TOKEN, …). */
  env: Record<string, string | undefined>;
  ports: AwsPorts;
  clock?: Clock;
}

export interface SocketModeHandle {
  stop(): Promise<void>;
}

/** Connects to Slack and serves the slash command and the buttons until stop(). */
export async function startSocketMode(options: SocketModeOptions): Promise<SocketModeHandle> {
  const config = loadConfig(options.env);
  const botToken = config.botToken?.value;
  if (!botToken) throw new Error('Socket Mode needs SLACK_BOT_TOKEN (xoxb-…) in the environment');
  const log = createLogger();
  const receiver = new SocketModeReceiver({ appToken: options.appToken, logLevel: LogLevel.WARN });
  // The same dependencies liveSlackRuntime gives the Lambda's app.
  const app = createSlackApp({ botToken, receiver }, (bolt) =>
    slackAppDeps(config, options.ports, bolt.client, log, options.clock ?? systemClock),
  );
  await app.start();
  return {
    stop: async () => {
      await app.stop();
    },
  };
}
