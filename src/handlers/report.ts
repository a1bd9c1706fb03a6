import type { InvocationContext } from '../domain/ports';
import { lazy } from '../lazy';
import { noIam, taskLambdaDeps } from '../wiring';
import { TASKS } from '../workflows/tasks/registry';
import { ExecutionStoppedEvent, reportStopped } from '../workflows/tasks/report-stopped';
import { makeTaskHandler } from './task-handler';

const deps = lazy(() => taskLambdaDeps({ iam: () => noIam('Report') }));
const reportTask = makeTaskHandler(TASKS.Report, deps);

/**
 * The workflow's Report tasks, and the EventBridge rule on the state machine's stopped executions
 * (its events carry `detail-type`, which no task input has).
 */
export const handler = async (event: unknown, context?: InvocationContext): Promise<unknown> => {
  const stopped = ExecutionStoppedEvent.safeParse(event);
  if (!stopped.success) return reportTask(event, context);
  const live = await deps();
  live.log.startInvocation(context);
  return reportStopped(live, stopped.data);
};
