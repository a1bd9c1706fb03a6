import { auditEvent, recordEvent } from '../../domain/audit-trail';
import { BotError, TransientError } from '../../domain/errors';
import { summarizeJournal, undoStepId } from '../../domain/grant-ledger';
import type { Notice, UndoLine } from '../../domain/notices';
import { describeOperation, foreignUndo, manualCommand, type Operation } from '../../domain/plan';
import type { AccessRequest, AuditEventType, CompletedStep } from '../../domain/request';
import { loadRequest, requireAccount, type TaskDeps } from './deps';
import { bindCreatedKey, runOperation } from './run-operation';

export { type JournalSummary, summarizeJournal } from '../../domain/grant-ledger';

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
  return undoJournal(deps, request, {
    notice: (lines) => ({ kind: 'rollback', lines }),
    eventType: 'rolled_back',
  });
}

/**
 * The undo of a step journaled as 'started' with no answer (the task died between the call and its
 * journal entry): the plan's own undo, which is idempotent ('unchanged' when the step had not acted).
 * Undefined when it cannot be built (a key the crashed step may have created has no known ARN).
 */
function undoOfUnanswered(request: AccessRequest, step: CompletedStep): Operation | undefined {
  const planned = request.plan?.steps.find((candidate) => candidate.id === step.stepId);
  if (!planned?.undo) return undefined;
  const createdKey = request.completedSteps.find((done) => done.output?.keyArn)?.output?.keyArn;
  const undo = bindCreatedKey(planned.undo, createdKey);
  return 'keyArn' in undo && undo.keyArn === null ? undefined : undo;
}

/**
 * Undoes the journaled changes still in effect (those `keep` does not exempt), newest first, and
 * records one audit event listing what was undone and what was not (with the command to run by hand).
 * A step that may have acted without being journaled is undone idempotently too: that both checks AWS
 * and reverses it, so nothing the bot may have done is left unreported.
 */
export async function undoJournal(
  deps: TaskDeps,
  request: AccessRequest,
  options: {
    /** What the report says around its lines (a rollback, a time limit). */
    notice: (lines: UndoLine[]) => Notice;
    eventType: AuditEventType;
    keep?: (step: CompletedStep) => string | undefined;
  },
): Promise<UndoResult> {
  const { requestId } = request;
  const { inEffect, uncertain } = summarizeJournal(request.completedSteps);
  const undone: UndoLine[] = [];
  const account = requireAccount(deps);
  const createdKeyArn = request.completedSteps.find((step) => step.output?.keyArn)?.output?.keyArn;
  const kept: UndoLine[] = [];
  const failed: UndoResult['failed'] = [];
  let transient: TransientError | undefined;
  // A planned step whose undo is null by design (a permanent grant taking over a policy a time-bound grant
  // attached) leaves nothing to undo, answered or not.
  const nothingToUndo = (step: CompletedStep): boolean =>
    request.plan?.steps.some((planned) => planned.id === step.stepId && planned.undo === null) ?? false;
  const pending: Array<{ step: CompletedStep; undo: Operation | null; unanswered: boolean }> = [
    ...uncertain
      .filter((step) => !nothingToUndo(step))
      .map((step) => ({ step, undo: undoOfUnanswered(request, step) ?? null, unanswered: true })),
    ...[...inEffect].reverse().map((step) => ({ step, undo: step.undo, unanswered: false })),
  ];
  for (const { step, undo, unanswered } of pending) {
    if (!undo) {
      if (unanswered) {
        failed.push({
          description: `${step.description} (may still be in effect: the bot stopped before recording IAM's answer)`,
          command: 'check it in the AWS console',
          reason: 'no undo could be built for it',
        });
      }
      continue;
    }
    const keepReason = options.keep?.(step);
    if (keepReason !== undefined) {
      kept.push({ kind: 'kept', description: step.description, reason: keepReason });
      continue;
    }
    // The journal is data in a record; run only an undo the code builds for this request.
    const foreign = foreignUndo(request, account, undo, createdKeyArn);
    if (foreign !== undefined) {
      failed.push({
        description: step.description,
        command: 'none: check the request record',
        reason: foreign,
      });
      continue;
    }
    try {
      const { outcome } = await runOperation(deps, undo);
      await deps.store.appendCompletedStep(requestId, {
        stepId: undoStepId(step.stepId),
        description: describeOperation(undo),
        outcome,
        undo: null,
        at: deps.clock.now().toISOString(),
      });
      const { description } = step;
      if (!unanswered) undone.push({ kind: 'undone', description });
      else if (outcome === 'changed') undone.push({ kind: 'undone_unanswered', description });
      else undone.push({ kind: 'checked', description });
    } catch (error) {
      if (error instanceof TransientError) transient ??= error;
      failed.push({
        description: unanswered ? `${step.description} (may still be in effect)` : step.description,
        command: manualCommand(undo),
        reason: error instanceof BotError ? error.userMessage : String(error),
      });
    }
  }
  if (transient && failed.length > 0) {
    // Let the workflow retry the whole task with backoff; journaled undos are skipped next time.
    throw transient;
  }
  if (undone.length > 0 || failed.length > 0 || kept.length > 0) {
    const lines: UndoLine[] = [
      ...undone,
      ...kept,
      ...failed.map(
        (item): UndoLine => ({ kind: 'not_undone', description: item.description, command: item.command }),
      ),
    ];
    await recordEvent(
      deps,
      request,
      auditEvent(deps.clock, options.eventType, deps.wording.say(options.notice(lines))),
    );
  }
  return {
    rolledBack: undone.filter((line) => line.kind !== 'checked').length,
    failed,
  };
}
