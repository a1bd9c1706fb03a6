import { type AccessRules, autoApproved, breakGlassAllowed } from '../../domain/access-rules';
import type { TargetAccount } from '../../domain/accounts';
import { auditEvent, recordEvent } from '../../domain/audit-trail';
import { PlanRefusedError } from '../../domain/errors';
import { APPLIED_STEP_ID, type HeldWindow, heldWindow, journalMarker } from '../../domain/grant-ledger';
import {
  type AccountContext,
  approvalsNeeded,
  assertPlanBuildable,
  type ChangePlan,
  describeOperation,
  type PlanStep,
  planHash,
} from '../../domain/plans';
import type { AccessRequest } from '../../domain/request';
import { loadRequest, requireAccount, type TaskDeps } from './deps';
import { bindCreatedKey, runOperation } from './run-operation';

/**
 * The record is not trusted: the workflow only gets here after a Choice, but any function could have
 * written the record. Apply runs a plan only when (1) every step is one the code builds for the parsed
 * command (assertPlanBuildable), (2) the plan is the one the card showed (its hash), and (3) enough
 * different approvers, none of them the requester, approved that very hash (the count comes from the code).
 */
function approvedPlan(
  request: AccessRequest,
  account: AccountContext,
  rules?: AccessRules,
  target?: TargetAccount,
): ChangePlan {
  const plan = request.plan;
  const refuse = (why: string): never => {
    throw new PlanRefusedError(
      `I refused to apply request ${request.requestId}: ${why} Nothing was changed.`,
    );
  };
  if (!plan) return refuse('it has no plan.');
  // An extension only moves another grant's end, through that grant's run (checkExtension).
  if (request.extends)
    return refuse('it is an extension of another grant, which only that grant’s run applies.');
  assertPlanInAccount(plan, account, target, refuse);
  assertPlanBuildable(request, account, plan);
  const hash = planHash(plan);
  if (request.planHash !== hash) {
    return refuse('its plan is not the one the approval card showed.');
  }
  // No human approves a readonly grant the rules (this function's own) auto-approve.
  if (rules !== undefined && autoApproved(rules, request.command)) return plan;
  // The requester's own approval counts only for a break-glass grant, by this function's own rules.
  const selfCounts =
    rules !== undefined && breakGlassAllowed(rules, request.command, request.requester.userId);
  const approvers = new Set(
    request.approvals
      .filter(
        (approval) =>
          approval.planHash === hash && (selfCounts || approval.userId !== request.requester.userId),
      )
      .map((approval) => approval.userId),
  );
  const needed = approvalsNeeded(request.command, plan, rules);
  if (request.decision?.outcome !== 'approved' || approvers.size < needed) {
    return refuse(
      `it needs ${needed} approval${needed === 1 ? '' : 's'} of the plan the card showed, from people other than the requester, and has ${approvers.size}.`,
    );
  }
  return plan;
}

const arnAccount = (arn: string): string | undefined => arn.split(':')[4] || undefined;

/**
 * The plan acts in the account this function's config gives the request (inRequestAccount), and the
 * approvals bind it (plan.account is in planHash): a plan for another account, or whose target lives
 * in another account, is refused before any call.
 */
function assertPlanInAccount(
  plan: ChangePlan,
  account: AccountContext,
  target: TargetAccount | undefined,
  refuse: (why: string) => never,
): void {
  const planned = plan.account;
  if (target !== undefined) {
    if (planned?.id !== target.id || planned.name !== target.name || planned.region !== target.region) {
      refuse(`its plan is not for account ${target.name} (${target.id}), the account of its command.`);
    }
  } else if (planned !== undefined && planned.id !== account.accountId) {
    refuse(`its plan is for account ${planned.id}, and this bot works in ${account.accountId} only.`);
  }
  const targetAccountId = arnAccount(plan.target.arn);
  if (targetAccountId !== undefined && targetAccountId !== account.accountId) {
    refuse(`its target ${plan.target.arn} is not in account ${account.accountId}.`);
  }
}

/**
 * "Apply the change": runs each plan step once, journaling it (with its undo) before moving on, so a
 * retry skips finished steps and a rollback knows exactly what to reverse.
 */
export async function applyChange(
  deps: TaskDeps,
  requestId: string,
): Promise<{ changed: number; attached: string[]; timeBound: HeldWindow | null }> {
  const request = await loadRequest(deps, requestId);
  const plan = approvedPlan(request, requireAccount(deps), deps.rules, deps.targetAccount);
  const finished = request.completedSteps.filter((step) => step.outcome !== 'started');
  const done = new Set(finished.map((step) => step.stepId));
  const started = new Set(
    request.completedSteps.filter((step) => step.outcome === 'started').map((step) => step.stepId),
  );
  let changed = finished.filter((step) => step.outcome === 'changed').length;
  let createdKey = request.completedSteps.find((step) => step.output?.keyArn)?.output?.keyArn;
  for (const step of plan.steps) {
    if (done.has(step.id)) continue;
    const applied = await applyStep(deps, requestId, step, createdKey, started.has(step.id));
    createdKey = applied.createdKey;
    if (applied.outcome === 'changed') changed += 1;
  }
  let appliedMarker = request.completedSteps.find((step) => step.stepId === APPLIED_STEP_ID);
  if (!appliedMarker) {
    appliedMarker = journalMarker(APPLIED_STEP_ID, 'every step of the approved plan ran', deps.clock.now());
    await deps.store.appendCompletedStep(requestId, appliedMarker);
  }
  const changes = plan.steps.map((step) => describeOperation(step.do));
  await recordEvent(
    deps,
    request,
    auditEvent(deps.clock, 'applied', deps.wording.say({ kind: 'applied', changes })),
  );
  // Into the execution's own state (no function can rewrite it): what a time-bound grant's expiry must
  // take back even if the record is later overwritten, and the instants its Wait states wait until
  // (counted from this completed apply; a retried apply finds its marker and gives the same ones).
  const window = heldWindow(
    { ...request, completedSteps: [...request.completedSteps, appliedMarker] },
    deps.grantReminderSeconds,
    deps.clock.now(),
  );
  return { changed, attached: attachedPolicies(plan), timeBound: window ?? null };
}

/**
 * Runs one plan step between two journal entries: "started" before (unless an earlier attempt wrote it),
 * then its outcome with the undo a rollback will run.
 */
async function applyStep(
  deps: TaskDeps,
  requestId: string,
  step: PlanStep,
  createdKey: string | undefined,
  startedBefore: boolean,
): Promise<{ outcome: string; createdKey: string | undefined }> {
  const op = bindCreatedKey(step.do, createdKey);
  if (!startedBefore) {
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
  const outcome = result.outcome === 'unchanged' && startedBefore ? 'changed' : result.outcome;
  const keyNow = keyArn ?? createdKey;
  await deps.store.appendCompletedStep(requestId, {
    stepId: step.id,
    description: describeOperation(op),
    outcome,
    undo: outcome === 'changed' && step.undo ? bindCreatedKey(step.undo, keyNow) : null,
    at: deps.clock.now().toISOString(),
    ...(keyArn ? { output: { keyArn } } : {}),
  });
  return { outcome, createdKey: keyNow };
}

/** The policy ARNs a plan attaches (its attach steps, whether AWS already had them or not). */
export const attachedPolicies = (plan: ChangePlan): string[] =>
  plan.steps.flatMap((step) => (step.do.type === 'attachPolicy' ? [step.do.policyArn] : []));
