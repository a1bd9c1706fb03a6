import type { z } from 'zod';
import { BotError } from '../domain/errors';
import type { TaskDeps } from '../workflows/tasks/deps';
import type { TaskDefinition } from '../workflows/tasks/registry';

/**
 * A workflow task Lambda: validate the state input at the edge, run the task, and log a failure with
 * the request id before Step Functions sees it (it matches Retry/Catch on the error's name).
 */
export function makeTaskHandler<S extends z.ZodType, R>(
  { schema, run }: TaskDefinition<S, R>,
  getDeps: () => Promise<TaskDeps>,
): (event: unknown) => Promise<R> {
  return async (event: unknown) => {
    const input = schema.parse(event);
    const deps = await getDeps();
    try {
      return await run(deps, input);
    } catch (error) {
      const requestId = (input as { requestId?: string }).requestId;
      deps.log.error('task failed', {
        requestId,
        error:
          error instanceof Error
            ? {
                name: error.name,
                message: error.message,
                detail: error instanceof BotError ? error.detail : undefined,
              }
            : String(error),
      });
      throw error;
    }
  };
}
