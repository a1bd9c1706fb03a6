import * as z from 'zod';
import { auditEvent, threadText } from '../../domain/audit-trail';
import { OutcomeNotDeliveredError } from '../../domain/errors';
import { summarizeJournal } from '../../domain/grant-ledger';
import { manualCommand } from '../../domain/plans';
import { type AccessRequest, REQUEST_ID_PATTERN } from '../../domain/request';
import type { TaskDeps } from './deps';

/** EventBridge's "Step Functions Execution Status Change" event, for the states the rule selects. */
export const ExecutionStoppedEvent = z
  .object({
    'detail-type': z.literal('Step Functions Execution Status Change'),
    detail: z
      .object({
        name: z.string(),
        status: z.enum(['FAILED', 'TIMED_OUT', 'ABORTED']),
        error: z.string().nullish(),
      })
      .loose(),
  })
  .loose();
export type ExecutionStoppedEvent = z.infer<typeof ExecutionStoppedEvent>;

/** The Fail state the workflow ends in after it has reported a failure itself ("Request failed"). */
const REPORTED_FAILURE = 'RequestFailed';
/** The Fail state of a permanent change whose outcome Slack refused ("Outcome not delivered"). */
const UNDELIVERED_OUTCOME = 'OutcomeNotDelivered';

/**
 * The EventBridge rule on the state machine's FAILED / TIMED_OUT / ABORTED executions: posts "the
 * workflow for REQ-… stopped: …" into the request's thread, naming what the request applied that may
 * still be in effect (with the command to undo it). Throws when Slack refuses, so the function's
 * Errors alarm fires; a run that already reported its own failure is skipped.
 */
export async function reportStopped(
  deps: TaskDeps,
  event: ExecutionStoppedEvent,
): Promise<{ posted: boolean }> {
  const { detail } = event;
  const requestId = detail.name;
  if (
    !REQUEST_ID_PATTERN.test(requestId) ||
    (detail.status === 'FAILED' && detail.error === REPORTED_FAILURE)
  ) {
    return { posted: false };
  }
  deps.log.appendKeys({ requestId });
  const request = await deps.store.get(requestId);
  if (!request) {
    deps.log.error('a workflow stopped for a request with no record', { status: detail.status });
    return { posted: false };
  }
  if (detail.error === UNDELIVERED_OUTCOME) {
    // The change went through; only its report was lost. Repost it from the record.
    const outcome = request.events.at(-1)?.text ?? 'unknown';
    return post(
      deps,
      request,
      deps.wording.say({ kind: 'stopped_undelivered', requestId, outcomeText: outcome }),
    );
  }
  const { inEffect, uncertain } = summarizeJournal(request.completedSteps);
  const mayBeInEffect = [...inEffect, ...uncertain].map((step) => {
    const undo = step.undo ?? request.plan?.steps.find((planned) => planned.id === step.stepId)?.undo;
    return { description: step.description, ...(undo ? { undoCommand: manualCommand(undo) } : {}) };
  });
  deps.log.error('workflow stopped', { status: detail.status, error: detail.error });
  return post(
    deps,
    request,
    deps.wording.say({
      kind: 'stopped',
      requestId,
      requester: request.requester.userId,
      how: { status: detail.status, ...(typeof detail.error === 'string' ? { error: detail.error } : {}) },
      mayBeInEffect,
      wasActive: request.status === 'active',
    }),
  );
}

async function post(deps: TaskDeps, request: AccessRequest, text: string): Promise<{ posted: boolean }> {
  const { requestId } = request;
  await deps.store.appendEvent(requestId, auditEvent(deps.clock, 'failed', text));
  try {
    await deps.slack.post({
      channel: request.card?.channel ?? deps.auditChannelId,
      ...(request.card ? { threadTs: request.card.ts } : {}),
      text: threadText(deps, request, text),
    });
  } catch (error) {
    throw new OutcomeNotDeliveredError(`The stop of ${requestId}'s workflow could not be posted to Slack.`, {
      cause: error,
    });
  }
  return { posted: true };
}
