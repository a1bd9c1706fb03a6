import { type AccountRefresh, refreshUserIndexes } from '../domain/iam-user-index';
import type { InvocationContext } from '../domain/ports';
import { lazy } from '../lazy';
import { liveUserIndexDeps, type UserIndexRefreshDeps } from '../wiring';

/** What one tick did: each account's outcome (hub first, then ACCOUNTS' order), or why it did nothing. */
export type RefreshUserIndexResult = { accounts: AccountRefresh[] } | { skipped: string };

/**
 * The scheduled IAM user index refresh (EventBridge, every minute), for every configured account: the hub
 * with its own credentials, each member through its member role `codebuild-access-<stage>-member-
 * refreshUserIndex` (session `index-refresh`). An account is scanned (its users' SlackUserId tags into its
 * own index) when a mention or a click missed it since its last scan (the slack function only asks, with
 * one conditional write, and never scans), or when its last scan is an hour old; otherwise the tick reads
 * two items for it. Due accounts are scanned one at a time, hub first, while Lambda's remaining time allows
 * a scan; a member that refuses the role is logged with what to deploy and the others go on. With
 * IAM_USER_MAPPING=email there is no index and it does nothing. Its role may list users and their tags,
 * assume only its own member role, and read and write only the index's keys of the requests table.
 */
export const makeRefreshUserIndexHandler =
  (deps: () => Promise<UserIndexRefreshDeps>) =>
  async (_event: unknown, context?: InvocationContext): Promise<RefreshUserIndexResult> => {
    const live = await deps();
    live.log.startInvocation(context);
    if (!live.enabled) return { skipped: 'IAM_USER_MAPPING is not tag' };
    // Without a Lambda context (local mode, tests) there is no time limit.
    const remainingMs = () => context?.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY;
    const accounts = await refreshUserIndexes(live, remainingMs);
    if (accounts.some((entry) => entry.outcome !== 'up to date')) {
      live.log.info('IAM user index refresh tick', {
        accounts: accounts.map((entry) => `${entry.account}: ${entry.outcome}`),
      });
    }
    return { accounts };
  };

export const handler = makeRefreshUserIndexHandler(lazy(() => liveUserIndexDeps()));
