/**
 * The closed set of operations the bot performs. The apply and rollback steps run an operation only when
 * the code itself would build it for the request's parsed command: the tier's policy ARNs on the named
 * target, the seed's trust policy and the stack's policies for a service role, the seed's key statements
 * merged into the key policy that was read. A plan or journal written by anyone else (a forged record, a
 * misbehaving function) is refused before any AWS call, whatever its content.
 */
import { type AccessRules, approvalsUnderRules } from '../access-rules';
import {
  type ChangeCommand,
  type IdentityTarget,
  isIdentityTarget,
  isTierCommand,
  type ResolvedTarget,
} from '../command';
import { PlanRefusedError } from '../errors';
import { contentHash, mergeKeyPolicy, sameContent } from '../key-policy';
import { legacyCustomPolicyName } from '../seed-policies';
import { approvalsRequiredFor } from '../tiers';
import { type AccountContext, SERVICE_ROLE_PATH, serviceRoleArn } from './account';
import { type ChangePlan, describeOperation, type Operation, type PrincipalRef } from './change-plan';
import { KEY_DELETION_WINDOW_DAYS, kmsCreatePolicy, kmsKeyDescription, seedKeyStatements } from './kms-plans';
import { serviceRoleDescription, serviceRoleDocuments } from './service-role-plan';
import { tierPolicyArns } from './tier-plans';

/** What a request is, as far as the closed set is concerned: its parsed command and resolved target. */
export interface RequestScope {
  requestId: string;
  command: ChangeCommand;
  target: ResolvedTarget;
  /**
   * The target's ARN as the slack function resolved it when the request was created; no other function
   * may write it, so a grant or revoke is held to it (the plan function may rewrite `target`).
   */
  targetArn?: string;
}

type Side = 'do' | 'undo';

const samePrincipal = (a: PrincipalRef, b: PrincipalRef): boolean =>
  a.kind === b.kind && a.name === b.name && a.arn === b.arn;

type TierChange = Extract<ChangeCommand, { action: 'grant' | 'revoke' }>;
type ServiceRoleChange = Extract<ChangeCommand, { action: 'service-role' }>;
type KmsAllowChange = Extract<ChangeCommand, { action: 'kms-allow' }>;
type KmsCreateChange = Extract<ChangeCommand, { action: 'kms-create' }>;

/** The legacy inline policy a custom revoke deletes, on the request's principal. */
const isLegacyCustomCleanup = (
  command: TierChange,
  target: IdentityTarget,
  principal: PrincipalRef,
  op: Operation,
  side: Side,
): boolean =>
  command.action === 'revoke' &&
  command.tier === 'custom' &&
  side === 'do' &&
  op.type === 'deleteInlinePolicy' &&
  samePrincipal(op.principal, principal) &&
  op.policyName === legacyCustomPolicyName(target.kind);

/** A grant or revoke: the tier's policies attached to (or detached from) the named identity. */
function isBuildableTierChange(
  command: TierChange,
  target: ResolvedTarget,
  account: AccountContext,
  op: Operation,
  side: Side,
): boolean {
  if (!isIdentityTarget(target)) return false;
  const principal: PrincipalRef = { kind: target.kind, name: target.name, arn: target.arn };
  const adds = (command.action === 'grant') === (side === 'do');
  if (op.type === (adds ? 'attachPolicy' : 'detachPolicy')) {
    const arns = tierPolicyArns(command.tier, account.stackPolicies);
    return samePrincipal(op.principal, principal) && arns.includes(op.policyArn);
  }
  return isLegacyCustomCleanup(command, target, principal, op, side);
}

/** A service role: created with the seed's trust policy, given the stack's policy; undone by deleting it. */
function isBuildableServiceRole(
  command: ServiceRoleChange,
  account: AccountContext,
  op: Operation,
  side: Side,
): boolean {
  const role: PrincipalRef = {
    kind: 'role',
    name: command.roleName,
    arn: serviceRoleArn(account, command.roleName),
  };
  const { trustPolicy, policyArn } = serviceRoleDocuments(command, account);
  if (side === 'do' && op.type === 'createRole') {
    return sameContent(op, {
      type: 'createRole',
      role,
      path: SERVICE_ROLE_PATH,
      trustPolicy,
      description: serviceRoleDescription(command),
      permissionsBoundaryArn: account.permissionsBoundaryArn,
    });
  }
  if (side === 'undo' && op.type === 'deleteRole') return samePrincipal(op.role, role);
  if (op.type === (side === 'do' ? 'attachPolicy' : 'detachPolicy')) {
    return samePrincipal(op.principal, role) && op.policyArn === policyArn;
  }
  return false;
}

/** A key policy put on the request's key: the seed's statements merged into the policy that was read. */
function isBuildableKmsAllow(
  command: KmsAllowChange,
  target: ResolvedTarget,
  account: AccountContext,
  op: Operation,
  side: Side,
): boolean {
  if (op.type !== 'putKeyPolicy' || target.kind !== 'key' || op.keyArn !== target.arn) return false;
  if (account.kmsKeyArns.length > 0 && !account.kmsKeyArns.includes(op.keyArn)) return false;
  const statements = seedKeyStatements(account, serviceRoleArn(account, command.roleName));
  // do: policy = merge(previous); undo: puts back `policy`, whose merge is the `previous` it replaces.
  const [before, after] = side === 'do' ? [op.previous, op.policy] : [op.policy, op.previous];
  const merged = mergeKeyPolicy(before, statements);
  return merged.ok && merged.added.length > 0 && sameContent(merged.policy, after);
}

/** A new key and its alias; undone by deleting the alias and scheduling the (created) key's deletion. */
function isBuildableKmsCreate(
  command: KmsCreateChange,
  account: AccountContext,
  op: Operation,
  side: Side,
  createdKeyArn: string | undefined,
): boolean {
  const boundKey = (keyArn: string | null): boolean => keyArn === null || keyArn === createdKeyArn;
  if (side === 'do' && op.type === 'createKey') {
    const roleArn = serviceRoleArn(account, command.roleName);
    return sameContent(op, {
      type: 'createKey',
      alias: command.alias,
      policy: kmsCreatePolicy(account, roleArn, command.alias),
      description: kmsKeyDescription(command.alias, command.roleName),
    });
  }
  if (side === 'do' && op.type === 'createAlias') return op.alias === command.alias && boundKey(op.keyArn);
  if (side === 'undo' && op.type === 'deleteAlias') return op.alias === command.alias;
  if (side === 'undo' && op.type === 'scheduleKeyDeletion') {
    return op.pendingWindowInDays === KEY_DELETION_WINDOW_DAYS && boundKey(op.keyArn);
  }
  return false;
}

/** True when `op` is one the code builds for this command, as the step's `do` or as its `undo`. */
function isBuildable(
  scope: RequestScope,
  account: AccountContext,
  op: Operation,
  side: Side,
  createdKeyArn: string | undefined,
): boolean {
  const { command, target } = scope;
  switch (command.action) {
    case 'grant':
    case 'revoke':
      return isBuildableTierChange(command, target, account, op, side);
    case 'service-role':
      return isBuildableServiceRole(command, account, op, side);
    case 'kms-allow':
      return isBuildableKmsAllow(command, target, account, op, side);
    case 'kms-create':
      return isBuildableKmsCreate(command, account, op, side, createdKeyArn);
  }
}

const refuse = (scope: RequestScope, op: Operation, side: Side): PlanRefusedError =>
  new PlanRefusedError(
    `I refused to ${side === 'do' ? 'apply' : 'undo'} request ${scope.requestId}: "${describeOperation(op)}" ` +
      `is not a change the bot makes for this request. The record may have been altered; nothing was changed ` +
      'by this step. Ask the bot admins to check the request record and the CloudTrail of the bot.',
  );

/**
 * Throws PlanRefused unless every step of the plan is, as its do and its undo, an operation the code
 * builds for the request's command, on the request's target.
 */
export function assertPlanBuildable(scope: RequestScope, account: AccountContext, plan: ChangePlan): void {
  const expected = isTierCommand(scope.command) ? (scope.targetArn ?? scope.target.arn) : scope.target.arn;
  if (plan.target.arn !== expected || scope.target.arn !== plan.target.arn) {
    throw new PlanRefusedError(
      `I refused to apply request ${scope.requestId}: its plan is for ${plan.target.arn}, the request for ` +
        `${expected}. Nothing was changed.`,
    );
  }
  for (const step of plan.steps) {
    if (!isBuildable(scope, account, step.do, 'do', undefined)) throw refuse(scope, step.do, 'do');
    if (step.undo !== null && !isBuildable(scope, account, step.undo, 'undo', undefined)) {
      throw refuse(scope, step.undo, 'undo');
    }
  }
}

/**
 * Why an undo from the journal may not run (undefined when it may): rollback and expiry run only undos
 * the code builds for the request, so a journal entry written by anyone else changes nothing.
 */
export function foreignUndo(
  scope: RequestScope,
  account: AccountContext,
  undo: Operation,
  createdKeyArn: string | undefined,
): string | undefined {
  return isBuildable(scope, account, undo, 'undo', createdKeyArn)
    ? undefined
    : `"${describeOperation(undo)}" is not a change the bot makes for this request, so I did not run it`;
}

/**
 * The hash of what the approval card shows: target, steps (with their undo) and the approvals needed.
 * Each approval records it; apply runs only a plan whose hash every counted approval carries.
 */
export const planHash = (plan: ChangePlan): string =>
  contentHash({
    target: plan.target,
    steps: plan.steps,
    requiredApprovals: plan.requiredApprovals,
    // Absent in single-account plans, so their hashes are what they always were.
    ...(plan.account ? { account: plan.account } : {}),
  });

/**
 * The approvals a command needs, from the code and the access rules in the caller's own config (never
 * from the record): the rule's count, never below 2 for admin and custom, never below what the plan says.
 */
export const approvalsNeeded = (command: ChangeCommand, plan: ChangePlan, rules?: AccessRules): number =>
  Math.max(
    approvalsRequiredFor(command),
    plan.requiredApprovals,
    rules === undefined ? 1 : approvalsUnderRules(rules, command),
  );
