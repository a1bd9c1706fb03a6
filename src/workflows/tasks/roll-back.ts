import { auditEvent, recordEvent } from '../../domain/audit-trail';
import { BotError, TransientError } from '../../domain/errors';
import { describeOperation, manualCommand } from '../../domain/plan';
import type { CompletedStep } from '../../domain/request';
import { loadRequest, type TaskDeps } from './deps';

export const UNDO_PREFIX = 'undo:';

export interface JournalSummary {
  /** Steps that changed AWS and are still in effect. */
  inEffect: CompletedStep[];
  /** Steps whose undo ran. */
  rolledBack: CompletedStep[];
}

/** Reads the apply journal: what changed AWS, and which of those changes were undone since. */
export function summarizeJournal(steps: CompletedStep[]): JournalSummary {
  const undone = new Set(
    steps
      .filter((step) => step.stepId.startsWith(UNDO_PREFIX))
      .map((step) => step.stepId.slice(UNDO_PREFIX.length)),
  );
  const changes = steps.filter((step) => !step.stepId.startsWith(UNDO_PREFIX) && step.outcome === 'changed');
  return {
    inEffect: changes.filter((step) => !undone.has(step.stepId)),
    rolledBack: changes.filter((step) => undone.has(step.stepId)),
  };
}

/**
 * "Roll back the change": undoes every journaled change in reverse order. Each undo is journaled, so
 * a retry continues where it stopped. Undos that fail for good are reported with the manual command.
 */
export async function rollBack(
  deps: TaskDeps,
  requestId: string,
): Promise<{ rolledBack: number; failed: Array<{ description: string; command: string; reason: string }> }> {
  const request = await loadRequest(deps, requestId);
  const { inEffect, rolledBack } = summarizeJournal(request.completedSteps);
  const failed: Array<{ description: string; command: string; reason: string }> = [];
  let transient: TransientError | undefined;
  for (const step of [...inEffect].reverse()) {
    if (!step.undo) continue;
    try {
      const outcome = await deps.iam.run(step.undo);
      await deps.store.appendCompletedStep(requestId, {
        stepId: `${UNDO_PREFIX}${step.stepId}`,
        description: describeOperation(step.undo),
        outcome,
        undo: null,
        at: deps.clock.now().toISOString(),
      });
      rolledBack.push(step);
    } catch (error) {
      if (error instanceof TransientError) transient ??= error;
      failed.push({
        description: step.description,
        command: manualCommand(step.undo),
        reason: error instanceof BotError ? error.userMessage : String(error),
      });
    }
  }
  if (transient && failed.length > 0) {
    // Let the workflow retry the whole rollback with backoff; journaled undos are skipped next time.
    throw transient;
  }
  if (rolledBack.length > 0 || failed.length > 0) {
    const lines = [
      ...rolledBack.map((step) => `• undone: ${step.description}`),
      ...failed.map((item) => `• NOT undone: ${item.description}. Run by hand: \`${item.command}\``),
    ];
    await recordEvent(
      deps,
      request,
      auditEvent(deps.clock, 'rolled_back', `:rewind: Rollback:\n${lines.join('\n')}`),
    );
  }
  return { rolledBack: rolledBack.length, failed };
}
