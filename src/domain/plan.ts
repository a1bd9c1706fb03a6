import type { ResolvedTarget } from './command';
import { QuotaExceededError } from './errors';
import { MANAGED_TIERS, type ManagedTier, TIER_SPECS } from './tiers';

/** IAM's default quota of managed policies attached to one user, group or role. */
export const MANAGED_POLICY_QUOTA = 10;

export interface PrincipalRef {
  kind: 'user' | 'group' | 'role';
  name: string;
  arn: string;
}

/** One concrete AWS call. The same data is shown to approvers, executed, and (as an undo) reversed. */
export type Operation =
  | { type: 'attachPolicy'; principal: PrincipalRef; policyArn: string }
  | { type: 'detachPolicy'; principal: PrincipalRef; policyArn: string };

export interface PlanStep {
  /** Stable within a plan; the journal of completed steps refers to it. */
  id: string;
  do: Operation;
  /** How to reverse `do`; null when nothing can or needs to be reversed. */
  undo: Operation | null;
}

export interface VerificationSpec {
  principalArn: string;
  /** Must all be allowed, or verification fails. */
  expectAllowed: string[];
  /** Expected to be denied after a revoke; if another policy still allows one, the report says so. */
  expectDenied: string[];
}

/** Plain data: drives the approval card, the apply step and the rollback. */
export interface ChangePlan {
  summary: string;
  target: ResolvedTarget;
  steps: PlanStep[];
  /** Things already as requested, shown to the approver ("AmazonS3ReadOnlyAccess already attached"). */
  unchanged: string[];
  warnings: string[];
  requiredApprovals: 1 | 2;
  verification: VerificationSpec;
}

/** What the plan step learned about the target in AWS. */
export interface PrincipalFacts {
  attachedPolicyArns: string[];
}

export const policyName = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

const principalOf = (target: ResolvedTarget): PrincipalRef => ({
  kind: target.kind,
  name: target.name,
  arn: target.arn,
});

const describeTarget = (target: ResolvedTarget): string => `IAM ${target.kind} ${target.name}`;

/** Tiers the target holds: those whose own CodeBuild policy is attached. */
export const heldTiers = (facts: PrincipalFacts): ManagedTier[] =>
  MANAGED_TIERS.filter((tier) => facts.attachedPolicyArns.includes(TIER_SPECS[tier].primary));

/** Plans a managed-tier grant: attach what is missing, within the managed-policy quota. */
export function planGrant(target: ResolvedTarget, tier: ManagedTier, facts: PrincipalFacts): ChangePlan {
  const spec = TIER_SPECS[tier];
  const principal = principalOf(target);
  const missing = spec.policyArns.filter((arn) => !facts.attachedPolicyArns.includes(arn));
  const present = spec.policyArns.filter((arn) => facts.attachedPolicyArns.includes(arn));
  const total = facts.attachedPolicyArns.length + missing.length;
  if (total > MANAGED_POLICY_QUOTA) {
    throw new QuotaExceededError(
      `${describeTarget(target)} has ${facts.attachedPolicyArns.length} managed policies attached; ` +
        `granting ${tier} adds ${missing.length} and IAM allows ${MANAGED_POLICY_QUOTA}. ` +
        'Detach a policy you no longer need (or raise the quota in Service Quotas), then ask again.',
    );
  }
  return {
    summary: `Grant ${tier} to ${describeTarget(target)}`,
    target,
    steps: missing.map((policyArn) => ({
      id: `attach:${policyName(policyArn)}`,
      do: { type: 'attachPolicy', principal, policyArn },
      undo: { type: 'detachPolicy', principal, policyArn },
    })),
    unchanged: present.map((arn) => `${policyName(arn)} is already attached`),
    warnings: spec.risky
      ? [
          'admin includes IAMFullAccess: whoever holds it can give themselves any permission in this account. ' +
            'Two different approvers are required.',
        ]
      : [],
    requiredApprovals: spec.risky ? 2 : 1,
    verification: { principalArn: target.arn, expectAllowed: [...spec.expectedActions], expectDenied: [] },
  };
}

/**
 * Plans a managed-tier revoke: detach the tier's policies, except those another tier the target
 * still holds needs (AmazonS3ReadOnlyAccess is shared by every tier).
 */
export function planRevoke(target: ResolvedTarget, tier: ManagedTier, facts: PrincipalFacts): ChangePlan {
  const spec = TIER_SPECS[tier];
  const principal = principalOf(target);
  const otherTiers = heldTiers(facts).filter((held) => held !== tier);
  const neededBy = (arn: string): ManagedTier | undefined =>
    otherTiers.find((other) => TIER_SPECS[other].policyArns.includes(arn));
  const steps: PlanStep[] = [];
  const unchanged: string[] = [];
  for (const policyArn of spec.policyArns) {
    const keeper = neededBy(policyArn);
    if (!facts.attachedPolicyArns.includes(policyArn)) {
      unchanged.push(`${policyName(policyArn)} is not attached`);
    } else if (keeper !== undefined) {
      unchanged.push(`${policyName(policyArn)} stays: the ${keeper} tier still needs it`);
    } else {
      steps.push({
        id: `detach:${policyName(policyArn)}`,
        do: { type: 'detachPolicy', principal, policyArn },
        undo: { type: 'attachPolicy', principal, policyArn },
      });
    }
  }
  const stillAllowed = new Set(otherTiers.flatMap((other) => TIER_SPECS[other].expectedActions));
  return {
    summary: `Revoke ${tier} from ${describeTarget(target)}`,
    target,
    steps,
    unchanged,
    warnings: [],
    requiredApprovals: 1,
    verification: {
      principalArn: target.arn,
      expectAllowed: [...stillAllowed],
      expectDenied: spec.expectedActions.filter((action) => !stillAllowed.has(action)),
    },
  };
}

/** A one-line description of an operation, for cards, thread replies and reports. */
export function describeOperation(op: Operation): string {
  switch (op.type) {
    case 'attachPolicy':
      return `attach ${policyName(op.policyArn)} to ${op.principal.kind} ${op.principal.name}`;
    case 'detachPolicy':
      return `detach ${policyName(op.policyArn)} from ${op.principal.kind} ${op.principal.name}`;
  }
}

/** The AWS CLI command that performs an operation by hand, for reports of what could not be undone. */
export function manualCommand(op: Operation): string {
  const who = op.principal.kind;
  switch (op.type) {
    case 'attachPolicy':
      return `aws iam attach-${who}-policy --${who}-name ${op.principal.name} --policy-arn ${op.policyArn}`;
    case 'detachPolicy':
      return `aws iam detach-${who}-policy --${who}-name ${op.principal.name} --policy-arn ${op.policyArn}`;
  }
}
