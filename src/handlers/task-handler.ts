import type { z } from 'zod';
import type { InvocationContext } from '../domain/ports';
import type { TaskDeps } from '../workflows/tasks/deps';
import type { TaskDefinition } from '../workflows/tasks/registry';

/**
 * A workflow task Lambda: validate the state input at the edge, run the task, and log a failure with
 * the request id (appended to every line of the invocation) before Step Functions sees it (it
 * matches Retry/Catch on the error's name).
 */
export function makeTaskHandler<S extends z.ZodType, R>(
  { schema, run }: TaskDefinition<S, R>,
  getDeps: () => Promise<TaskDeps>,
): (event: unknown, context?: InvocationContext) => Promise<R> {
  return async (event: unknown, context?: InvocationContext) => {
    const input = schema.parse(event);
    const deps = await getDeps();
    deps.log.startInvocation(context);
    deps.log.appendKeys({ requestId: (input as { requestId?: string }).requestId });
    try {
      return await run(deps, input);
    } catch (error) {
      // The error object itself: Powertools keeps its name, message, stack, cause and a BotError's detail.
      deps.log.error('task failed', { error });
      throw error;
    }
  };
}
