import { resolveSecret } from '../../src/aws/secrets';
import { ConfigError, loadConfig } from '../../src/config';
import { ConfigMissingError } from '../../src/domain/errors';
import { liveSlackRuntime, makeSlackHandler } from '../../src/handlers/slack';
import { lazy } from '../../src/lazy';
import { type FakeSecretsExtension, startFakeSecretsExtension } from '../helpers/fake-secrets-extension';
import { slashCommandEvent } from '../helpers/signed-event';

// Deployed functions read their two SecureString parameters through the AWS Parameters and Secrets Lambda
// Extension (a layer, localhost HTTP), not an SSM client; here a loopback server answers as it does.

const SESSION_TOKEN = 'session-token-of-the-function';
const SIGNING_SECRET = 'extension-signing-secret-0123456789abcdef';
const BOT_TOKEN = 'xoxb-extension-bot-token';
const PARAMETERS = {
  '/codebuild-access/dev/slack-signing-secret': SIGNING_SECRET,
  '/codebuild-access/dev/slack-bot-token': BOT_TOKEN,
  '/codebuild-access/dev/empty': '',
};

let extension: FakeSecretsExtension;

beforeEach(async () => {
  extension = await startFakeSecretsExtension({ parameters: PARAMETERS, sessionToken: SESSION_TOKEN });
});

afterEach(async () => {
  await extension.stop();
});

const env = (overrides: Record<string, string | undefined> = {}) => ({
  REQUESTS_TABLE: 'requests',
  AUDIT_CHANNEL_ID: 'C0AUDIT',
  AWS_REGION: 'us-east-1',
  // Bolt and the clients are built on the first event, but `help` calls neither AWS nor Slack.
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:111122223333:stateMachine:access-request',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  SLACK_SIGNING_SECRET_PARAMETER: '/codebuild-access/dev/slack-signing-secret',
  SLACK_BOT_TOKEN_PARAMETER: '/codebuild-access/dev/slack-bot-token',
  PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
  AWS_SESSION_TOKEN: SESSION_TOKEN,
  ...overrides,
});

describe('secrets through the Parameters and Secrets Lambda Extension', () => {
  it('the slack handler verifies a signed command with the signing secret the extension returned', async () => {
    const handler = makeSlackHandler(lazy(() => liveSlackRuntime(env())));

    const response = await handler(slashCommandEvent({ secret: SIGNING_SECRET, text: 'help' }));

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '{}')).toEqual({
      response_type: 'ephemeral',
      text: expect.stringContaining('/codebuild-access'),
    });
    // Both parameters, decrypted, each with the function's session token, fetched once per container.
    expect(extension.requests).toEqual(
      expect.arrayContaining([
        { name: '/codebuild-access/dev/slack-signing-secret', withDecryption: 'true', token: SESSION_TOKEN },
        { name: '/codebuild-access/dev/slack-bot-token', withDecryption: 'true', token: SESSION_TOKEN },
      ]),
    );
    expect(extension.requests).toHaveLength(2);
    await handler(slashCommandEvent({ secret: SIGNING_SECRET, text: 'help' }));
    expect(extension.requests).toHaveLength(2);
  });

  it('the slack handler rejects a command signed with another secret than the parameter holds', async () => {
    const handler = makeSlackHandler(lazy(() => liveSlackRuntime(env())));

    const response = await handler(
      slashCommandEvent({ secret: 'not-the-parameter-value-0123456789', text: 'help' }),
    );

    expect(response.statusCode).toBe(401);
  });

  it('a value given directly is used as it is, and the extension is never asked', async () => {
    const config = loadConfig(env({ SLACK_BOT_TOKEN: 'xoxb-direct' }));

    await expect(resolveSecret(config.botToken!, 'SLACK_BOT_TOKEN')).resolves.toBe('xoxb-direct');
    expect(extension.requests).toEqual([]);
  });

  it('an extension that refuses the session token names the parameter and what to deploy, not the token', async () => {
    const config = loadConfig(env({ AWS_SESSION_TOKEN: 'a-stale-session-token' }));

    const failure = await resolveSecret(config.botToken!, 'SLACK_BOT_TOKEN').catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ConfigMissingError);
    const message = (failure as ConfigMissingError).userMessage;
    expect(message).toContain('/codebuild-access/dev/slack-bot-token (SLACK_BOT_TOKEN)');
    expect(message).toContain('HTTP 403');
    expect(message).toContain('Parameters and Secrets Lambda Extension');
    expect(message).not.toContain('a-stale-session-token');
  });

  it('no extension listening (a function deployed without the layer) says so', async () => {
    await extension.stop();
    const config = loadConfig(env({ PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port) }));
    extension = await startFakeSecretsExtension({ parameters: {}, sessionToken: SESSION_TOKEN });

    const failure = await resolveSecret(config.signingSecret!, 'SLACK_SIGNING_SECRET').catch(
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(ConfigMissingError);
    expect((failure as ConfigMissingError).userMessage).toMatch(
      /SSM parameter \/codebuild-access\/dev\/slack-signing-secret \(SLACK_SIGNING_SECRET\).*ECONNREFUSED.*layer/,
    );
  });

  it('an empty parameter is refused by name', async () => {
    const config = loadConfig(env({ SLACK_BOT_TOKEN_PARAMETER: '/codebuild-access/dev/empty' }));

    await expect(resolveSecret(config.botToken!, 'SLACK_BOT_TOKEN')).rejects.toThrow(
      'SSM parameter /codebuild-access/dev/empty (SLACK_BOT_TOKEN) is empty or missing.',
    );
  });

  it('a port that is not a port is a configuration error naming the variable', () => {
    expect(() => loadConfig(env({ PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '70000' }))).toThrow(ConfigError);
    expect(() => loadConfig(env({ PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '70000' }))).toThrow(
      /PARAMETERS_SECRETS_EXTENSION_HTTP_PORT/,
    );
  });
});
