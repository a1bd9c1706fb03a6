import { TargetNotFoundError } from '../../domain/errors';
import { type ChangePlan, planGrant, planRevoke } from '../../domain/plan';
import type { AccessRequest } from '../../domain/request';
import { isManagedTier } from '../../domain/tiers';
import { loadRequest, type TaskDeps } from './deps';

/** "Plan the change": reads the target's current policies and stores the exact plan to approve. */
export async function planChange(deps: TaskDeps, requestId: string): Promise<{ noop: boolean }> {
  const request = await loadRequest(deps, requestId);
  if (request.plan && request.status !== 'planning') {
    // A retried task after the plan was stored: the approver may already be looking at it.
    return { noop: request.plan.steps.length === 0 };
  }
  const { target, command } = request;
  const principal = await deps.iam.findPrincipal(target.kind, target.name);
  if (!principal) {
    throw new TargetNotFoundError(`IAM ${target.kind} ${target.name} no longer exists. Nothing was changed.`);
  }
  const facts = { attachedPolicyArns: await deps.iam.listAttachedPolicyArns(principal) };
  if (!isManagedTier(command.tier)) {
    throw new TargetNotFoundError(`The ${command.tier} tier is not available for ${command.action}.`);
  }
  const plan: ChangePlan =
    command.action === 'grant'
      ? planGrant(target, command.tier, facts)
      : planRevoke(target, command.tier, facts);
  const next: AccessRequest = {
    ...request,
    version: request.version + 1,
    plan,
    requiredApprovals: plan.requiredApprovals,
    status: plan.steps.length === 0 ? 'no_change' : 'awaiting_approval',
  };
  if (!(await deps.store.save(next, request.version))) {
    throw new Error(`Request ${requestId} changed while it was being planned`);
  }
  return { noop: plan.steps.length === 0 };
}
