/**
 * One tick of the refreshUserIndex function (its real handler and wiring) against a harness's sandbox
 * account and dynalite: what EventBridge runs every minute in AWS.
 */
import { makeRefreshUserIndexHandler } from '../../src/handlers/refresh-user-index';
import { liveUserIndexDeps } from '../../src/wiring';
import { testDynamoClient } from './dynalite';
import type { Harness } from './harness';

export async function refreshTick(
  h: Harness,
): Promise<{ taggedUsers: number; why: string } | { skipped: string }> {
  const handler = makeRefreshUserIndexHandler(() =>
    liveUserIndexDeps(h.env, {
      iam: h.iam.clients.iam,
      dynamodb: testDynamoClient(process.env.AWS_ENDPOINT_URL_DYNAMODB ?? ''),
    }),
  );
  return handler({});
}
