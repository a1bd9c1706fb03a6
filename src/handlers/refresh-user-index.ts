import { rebuildUserIndex, scanIsDue } from '../domain/iam-user-index';
import type { InvocationContext } from '../domain/ports';
import { lazy, liveUserIndexDeps, type UserIndexRefreshDeps } from '../wiring';

/**
 * The scheduled IAM user index refresh (EventBridge, every minute). It scans the IAM users' SlackUserId
 * tags into the index when a mention or a click missed it since its last scan (the slack function only
 * asks, with one conditional write, and never scans), or when its last scan is an hour old; otherwise it
 * reads two items and stops. With IAM_USER_MAPPING=email there is no index and it does nothing. Its role
 * may list users and their tags and read and write only the index's keys of the requests table.
 */
export const makeRefreshUserIndexHandler =
  (deps: () => Promise<UserIndexRefreshDeps>) =>
  async (
    _event: unknown,
    context?: InvocationContext,
  ): Promise<{ taggedUsers: number; why: string } | { skipped: string }> => {
    const live = await deps();
    live.log.startInvocation(context);
    if (!live.enabled) return { skipped: 'IAM_USER_MAPPING is not tag' };
    const { due, why } = await scanIsDue(live);
    if (!due) return { skipped: why };
    const scan = await rebuildUserIndex(live);
    return { taggedUsers: scan.users, why };
  };

export const handler = makeRefreshUserIndexHandler(lazy(() => liveUserIndexDeps()));
