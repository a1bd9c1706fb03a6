import { auditEvent, recordEvent } from '../../domain/audit-trail';
import { heldTiers } from '../../domain/plan';
import type { AccessRequest } from '../../domain/request';
import { isManagedTier, TIER_SPECS } from '../../domain/tiers';
import { loadRequest, requireAccount, type TaskDeps } from './deps';
import { type UndoResult, undoJournal } from './roll-back';

/**
 * "Revoke expired access": at the end of a time-bound grant, undoes exactly what this grant applied,
 * keeping a policy another tier the target still holds needs. A grant a revoke already ended is left
 * alone, so nothing is revoked twice.
 */
export async function expireGrant(deps: TaskDeps, requestId: string): Promise<UndoResult> {
  const request = await loadRequest(deps, requestId);
  if (request.status === 'revoked_early') {
    await recordEvent(
      deps,
      request,
      auditEvent(
        deps.clock,
        'access_expired',
        `:hourglass: The time limit is up; ${request.endedBy ?? 'an earlier revoke'} already ended this grant, so nothing more was revoked.`,
      ),
    );
    return { rolledBack: 0, failed: [] };
  }
  const keep = await keeperFor(deps, request);
  const result = await undoJournal(deps, request, {
    title: `:hourglass: Time limit reached; revoked what ${request.requestId} granted`,
    eventType: 'access_expired',
    keep,
  });
  const current = await loadRequest(deps, requestId);
  await deps.store.save({ ...current, version: current.version + 1, status: 'completed' }, current.version);
  return result;
}

/** Policies the grant attached that another held tier still needs stay attached at expiry. */
async function keeperFor(
  deps: TaskDeps,
  request: AccessRequest,
): Promise<((step: { undo: unknown }) => string | undefined) | undefined> {
  const { command, target } = request;
  if (command.action !== 'grant' || !('tier' in command) || !isManagedTier(command.tier)) return undefined;
  const grantedTier = command.tier;
  if (target.kind !== 'user' && target.kind !== 'group') return undefined;
  const attached = await deps.iam.listAttachedPolicyArns({
    kind: target.kind,
    name: target.name,
    arn: target.arn,
  });
  const others = heldTiers({ attachedPolicyArns: attached }, target.kind, requireAccount(deps).stackPolicies)
    .filter((tier) => tier !== grantedTier)
    .filter(isManagedTier);
  return (step) => {
    const undo = step.undo as { type?: string; policyArn?: string };
    if (undo.type !== 'detachPolicy' || !undo.policyArn) return undefined;
    const keeper = others.find((tier) => TIER_SPECS[tier].policyArns.includes(undo.policyArn as string));
    return keeper === undefined ? undefined : `the ${keeper} tier still needs it`;
  };
}
