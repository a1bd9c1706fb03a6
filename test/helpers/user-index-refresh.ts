/**
 * One tick of the refreshUserIndex function (its real handler and wiring) against a harness's sandbox
 * account (and, with members, the sandbox organization's STS and member accounts) and dynalite: what
 * EventBridge runs every minute in AWS.
 */

import type { AwsCredentialIdentity } from '@smithy/types';
import { hubRoleArn } from '../../src/domain/accounts';
import type { AccountRefresh } from '../../src/domain/iam-user-index';
import type { InvocationContext } from '../../src/domain/ports';
import {
  makeRefreshUserIndexHandler,
  type RefreshUserIndexResult,
} from '../../src/handlers/refresh-user-index';
import { liveUserIndexDeps } from '../../src/wiring';
import { testDynamoClient } from './dynalite';
import type { Harness } from './harness';

/** A Lambda context with this much time left (the handler stops starting scans when it is short). */
export const lambdaContext = (remainingMs: number): InvocationContext => ({
  functionName: 'codebuild-access-dev-refreshUserIndex',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:codebuild-access-dev-refreshUserIndex',
  memoryLimitInMB: '256',
  awsRequestId: 'tick-1',
  getRemainingTimeInMillis: () => remainingMs,
});

/** The refresh handler a harness's tick runs (the real one, over the harness's sandbox). */
export function refreshHandler(h: Harness) {
  const { org } = h;
  return makeRefreshUserIndexHandler(() =>
    liveUserIndexDeps(h.env, {
      iam: h.iam.clients.iam,
      dynamodb: testDynamoClient(process.env.AWS_ENDPOINT_URL_DYNAMODB ?? ''),
      ...(org
        ? {
            sts: (fn) => org.stsClient(hubRoleArn('aws', h.iam.account.accountId, 'dev', fn)),
            accountClients: (credentials: AwsCredentialIdentity | undefined) => org.clientsFor(credentials),
          }
        : {}),
    }),
  );
}

/** One tick: the whole result (every account's outcome). */
export async function refreshTicks(h: Harness, context?: InvocationContext): Promise<RefreshUserIndexResult> {
  return refreshHandler(h)({}, context);
}

/**
 * One tick in a harness of the hub alone: the hub's outcome, as `{ taggedUsers, why }` when it scanned
 * or `{ skipped }` otherwise.
 */
export async function refreshTick(
  h: Harness,
): Promise<{ taggedUsers: number; why: string } | { skipped: string }> {
  const out = await refreshTicks(h);
  if ('skipped' in out) return out;
  const hub: AccountRefresh | undefined = out.accounts[0];
  if (hub?.outcome === 'scanned') return { taggedUsers: hub.taggedUsers, why: hub.why };
  return { skipped: hub?.outcome === 'up to date' ? 'up to date' : JSON.stringify(hub) };
}
