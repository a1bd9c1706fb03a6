// Secrets come from the AWS Parameters and Secrets Lambda Extension (a layer on every function, see
// serverless.yml) over localhost HTTP, not from an SSM client: the SSM client and Powertools Parameters
// were 98 KB of every bundle (measured in docs/performance.md). node:http, not fetch: the SDK's HTTP
// handler loads node:http anyway, while the first fetch() loads undici inside Node (tens of ms).
import { request } from 'node:http';
import type { SecretRef } from '../config';
import { ConfigMissingError } from '../domain/errors';

/** Where the extension listens, and the header value it requires (the function's own session token). */
export interface SecretsExtension {
  port: number;
  sessionToken?: string;
}

/** The extension's own default port (PARAMETERS_SECRETS_EXTENSION_HTTP_PORT changes it). */
export const DEFAULT_EXTENSION_PORT = 2773;

// The extension refuses longer waits itself after its own timeout; this bounds a hung localhost socket.
const EXTENSION_TIMEOUT_MS = 2_000;

/**
 * Resolves a secret: the value itself (local runs and tests) or an SSM SecureString parameter read
 * through the Parameters and Secrets Lambda Extension, which decrypts it and caches it for
 * SSM_PARAMETER_STORE_TTL (300 s, set in serverless.yml), so a rotated token takes effect without a
 * deploy. The value is never logged, nor put in an error.
 */
export async function resolveSecret(ref: SecretRef, name: string): Promise<string> {
  if (ref.value !== undefined) return ref.value;
  if (ref.parameter === undefined) {
    throw new ConfigMissingError(`No value or SSM parameter is configured for ${name}.`);
  }
  const extension = ref.extension ?? { port: DEFAULT_EXTENSION_PORT };
  const value = await readParameter(ref.parameter, name, extension);
  if (value === '') {
    throw new ConfigMissingError(`SSM parameter ${ref.parameter} (${name}) is empty or missing.`);
  }
  return value;
}

/** GET /systemsmanager/parameters/get?name=…&withDecryption=true on the extension; its JSON's Parameter.Value. */
function readParameter(parameter: string, name: string, extension: SecretsExtension): Promise<string> {
  const path = `/systemsmanager/parameters/get?name=${encodeURIComponent(parameter)}&withDecryption=true`;
  const unreachable = (why: string, cause?: unknown) =>
    new ConfigMissingError(
      `Could not read SSM parameter ${parameter} (${name}) through the AWS Parameters and Secrets Lambda ` +
        `Extension on localhost:${extension.port}: ${why}. Deploy the function with the extension's layer ` +
        '(serverless.yml: provider.layers) and allow ssm:GetParameter on the parameter.',
      cause === undefined ? undefined : { cause },
    );
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: extension.port,
        path,
        method: 'GET',
        headers: extension.sessionToken ? { 'X-Aws-Parameters-Secrets-Token': extension.sessionToken } : {},
        timeout: EXTENSION_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => reject(unreachable('the answer was cut short', error)));
        res.on('end', () => {
          // The body of an error may quote the request; only its status goes into our message.
          if (res.statusCode !== 200) return reject(unreachable(`HTTP ${res.statusCode}`));
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
              Parameter?: { Value?: unknown };
            };
            const value = body.Parameter?.Value;
            resolve(typeof value === 'string' ? value : '');
          } catch {
            reject(unreachable('its answer was not JSON'));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${EXTENSION_TIMEOUT_MS} ms`)));
    req.on('error', (error) => reject(unreachable((error as Error).message, error)));
    req.end();
  });
}
