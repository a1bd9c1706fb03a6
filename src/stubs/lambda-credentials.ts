import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * The SDK's default credential chain, as a Lambda function meets it. Lambda hands every function its
 * role's credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, the chain's first link,
 * so its other links (profiles, SSO, login, process, web identity, instance metadata) never answer there;
 * yet they and the STS/SSO clients they import were ~95 KB of every bundle (docs/performance.md).
 * esbuild.config.js aliases `@aws-sdk/credential-provider-node` here for the Lambda bundles only; tests and
 * local mode load the real chain. The container endpoint stays as the second link, for runtimes that
 * serve credentials over HTTP (AWS_CONTAINER_CREDENTIALS_FULL_URI) instead of the environment.
 */
export const defaultProvider =
  (init: Parameters<typeof fromEnv>[0] = {}): AwsCredentialIdentityProvider =>
  async (properties) => {
    try {
      return await fromEnv(init)(properties);
    } catch (error) {
      // Read by the SDK's own provider too; this file stands in for that SDK module.
      if (
        !process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI &&
        !process.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
      )
        throw error;
      return fromHttp(init)(properties);
    }
  };
