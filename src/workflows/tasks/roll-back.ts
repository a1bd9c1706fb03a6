import { auditEvent, recordEvent } from '../../domain/audit-trail';
import { BotError, TransientError } from '../../domain/errors';
import { summarizeJournal, undoStepId } from '../../domain/grant-ledger';
import type { Notice, UndoLine } from '../../domain/notices';
import { describeOperation, foreignUndo, manualCommand, type Operation } from '../../domain/plans';
import type { AccessRequest, AuditEventType, CompletedStep } from '../../domain/request';
import { loadRequest, requireAccount, type TaskDeps } from './deps';
import { bindCreatedKey, runOperation } from './run-operation';

export { type JournalSummary, summarizeJournal } from '../../domain/grant-ledger';

/** A change the undo could not reverse, with the command a person can run instead. */
export interface UndoFailure {
  description: string;
  command: string;
  reason: string;
}

export interface UndoResult {
  rolledBack: number;
  failed: UndoFailure[];
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

/** A step that may have acted, for which no undo could be built: the person must check it by hand. */
const noUndoFor = (step: CompletedStep): UndoFailure => ({
  description: `${step.description} (may still be in effect: the bot stopped before recording IAM's answer)`,
  command: 'check it in the AWS console',
  reason: 'no undo could be built for it',
});

/** Runs one undo, journals it, and says what it did: undone, undone after no answer, or checked (nothing to undo). */
async function runUndo(
  deps: TaskDeps,
  requestId: string,
  step: CompletedStep,
  undo: Operation,
  unanswered: boolean,
): Promise<UndoLine> {
  const { outcome } = await runOperation(deps, undo);
  await deps.store.appendCompletedStep(requestId, {
    stepId: undoStepId(step.stepId),
    description: describeOperation(undo),
    outcome,
    undo: null,
    at: deps.clock.now().toISOString(),
  });
  const { description } = step;
  if (!unanswered) return { kind: 'undone', description };
  if (outcome === 'changed') return { kind: 'undone_unanswered', description };
  return { kind: 'checked', description };
}

/** The journal is data in a record; run only an undo the code builds for this request. */
function refuseForeignUndo(
  request: AccessRequest,
  account: ReturnType<typeof requireAccount>,
  step: CompletedStep,
  undo: Operation,
  createdKeyArn: string | undefined,
): UndoFailure | undefined {
  const foreign = foreignUndo(request, account, undo, createdKeyArn);
  if (foreign === undefined) return undefined;
  return { description: step.description, command: 'none: check the request record', reason: foreign };
}

/** An undo that failed, as the report lists it: what it was, the command to run by hand, and why. */
export const undoFailure = (description: string, undo: Operation, error: unknown): UndoFailure => ({
  description,
  command: manualCommand(undo),
  reason: error instanceof BotError ? error.userMessage : String(error),
});

/** runUndo, with a failure turned into the line the report shows (and the command to run by hand). */
async function attemptUndo(
  deps: TaskDeps,
  requestId: string,
  step: CompletedStep,
  undo: Operation,
  unanswered: boolean,
): Promise<{ line: UndoLine } | { failed: UndoFailure; error: unknown }> {
  try {
    return { line: await runUndo(deps, requestId, step, undo, unanswered) };
  } catch (error) {
    const description = unanswered ? `${step.description} (may still be in effect)` : step.description;
    return { error, failed: undoFailure(description, undo, error) };
  }
}

/** A journaled step waiting for its undo; `unanswered` when the bot never recorded IAM's answer to it. */
interface PendingUndo {
  step: CompletedStep;
  undo: Operation | null;
  unanswered: boolean;
}

/**
 * What to undo, in order: the steps that may have acted without an answer, then the changes in effect,
 * newest first. A planned step whose undo is null by design (a permanent grant taking over a policy a
 * time-bound grant attached) leaves nothing to undo, answered or not.
 */
function pendingUndos(request: AccessRequest): PendingUndo[] {
  const { inEffect, uncertain } = summarizeJournal(request.completedSteps);
  const nothingToUndo = (step: CompletedStep): boolean =>
    request.plan?.steps.some((planned) => planned.id === step.stepId && planned.undo === null) ?? false;
  return [
    ...uncertain
      .filter((step) => !nothingToUndo(step))
      .map((step) => ({ step, undo: undoOfUnanswered(request, step) ?? null, unanswered: true })),
    ...[...inEffect].reverse().map((step) => ({ step, undo: step.undo, unanswered: false })),
  ];
}

/** What became of one pending undo: undone, kept on purpose, failed (with its error, if one was thrown), or nothing. */
type SettledUndo =
  | { kind: 'undone'; line: UndoLine }
  | { kind: 'kept'; line: UndoLine }
  | { kind: 'failed'; failed: UndoFailure; error?: unknown }
  | { kind: 'nothing' };

interface UndoContext {
  account: ReturnType<typeof requireAccount>;
  createdKeyArn: string | undefined;
  keep?: (step: CompletedStep) => string | undefined;
}

/** Settles one pending undo: reports a missing undo, honours `keep`, refuses a foreign undo, else runs it. */
async function settleUndo(
  deps: TaskDeps,
  request: AccessRequest,
  { step, undo, unanswered }: PendingUndo,
  context: UndoContext,
): Promise<SettledUndo> {
  if (!undo) return unanswered ? { kind: 'failed', failed: noUndoFor(step) } : { kind: 'nothing' };
  const keepReason = context.keep?.(step);
  if (keepReason !== undefined) {
    return { kind: 'kept', line: { kind: 'kept', description: step.description, reason: keepReason } };
  }
  const refused = refuseForeignUndo(request, context.account, step, undo, context.createdKeyArn);
  if (refused) return { kind: 'failed', failed: refused };
  const attempt = await attemptUndo(deps, request.requestId, step, undo, unanswered);
  return 'line' in attempt ? { kind: 'undone', line: attempt.line } : { kind: 'failed', ...attempt };
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
  const context: UndoContext = {
    account: requireAccount(deps),
    createdKeyArn: request.completedSteps.find((step) => step.output?.keyArn)?.output?.keyArn,
    ...(options.keep ? { keep: options.keep } : {}),
  };
  const undone: UndoLine[] = [];
  const kept: UndoLine[] = [];
  const failed: UndoFailure[] = [];
  let transient: TransientError | undefined;
  for (const pending of pendingUndos(request)) {
    const settled = await settleUndo(deps, request, pending, context);
    if (settled.kind === 'undone') undone.push(settled.line);
    if (settled.kind === 'kept') kept.push(settled.line);
    if (settled.kind === 'failed') {
      failed.push(settled.failed);
      if (settled.error instanceof TransientError) transient ??= settled.error;
    }
  }
  if (transient) {
    // Let the workflow retry the whole task with backoff; journaled undos are skipped next time.
    throw transient;
  }
  const lines: UndoLine[] = [
    ...undone,
    ...kept,
    ...failed.map(
      (item): UndoLine => ({ kind: 'not_undone', description: item.description, command: item.command }),
    ),
  ];
  if (lines.length > 0) {
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
