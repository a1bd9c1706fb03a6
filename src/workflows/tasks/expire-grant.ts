import { auditEvent, recordEvent } from '../../domain/audit-trail';
import { RequestConflictError, TransientError } from '../../domain/errors';
import {
  botManagedPolicies,
  EXPIRED_STEP_ID,
  journalMarker,
  type PolicyNeed,
  policyNeeds,
  summarizeJournal,
  undoStepId,
} from '../../domain/grant-ledger';
import type { Notice, UndoLine } from '../../domain/notices';
import {
  describeOperation,
  heldTiers,
  type Operation,
  type PrincipalRef,
  policyName,
} from '../../domain/plans';
import { type AccessRequest, type CompletedStep, type RequestStatus, savableBy } from '../../domain/request';
import { isManagedTier, type ManagedTier, TIER_SPECS } from '../../domain/tiers';
import { updateRequest } from '../../domain/update-request';
import { loadRequest, requireAccount, type TaskDeps } from './deps';
import { type UndoFailure, type UndoResult, undoFailure, undoJournal } from './roll-back';
import { runOperation } from './run-operation';
import { otherRequestsFor } from './target-records';

/**
 * "Revoke expired access": at the end of a time-bound grant, removes, per policy ARN of its tier, what
 * this grant gave (or what the bot took responsibility for, see botManagedPolicies) unless another
 * grant still in effect or another tier the target holds needs it. A grant a revoke already ended is a
 * no-op that says so, and a policy already gone is named as such, never as "undone".
 */
export async function expireGrant(
  deps: TaskDeps,
  requestId: string,
  /** What apply attached, from the run's own state: taken back even if the record was overwritten. */
  attachedByRun: readonly string[] = [],
  /** Who gave the grant up early (the run's hold ended with a relinquish); wording and status only. */
  relinquishedBy?: string,
): Promise<UndoResult> {
  const request = await loadRequest(deps, requestId);
  // An earlier revoke (endedBy) changes only the wording: the expiry still checks every policy, so a
  // record someone altered to look ended can never keep access past its time limit.
  const report =
    (from: 'tier' | 'journal', revoked: number) =>
    (lines: UndoLine[]): Notice => ({
      kind: 'time_limit',
      requester: request.requester.userId,
      summary: request.plan?.summary ?? requestId,
      ...(request.endedBy && revoked === 0 ? { endedBy: request.endedBy } : {}),
      ...(relinquishedBy ? { relinquishedBy } : {}),
      from,
      lines,
    });
  const grant = managedGrantOf(request);
  const result = grant
    ? await expireManagedTier(deps, request, grant, (revoked) => report('tier', revoked), attachedByRun)
    : await undoJournal(deps, request, { notice: report('journal', 0), eventType: 'access_expired' });
  // Marks the journal (the workflow alone writes it): this grant no longer needs anything.
  await deps.store.appendCompletedStep(
    requestId,
    journalMarker(EXPIRED_STEP_ID, 'time limit reached', deps.clock.now()),
  );
  // A revoke may end this grant meanwhile (endedBy): re-read on a lost race, so its mark decides.
  try {
    await updateRequest(deps.store, requestId, savableBy('rollback'), (current) => ({
      ...current,
      status: statusAfterExpiry(result, current, relinquishedBy),
      ...(relinquishedBy ? { relinquishedBy } : {}),
    }));
  } catch (error) {
    // Deliberately not failing the expiry: the access is revoked and the journal marker above already
    // says the grant is over (grantInEffect reads it), so only the displayed status is stale.
    if (!(error instanceof RequestConflictError)) throw error;
    deps.log.error('access expired, but the final status could not be recorded', { error });
  }
  return result;
}

/** An IAM user or group: the principals a managed tier is granted to. */
type TierPrincipal = PrincipalRef & { kind: 'user' | 'group' };

/** A grant of a managed tier to an IAM user or group: the grants whose expiry checks policy by policy. */
interface ManagedGrant {
  tier: ManagedTier;
  principal: TierPrincipal;
}

/** The request as a grant of a managed tier to a user or group; undefined for any other request. */
function managedGrantOf(request: AccessRequest): ManagedGrant | undefined {
  const { command, target } = request;
  if (command.action !== 'grant' || !isManagedTier(command.tier)) return undefined;
  if (target.kind !== 'user' && target.kind !== 'group') return undefined;
  return { tier: command.tier, principal: { kind: target.kind, name: target.name, arn: target.arn } };
}

/** What the expiry knows about the target's policies, recomputed from AWS and the records' evidence. */
export interface ExpiryEvidence {
  /** The policies attached to the principal now. */
  attached: readonly string[];
  /** Other grants still in effect that need a policy. */
  needs: readonly PolicyNeed[];
  /** The managed tiers other than this grant's that the target holds. */
  heldOthers: readonly ManagedTier[];
  /** The policies the bot answers for: journaled by this grant, bot-managed, or attached by this run. */
  ours: ReadonlySet<string>;
}

/**
 * What the expiry does with one policy: keeps it for another grant or another held tier, names it as
 * already gone, keeps one the bot never attached, or detaches it ('detach'). The checks run in that order.
 */
export function expiryVerdict(policyArn: string, evidence: ExpiryEvidence): UndoLine | 'detach' {
  const policy = policyName(policyArn);
  const grant = evidence.needs.find((need) => need.policyArn === policyArn);
  if (grant) return { kind: 'kept_for_grant', policy, requestId: grant.requestId, tier: grant.tier };
  const tier = evidence.heldOthers.find((held) => TIER_SPECS[held].policyArns.includes(policyArn));
  if (tier) return { kind: 'kept_for_tier', policy, tier };
  if (!evidence.attached.includes(policyArn)) return { kind: 'already_gone', policy, beforeLimit: true };
  if (evidence.ours.has(policyArn)) return 'detach';
  return { kind: 'kept_not_ours', policy };
}

/** Reads what expiryVerdict decides on; `journal` maps each detachable policy to the step that attached it. */
async function gatherEvidence(
  deps: TaskDeps,
  request: AccessRequest,
  grant: ManagedGrant,
  journal: ReadonlyMap<string, CompletedStep>,
  attachedByRun: readonly string[],
): Promise<ExpiryEvidence> {
  const attached = await deps.iam.listAttachedPolicyArns(grant.principal);
  const heldOthers = heldTiers(
    { attachedPolicyArns: attached },
    grant.principal.kind,
    requireAccount(deps).stackPolicies,
  )
    .filter((tier) => tier !== grant.tier)
    .filter(isManagedTier);
  // Recomputed here from the records' evidence, never read from a field another function wrote.
  const others = await otherRequestsFor(deps, request);
  const ours = new Set([...journal.keys(), ...botManagedPolicies([request, ...others]), ...attachedByRun]);
  return { attached, needs: policyNeeds(others), heldOthers, ours };
}

/** Per policy ARN, the journaled step in effect whose undo detaches it. */
function journaledDetaches(request: AccessRequest): Map<string, CompletedStep> {
  const journal = new Map<string, CompletedStep>();
  for (const step of summarizeJournal(request.completedSteps).inEffect) {
    if (step.undo?.type === 'detachPolicy') journal.set(step.undo.policyArn, step);
  }
  return journal;
}

/** Detaches one policy at the time limit and journals it; a failure comes back with the manual command. */
async function detachAtLimit(
  deps: TaskDeps,
  requestId: string,
  op: Extract<Operation, { type: 'detachPolicy' }>,
  attachedBy: CompletedStep | undefined,
): Promise<{ line: UndoLine; revoked: boolean } | { failed: UndoFailure; error: unknown }> {
  const description = describeOperation(op);
  const policy = policyName(op.policyArn);
  try {
    const { outcome } = await runOperation(deps, op);
    await deps.store.appendCompletedStep(requestId, {
      stepId: attachedBy ? undoStepId(attachedBy.stepId) : `expire:detach:${policy}`,
      description,
      outcome,
      undo: null,
      at: deps.clock.now().toISOString(),
    });
    return outcome === 'changed'
      ? { line: { kind: 'revoked', description }, revoked: true }
      : { line: { kind: 'already_gone', policy, beforeLimit: false }, revoked: false };
  } catch (error) {
    return { error, failed: undoFailure(description, op, error) };
  }
}

/** The grant's status once its access is gone: a failure shows first, then who ended it before its limit. */
function statusAfterExpiry(
  result: UndoResult,
  current: AccessRequest,
  relinquishedBy: string | undefined,
): RequestStatus {
  if (result.failed.length > 0) return 'failed';
  if (current.endedBy) return 'revoked_early';
  if (relinquishedBy) return 'relinquished';
  return 'completed';
}

async function expireManagedTier(
  deps: TaskDeps,
  request: AccessRequest,
  grant: ManagedGrant,
  report: (revoked: number) => (lines: UndoLine[]) => Notice,
  attachedByRun: readonly string[],
): Promise<UndoResult> {
  const journal = journaledDetaches(request);
  const evidence = await gatherEvidence(deps, request, grant, journal, attachedByRun);
  const lines: UndoLine[] = [];
  const failed: UndoFailure[] = [];
  let revoked = 0;
  let transient: TransientError | undefined;
  // The tier's policies, and whatever the run itself says it attached (a record rewritten after the
  // apply can neither hide nor rename them).
  for (const policyArn of [...new Set([...TIER_SPECS[grant.tier].policyArns, ...attachedByRun])]) {
    const verdict = expiryVerdict(policyArn, evidence);
    if (verdict !== 'detach') {
      lines.push(verdict);
      continue;
    }
    const op = { type: 'detachPolicy', principal: grant.principal, policyArn } as const;
    const attempt = await detachAtLimit(deps, request.requestId, op, journal.get(policyArn));
    if ('line' in attempt) {
      lines.push(attempt.line);
      if (attempt.revoked) revoked += 1;
      continue;
    }
    failed.push(attempt.failed);
    if (attempt.error instanceof TransientError) transient ??= attempt.error;
  }
  if (transient) throw transient;
  const all: UndoLine[] = [
    ...lines,
    ...failed.map(
      (item): UndoLine => ({ kind: 'not_revoked', description: item.description, command: item.command }),
    ),
  ];
  await recordEvent(
    deps,
    request,
    auditEvent(deps.clock, 'access_expired', deps.wording.say(report(revoked + failed.length)(all))),
  );
  return { rolledBack: revoked, failed };
}
