import { auditEvent, recordEvent } from '../../domain/audit-trail';
import { BotError, InternalInvariantError, RequestConflictError, TransientError } from '../../domain/errors';
import {
  botManagedPolicies,
  EXPIRED_STEP_ID,
  journalMarker,
  policyNeeds,
  summarizeJournal,
  undoStepId,
} from '../../domain/grant-ledger';
import type { Notice, UndoLine } from '../../domain/notices';
import { describeOperation, heldTiers, manualCommand, type Operation, policyName } from '../../domain/plans';
import { type AccessRequest, type CompletedStep, savableBy } from '../../domain/request';
import { isManagedTier, TIER_SPECS } from '../../domain/tiers';
import { updateRequest } from '../../domain/update-request';
import { loadRequest, requireAccount, type TaskDeps } from './deps';
import { type UndoResult, undoJournal } from './roll-back';
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
  const { command, target } = request;
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
  const managed =
    command.action === 'grant' &&
    isManagedTier(command.tier) &&
    (target.kind === 'user' || target.kind === 'group');
  const result = managed
    ? await expireManagedTier(deps, request, (revoked) => report('tier', revoked), attachedByRun)
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
      status:
        result.failed.length > 0
          ? 'failed'
          : current.endedBy
            ? 'revoked_early'
            : relinquishedBy
              ? 'relinquished'
              : 'completed',
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

async function expireManagedTier(
  deps: TaskDeps,
  request: AccessRequest,
  report: (revoked: number) => (lines: UndoLine[]) => Notice,
  attachedByRun: readonly string[],
): Promise<UndoResult> {
  const { command, target } = request;
  if (command.action !== 'grant' || !isManagedTier(command.tier)) {
    throw new InternalInvariantError(`Request ${request.requestId} is not a grant of a managed tier.`);
  }
  if (target.kind !== 'user' && target.kind !== 'group') {
    throw new InternalInvariantError(`Request ${request.requestId} does not target an IAM user or group.`);
  }
  const principal = { kind: target.kind, name: target.name, arn: target.arn };
  const attached = await deps.iam.listAttachedPolicyArns(principal);
  const heldOthers = heldTiers(
    { attachedPolicyArns: attached },
    target.kind,
    requireAccount(deps).stackPolicies,
  )
    .filter((tier) => tier !== command.tier)
    .filter(isManagedTier);
  // Recomputed here from the records' evidence, never read from a field another function wrote.
  const others = await otherRequestsFor(deps, request);
  const context = { needs: policyNeeds(others), botManaged: botManagedPolicies([request, ...others]) };
  const journal = new Map<string, CompletedStep>();
  for (const step of summarizeJournal(request.completedSteps).inEffect) {
    if (step.undo?.type === 'detachPolicy') journal.set(step.undo.policyArn, step);
  }
  const lines: UndoLine[] = [];
  const failed: UndoResult['failed'] = [];
  let revoked = 0;
  let transient: TransientError | undefined;
  // The tier's policies, and whatever the run itself says it attached (a record rewritten after the
  // apply can neither hide nor rename them).
  for (const policyArn of [...new Set([...TIER_SPECS[command.tier].policyArns, ...attachedByRun])]) {
    const name = policyName(policyArn);
    const grant = context.needs.find((need) => need.policyArn === policyArn);
    const tier = heldOthers.find((held) => TIER_SPECS[held].policyArns.includes(policyArn));
    if (grant) {
      lines.push({ kind: 'kept_for_grant', policy: name, requestId: grant.requestId, tier: grant.tier });
    } else if (tier) {
      lines.push({ kind: 'kept_for_tier', policy: name, tier });
    } else if (!attached.includes(policyArn)) {
      lines.push({ kind: 'already_gone', policy: name, beforeLimit: true });
    } else if (
      journal.has(policyArn) ||
      context.botManaged.includes(policyArn) ||
      attachedByRun.includes(policyArn)
    ) {
      const op: Operation = { type: 'detachPolicy', principal, policyArn };
      try {
        const { outcome } = await runOperation(deps, op);
        const step = journal.get(policyArn);
        await deps.store.appendCompletedStep(request.requestId, {
          stepId: step ? undoStepId(step.stepId) : `expire:detach:${name}`,
          description: describeOperation(op),
          outcome,
          undo: null,
          at: deps.clock.now().toISOString(),
        });
        lines.push(
          outcome === 'changed'
            ? { kind: 'revoked', description: describeOperation(op) }
            : { kind: 'already_gone', policy: name, beforeLimit: false },
        );
        if (outcome === 'changed') revoked += 1;
      } catch (error) {
        if (error instanceof TransientError) transient ??= error;
        failed.push({
          description: describeOperation(op),
          command: manualCommand(op),
          reason: error instanceof BotError ? error.userMessage : String(error),
        });
      }
    } else {
      lines.push({ kind: 'kept_not_ours', policy: name });
    }
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
