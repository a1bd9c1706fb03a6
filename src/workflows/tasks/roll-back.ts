import { auditEvent, recordEvent } from '../../domain/audit-trail';
import { BotError, TransientError } from '../../domain/errors';
import { describeOperation, foreignUndo, manualCommand } from '../../domain/plan';
import type { AccessRequest, AuditEventType, CompletedStep } from '../../domain/request';
import { loadRequest, requireAccount, type TaskDeps } from './deps';
import { runOperation } from './run-operation';

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

export interface UndoResult {
  rolledBack: number;
  failed: Array<{ description: string; command: string; reason: string }>;
}

/**
 * "Roll back the change": undoes every journaled change in reverse order. Each undo is journaled, so
 * a retry continues where it stopped. Undos that fail for good are reported with the manual command.
 */
export async function rollBack(deps: TaskDeps, requestId: string): Promise<UndoResult> {
  const request = await loadRequest(deps, requestId);
  return undoJournal(deps, request, { title: ':rewind: Rollback', eventType: 'rolled_back' });
}

/**
 * Undoes the journaled changes still in effect (those `keep` does not exempt), newest first, and
 * records one audit event listing what was undone and what was not (with the command to run by hand).
 */
export async function undoJournal(
  deps: TaskDeps,
  request: AccessRequest,
  options: { title: string; eventType: AuditEventType; keep?: (step: CompletedStep) => string | undefined },
): Promise<UndoResult> {
  const { requestId } = request;
  const { inEffect } = summarizeJournal(request.completedSteps);
  const account = requireAccount(deps);
  const createdKeyArn = request.completedSteps.find((step) => step.output?.keyArn)?.output?.keyArn;
  const undone: CompletedStep[] = [];
  const kept: string[] = [];
  const failed: UndoResult['failed'] = [];
  let transient: TransientError | undefined;
  for (const step of [...inEffect].reverse()) {
    if (!step.undo) continue;
    const keepReason = options.keep?.(step);
    if (keepReason !== undefined) {
      kept.push(`• kept: ${step.description} (${keepReason})`);
      continue;
    }
    // The journal is data in a record; run only an undo the code builds for this request.
    const foreign = foreignUndo(request, account, step.undo, createdKeyArn);
    if (foreign !== undefined) {
      failed.push({
        description: step.description,
        command: 'none: check the request record',
        reason: foreign,
      });
      continue;
    }
    try {
      const { outcome } = await runOperation(deps, step.undo);
      await deps.store.appendCompletedStep(requestId, {
        stepId: `${UNDO_PREFIX}${step.stepId}`,
        description: describeOperation(step.undo),
        outcome,
        undo: null,
        at: deps.clock.now().toISOString(),
      });
      undone.push(step);
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
    // Let the workflow retry the whole task with backoff; journaled undos are skipped next time.
    throw transient;
  }
  if (undone.length > 0 || failed.length > 0 || kept.length > 0) {
    const lines = [
      ...undone.map((step) => `• undone: ${step.description}`),
      ...kept,
      ...failed.map((item) => `• NOT undone: ${item.description}. Run by hand: \`${item.command}\``),
    ];
    await recordEvent(
      deps,
      request,
      auditEvent(deps.clock, options.eventType, `${options.title}:\n${lines.join('\n')}`),
    );
  }
  return { rolledBack: undone.length, failed };
}
