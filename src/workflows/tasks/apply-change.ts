import { auditEvent, recordEvent } from '../../domain/audit-trail';
import { describeOperation } from '../../domain/plan';
import type { AccessRequest } from '../../domain/request';
import { loadRequest, type TaskDeps } from './deps';
import { bindCreatedKey, runOperation } from './run-operation';

/** Defence in depth: the workflow only gets here after a Choice, but a record is the authority. */
function assertApproved(request: AccessRequest): void {
  const decision = request.decision;
  const approvers = new Set(request.approvals.map((approval) => approval.userId));
  if (
    decision?.outcome !== 'approved' ||
    approvers.size < request.requiredApprovals ||
    approvers.has(request.requester.userId) ||
    !request.plan
  ) {
    throw new Error(`Request ${request.requestId} is not approved; refusing to apply it`);
  }
}

/**
 * "Apply the change": runs each plan step once, journaling it (with its undo) before moving on, so a
 * retry skips finished steps and a rollback knows exactly what to reverse.
 */
export async function applyChange(deps: TaskDeps, requestId: string): Promise<{ changed: number }> {
  const request = await loadRequest(deps, requestId);
  assertApproved(request);
  const plan = request.plan!;
  const finished = request.completedSteps.filter((step) => step.outcome !== 'started');
  const done = new Set(finished.map((step) => step.stepId));
  const started = new Set(
    request.completedSteps.filter((step) => step.outcome === 'started').map((step) => step.stepId),
  );
  let changed = finished.filter((step) => step.outcome === 'changed').length;
  let createdKey = request.completedSteps.find((step) => step.output?.keyArn)?.output?.keyArn;
  for (const step of plan.steps) {
    if (done.has(step.id)) continue;
    const op = bindCreatedKey(step.do, createdKey);
    if (!started.has(step.id)) {
      await deps.store.appendCompletedStep(requestId, {
        stepId: step.id,
        description: describeOperation(op),
        outcome: 'started',
        undo: null,
        at: deps.clock.now().toISOString(),
      });
    }
    const result = await runOperation(deps, op);
    const { keyArn } = result;
    // A previous attempt started this step and died before journaling it: AWS now reporting
    // "already so" most likely means that attempt did it, so keep the undo (a rollback must reverse it).
    const outcome = result.outcome === 'unchanged' && started.has(step.id) ? 'changed' : result.outcome;
    createdKey = keyArn ?? createdKey;
    await deps.store.appendCompletedStep(requestId, {
      stepId: step.id,
      description: describeOperation(op),
      outcome,
      undo: outcome === 'changed' && step.undo ? bindCreatedKey(step.undo, createdKey) : null,
      at: deps.clock.now().toISOString(),
      ...(keyArn ? { output: { keyArn } } : {}),
    });
    if (outcome === 'changed') changed += 1;
  }
  const lines = plan.steps.map((step) => `• ${describeOperation(step.do)}`);
  await recordEvent(deps, request, auditEvent(deps.clock, 'applied', `:gear: Applied:\n${lines.join('\n')}`));
  return { changed };
}
