import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { IamUserMapping } from '../domain/resolve-target';
import { makeRefreshUserIndexHandler } from '../handlers/refresh-user-index';
import { lazy, liveUserIndexDeps } from '../wiring';

/** How often local mode ticks the refresh (AWS: every minute); a miss is served by the next tick. */
export const LOCAL_INDEX_REFRESH_MS = 5000;

/**
 * Local mode's refreshUserIndex (IAM_USER_MAPPING=tag): the function's own handler, on a timer, so the
 * index is built at start and a miss's re-scan request is served within seconds. One tick at a time, as
 * the deployed function (reserved concurrency 1). Returns how to stop it.
 */
export function startLocalIndexRefresh(
  mapping: IamUserMapping,
  env: Record<string, string | undefined>,
  clients: { iam: IAMClient; dynamodb: DynamoDBClient },
  log: (line: string) => void,
  everyMs: number = LOCAL_INDEX_REFRESH_MS,
): () => void {
  if (mapping !== 'tag') return () => undefined;
  const tick = makeRefreshUserIndexHandler(lazy(() => liveUserIndexDeps(env, clients)));
  let running = false;
  const run = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      const out = await tick({});
      if ('taggedUsers' in out) log(`IAM user index refreshed (${out.why}): ${out.taggedUsers} tagged users`);
    } catch (error) {
      log(`IAM user index refresh failed: ${(error as Error).message}`);
    } finally {
      running = false;
    }
  };
  void run();
  const timer = setInterval(() => void run(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
