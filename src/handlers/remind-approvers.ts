import type { InvocationContext } from '../domain/ports';
import { remindApprovers } from '../domain/remind-approvers';
import { lazy } from '../lazy';
import { liveReminderDeps } from '../wiring';

const deps = lazy(() => liveReminderDeps());

/**
 * The scheduled approver reminder (EventBridge, every 15 minutes): one DM per approver for each request
 * still waiting after APPROVER_REMINDER_SECONDS. It reads the byStatus index and writes only
 * approversRemindedAt; it has no Step Functions permission at all.
 */
export const handler = async (
  _event: unknown,
  context?: InvocationContext,
): Promise<{ reminded: string[] }> => {
  const live = await deps();
  live.log.startInvocation(context);
  return remindApprovers(live);
};
