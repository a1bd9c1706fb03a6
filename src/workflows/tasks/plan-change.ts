import { autoApproved } from '../../domain/access-rules';
import { isIdentityTarget } from '../../domain/command';
import { formatDuration } from '../../domain/duration';
import {
  ConflictError,
  RequestConflictError,
  TargetNotFoundError,
  TransientError,
} from '../../domain/errors';
import { grantInEffect } from '../../domain/grant-ledger';
import {
  approvalsNeeded,
  type ChangePlan,
  planGrant,
  planKmsAllow,
  planKmsCreate,
  planRevoke,
  planServiceRole,
  SERVICE_ROLE_PATH,
  tierPolicyArns,
} from '../../domain/plans';
import type { IamPort } from '../../domain/ports';
import { readPrincipalFacts } from '../../domain/read-facts';
import { type AccessRequest, type GrantExtension, savableBy } from '../../domain/request';
import { noChange, updateRequest } from '../../domain/update-request';
import { loadRequest, requireAccount, requireKms, type TaskDeps } from './deps';
import { otherRequestsFor } from './target-records';

/**
 * "Plan the change": reads the current state in AWS and stores the exact plan to approve, with the
 * approvals the access rules require. `autoApprove` sends a readonly grant the rules auto-approve past
 * the card wait (apply checks the rule again with its own config).
 */
export async function planChange(
  deps: TaskDeps,
  requestId: string,
): Promise<{ noop: boolean; autoApprove: boolean }> {
  const request = await loadRequest(deps, requestId);
  // An extension always waits for a person (its record is never applied, so no rule approves it).
  const extension = request.extends !== undefined;
  const autoApprove = !extension && deps.rules !== undefined && autoApproved(deps.rules, request.command);
  const noop = (stored: ChangePlan): boolean => !extension && stored.steps.length === 0;
  if (request.plan && request.status !== 'planning') {
    // A retried task after the plan was stored: the approver may already be looking at it.
    return { noop: noop(request.plan), autoApprove };
  }
  const planned = request.extends ? extensionPlan(request, request.extends) : await planFor(deps, request);
  const plan: ChangePlan = {
    ...planned,
    // The account is part of what is approved (planHash), so apply can hold the run to it.
    ...(deps.targetAccount ? { account: deps.targetAccount } : {}),
    requiredApprovals: approvalsNeeded(request.command, planned, deps.rules),
  };
  let stored: ChangePlan = plan;
  try {
    const result = await updateRequest(
      deps.store,
      requestId,
      savableBy('plan'),
      (current) =>
        current.plan && current.status !== 'planning'
          ? noChange('a retried task already stored a plan')
          : {
              ...current,
              plan,
              // The plan resolves what the request only named (a key alias, a role's real path).
              target: plan.target,
              requiredApprovals: plan.requiredApprovals,
              status: noop(plan) ? 'no_change' : 'awaiting_approval',
            },
      { current: request },
    );
    // Another run of this task stored its plan first: that one is what the approver sees.
    if (!result.saved && result.request.plan) stored = result.request.plan;
  } catch (error) {
    // Still losing after fresh reads: the workflow retries the task (ASL Retry on TransientError),
    // which plans again from what AWS and the record say then.
    if (!(error instanceof RequestConflictError)) throw error;
    throw new TransientError(`Request ${requestId} changed while it was being planned; planning again.`, {
      cause: error,
    });
  }
  return { noop: noop(stored), autoApprove };
}

/**
 * The plan of an extension: no step in AWS (the grant's own run moves its end once this is approved);
 * its approvals are the tier's, from the grant command the record copies.
 */
function extensionPlan(request: AccessRequest, extension: GrantExtension): ChangePlan {
  return {
    summary: `extend ${extension.requestId} by ${formatDuration(extension.seconds)}`,
    target: request.target,
    steps: [],
    unchanged: [],
    warnings: [],
    requiredApprovals: 1,
    verification: { principalArn: request.target.arn, expectAllowed: [], expectDenied: [] },
  };
}

/** Reads what the request's planner needs from AWS and plans it. Throws the planner's named errors. */
export async function planFor(deps: TaskDeps, request: AccessRequest): Promise<ChangePlan> {
  const { command, target } = request;
  switch (command.action) {
    case 'grant':
    case 'revoke': {
      if (!isIdentityTarget(target)) {
        throw new TargetNotFoundError(
          `${command.action} works on IAM users and groups, not on ${target.kind}s.`,
        );
      }
      const { stackPolicies } = requireAccount(deps);
      const facts = await readPrincipalFacts(deps.iam, target);
      if (command.action === 'revoke') return planRevoke(target, command.tier, facts, stackPolicies);
      const heldByTimeBound =
        command.durationSeconds === undefined
          ? await timeBoundHolders(deps, request)
          : new Map<string, string>();
      return planGrant(target, command.tier, facts, stackPolicies, heldByTimeBound);
    }
    case 'service-role':
      return planServiceRole(command, requireAccount(deps), await deps.iam.getRole(command.roleName));
    case 'kms-allow': {
      const account = requireAccount(deps);
      const role = await requireRole(deps.iam, command.roleName);
      const key = await requireKms(deps).describeKey(command.key);
      if (!key) {
        throw new TargetNotFoundError(
          `There is no KMS key \`${command.key}\` in account ${account.accountId}, region ${account.region}. ` +
            'Use the key id, its ARN or alias/NAME. Nothing was changed.',
        );
      }
      return planKmsAllow({ roleName: command.roleName, roleArn: role.arn }, account, key);
    }
    case 'kms-create': {
      const account = requireAccount(deps);
      const role = await requireRole(deps.iam, command.roleName);
      const existing = await requireKms(deps).describeKey(command.alias);
      return planKmsCreate(
        { alias: command.alias, roleName: command.roleName, roleArn: role.arn },
        account,
        existing?.keyArn,
      );
    }
  }
}

async function requireRole(iam: IamPort, roleName: string): Promise<{ arn: string }> {
  const role = await iam.getRole(roleName);
  if (!role) {
    throw new TargetNotFoundError(
      `There is no IAM role named \`${roleName}\` (names are case-sensitive). ` +
        `Create it first with \`service-role create ${roleName}\`. Nothing was changed.`,
    );
  }
  if (role.path !== SERVICE_ROLE_PATH) {
    throw new ConflictError(
      `Role ${roleName} is under ${role.path}, and the bot sets up keys only for service roles under ` +
        `${SERVICE_ROLE_PATH}. Create one with \`service-role create NAME\`. Nothing was changed.`,
    );
  }
  return role;
}

/** Policy ARN -> the time-bound grant (still in effect, by its journal) that attached it, for this target. */
async function timeBoundHolders(deps: TaskDeps, request: AccessRequest): Promise<Map<string, string>> {
  const holders = new Map<string, string>();
  for (const other of await otherRequestsFor(deps, request)) {
    if (other.command.action !== 'grant' || other.command.durationSeconds === undefined) continue;
    if (!grantInEffect(other)) continue;
    for (const arn of tierPolicyArns(other.command.tier, requireAccount(deps).stackPolicies)) {
      if (!holders.has(arn)) holders.set(arn, other.requestId);
    }
  }
  return holders;
}
