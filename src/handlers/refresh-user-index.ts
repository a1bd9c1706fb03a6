import { rebuildUserIndex } from '../domain/iam-user-index';
import type { InvocationContext } from '../domain/ports';
import { lazy, liveUserIndexDeps } from '../wiring';

const deps = lazy(() => liveUserIndexDeps());

/**
 * The scheduled IAM user index refresh (EventBridge, every hour): one scan of the IAM users' SlackUserId
 * tags, written to the index, so a mention or a click rarely misses it. With IAM_USER_MAPPING=email
 * there is no index and it does nothing. Its role may list users and their tags and write only the
 * index's keys of the requests table.
 */
export const handler = async (
  _event: unknown,
  context?: InvocationContext,
): Promise<{ taggedUsers: number } | { skipped: string }> => {
  const live = await deps();
  live.log.startInvocation(context);
  if (!live.enabled) return { skipped: 'IAM_USER_MAPPING is not tag' };
  const scan = await rebuildUserIndex(live);
  return { taggedUsers: scan.users };
};
