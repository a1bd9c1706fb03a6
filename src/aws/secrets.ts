import type { SecretRef } from '../config';

// Secrets are re-read at most every 5 minutes, so a rotated token takes effect without a deploy.
const SECRET_MAX_AGE_SECONDS = 300;

/**
 * Resolves a secret: the value itself (local runs and tests) or an SSM SecureString parameter via
 * Powertools Parameters, which caches it per container. Never logged.
 */
export async function resolveSecret(ref: SecretRef, name: string): Promise<string> {
  if (ref.value !== undefined) return ref.value;
  if (ref.parameter === undefined) throw new Error(`No value or SSM parameter configured for ${name}`);
  // Loaded on first use: the SSM client is not needed when secrets come from the environment.
  const { getParameter } = await import('@aws-lambda-powertools/parameters/ssm');
  const value = await getParameter(ref.parameter, { decrypt: true, maxAge: SECRET_MAX_AGE_SECONDS });
  if (typeof value !== 'string' || value === '') {
    throw new Error(`SSM parameter ${ref.parameter} (${name}) is empty or missing`);
  }
  return value;
}
