// A static import, though only deployed functions read SSM: import() would make esbuild bundle the
// whole SSM client (every command, +107 KB), while this keeps what Powertools uses. Importing it
// constructs no client and opens no connection.
import { getParameter } from '@aws-lambda-powertools/parameters/ssm';
import type { SecretRef } from '../config';
import { ConfigMissingError } from '../domain/errors';

// Secrets are re-read at most every 5 minutes, so a rotated token takes effect without a deploy.
const SECRET_MAX_AGE_SECONDS = 300;

/**
 * Resolves a secret: the value itself (local runs and tests) or an SSM SecureString parameter via
 * Powertools Parameters, which caches it per container. Never logged.
 */
export async function resolveSecret(ref: SecretRef, name: string): Promise<string> {
  if (ref.value !== undefined) return ref.value;
  if (ref.parameter === undefined) {
    throw new ConfigMissingError(`No value or SSM parameter is configured for ${name}.`);
  }
  const value = await getParameter(ref.parameter, { decrypt: true, maxAge: SECRET_MAX_AGE_SECONDS });
  if (typeof value !== 'string' || value === '') {
    throw new ConfigMissingError(`SSM parameter ${ref.parameter} (${name}) is empty or missing.`);
  }
  return value;
}
