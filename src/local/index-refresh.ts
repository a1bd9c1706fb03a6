import type { AccountRefresh } from '../domain/iam-user-index';
import type { IamUserMapping } from '../domain/resolve-target';
import { makeRefreshUserIndexHandler } from '../handlers/refresh-user-index';
import { lazy } from '../lazy';
import { liveUserIndexDeps, type UserIndexRefreshClients } from '../wiring';

/** How often local mode ticks the refresh (AWS: every minute); a miss is served by the next tick. */
export const LOCAL_INDEX_REFRESH_MS = 5000;

/** The log line of one account's tick, or none when there was nothing to do. */
export function describeAccountRefresh(entry: AccountRefresh): string | undefined {
  const account = `${entry.account} (${entry.accountId})`;
  switch (entry.outcome) {
    case 'scanned':
      return `IAM user index of ${account} refreshed (${entry.why}): ${entry.taggedUsers} tagged users`;
    case 'refused':
    case 'failed':
      return `IAM user index of ${account} not refreshed: ${entry.message}`;
    case 'deferred':
      return `IAM user index of ${account} left for the next tick (${entry.why})`;
    case 'up to date':
      return undefined;
  }
}

/**
 * Local mode's refreshUserIndex (IAM_USER_MAPPING=tag): the function's own handler, on a timer, so every
 * account's index is built at start and a miss's re-scan request is served within seconds. With the
 * sandbox organization's STS and clients, each member is scanned through its member role; one that
 * refuses it (staging, without the member stack) is logged and the others go on. One tick at a time, as
 * the deployed function (reserved concurrency 1). Returns how to stop it.
 */
export function startLocalIndexRefresh(
  mapping: IamUserMapping,
  env: Record<string, string | undefined>,
  clients: UserIndexRefreshClients,
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
      if ('accounts' in out) {
        for (const line of out.accounts.map(describeAccountRefresh)) if (line) log(line);
      }
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
