/**
 * Tier grants and revokes for an IAM user or group. Every tier attaches or detaches managed policies by
 * ARN: the AWS managed ones for admin/developer/readonly, the stack's CodeBuildAccessPolicy for custom.
 * A legacy inline custom policy (written by earlier versions) is recognised and removed by a revoke.
 */
import type { IdentityTarget } from '../command';
import { QuotaExceededError } from '../errors';
import { legacyCustomPolicyName } from '../seed-policies';
import {
  approvalsRequiredFor,
  CUSTOM_TIER_ACTIONS,
  isManagedTier,
  MANAGED_TIERS,
  type ManagedTier,
  TIER_SPECS,
  type Tier,
} from '../tiers';
import type { StackPolicyArns } from './account';
import {
  type ChangePlan,
  MANAGED_POLICY_QUOTA,
  type PlanStep,
  type PrincipalFacts,
  type PrincipalRef,
  policyName,
} from './change-plan';

const principalOf = (target: IdentityTarget): PrincipalRef => ({
  kind: target.kind,
  name: target.name,
  arn: target.arn,
});

const describeTarget = (target: IdentityTarget): string => `IAM ${target.kind} ${target.name}`;

/** The managed policies a tier attaches, primary first: the seed's for managed tiers, the stack's for custom. */
export const tierPolicyArns = (tier: Tier, stack: Pick<StackPolicyArns, 'customTier'>): readonly string[] =>
  tier === 'custom' ? [stack.customTier] : TIER_SPECS[tier].policyArns;

/** The legacy inline custom policy on the target, when there is one. */
const legacyCustomName = (target: IdentityTarget, facts: PrincipalFacts): string | undefined => {
  const name = legacyCustomPolicyName(target.kind);
  return facts.inlinePolicies?.[name] === undefined ? undefined : name;
};

/**
 * Tiers the target holds: a tier whose primary policy is attached, and custom also while a legacy inline
 * custom policy exists.
 */
export const heldTiers = (
  facts: PrincipalFacts,
  kind: 'user' | 'group' | undefined,
  stack: Pick<StackPolicyArns, 'customTier'>,
): Tier[] => {
  const managed: Tier[] = MANAGED_TIERS.filter((tier) =>
    facts.attachedPolicyArns.includes(TIER_SPECS[tier].primary),
  );
  const names = Object.keys(facts.inlinePolicies ?? {});
  const legacyNames =
    kind === undefined
      ? [legacyCustomPolicyName('user'), legacyCustomPolicyName('group')]
      : [legacyCustomPolicyName(kind)];
  const custom =
    facts.attachedPolicyArns.includes(stack.customTier) || names.some((name) => legacyNames.includes(name));
  return custom ? [...managed, 'custom'] : managed;
};

/** The actions the verify step expects a tier to allow. */
export const expectedActionsOf = (tier: Tier): readonly string[] =>
  tier === 'custom' ? CUSTOM_TIER_ACTIONS : TIER_SPECS[tier].expectedActions;

const RISK_WARNINGS: Partial<Record<Tier, string>> = {
  admin:
    'admin includes IAMFullAccess: whoever holds it can give themselves any permission in this account. ' +
    'Two different approvers are required.',
  custom:
    'custom allows iam:PassRole to CodeBuild for service roles under /codebuild/ and /service-role/: whoever ' +
    'holds it can start builds that run as any of those roles. Two different approvers are required.',
};

/** Plans a tier grant: attach what is missing, within IAM's managed-policy quota. */
export function planGrant(
  target: IdentityTarget,
  tier: Tier,
  facts: PrincipalFacts,
  stack: Pick<StackPolicyArns, 'customTier'>,
  /**
   * Policies attached only because a time-bound grant holds them (policy ARN -> that request id). A
   * permanent grant plans them as steps, so it is approved and journaled like any grant, and the
   * time-bound grant's expiry then keeps them; found "already in place", it would grant nothing.
   */
  heldByTimeBound: ReadonlyMap<string, string> = new Map(),
): ChangePlan {
  const principal = principalOf(target);
  const policyArns = tierPolicyArns(tier, stack);
  const attached = (arn: string): boolean => facts.attachedPolicyArns.includes(arn);
  const missing = policyArns.filter((arn) => !attached(arn) || heldByTimeBound.has(arn));
  const present = policyArns.filter((arn) => attached(arn) && !heldByTimeBound.has(arn));
  const total = facts.attachedPolicyArns.length + missing.filter((arn) => !attached(arn)).length;
  if (total > MANAGED_POLICY_QUOTA) {
    throw new QuotaExceededError(
      `${describeTarget(target)} has ${facts.attachedPolicyArns.length} managed policies attached; ` +
        `granting ${tier} adds ${missing.length} and IAM allows ${MANAGED_POLICY_QUOTA}. ` +
        'Detach a policy you no longer need (or raise the quota in Service Quotas), then ask again.',
    );
  }
  const warning = RISK_WARNINGS[tier];
  const legacy = tier === 'custom' ? legacyCustomName(target, facts) : undefined;
  const takeOver = missing
    .filter((arn) => heldByTimeBound.has(arn))
    .map(
      (arn) =>
        `${policyName(arn)} is attached now only by the time-bound grant ${heldByTimeBound.get(arn)}; ` +
        'approving this makes it permanent (its expiry then keeps it).',
    );
  return {
    summary: `Grant ${tier} to ${describeTarget(target)}`,
    target,
    steps: missing.map((policyArn) => ({
      id: `attach:${policyName(policyArn)}`,
      do: { type: 'attachPolicy', principal, policyArn },
      // Taking over a policy a time-bound grant attached: undoing it must never detach that grant's access.
      undo: heldByTimeBound.has(policyArn) ? null : { type: 'detachPolicy', principal, policyArn },
    })),
    unchanged: present.map((arn) => `${policyName(arn)} is already attached`),
    warnings: warning ? [warning] : [],
    ...(legacy || takeOver.length > 0
      ? {
          details: [
            ...takeOver,
            ...(legacy
              ? [
                  `${target.kind} ${target.name} still has the legacy inline ${legacy}; \`revoke … custom\` removes it.`,
                ]
              : []),
          ],
        }
      : {}),
    requiredApprovals: approvalsRequiredFor({ action: 'grant', tier }),
    verification: { principalArn: target.arn, expectAllowed: [...expectedActionsOf(tier)], expectDenied: [] },
  };
}

/**
 * Plans a tier revoke: detach the tier's policies, except those another tier the target still holds
 * needs (AmazonS3ReadOnlyAccess is shared by every managed tier). For custom, also delete a legacy inline
 * custom policy, as the last step (deleting it needs no undo that writes a document).
 */
export function planRevoke(
  target: IdentityTarget,
  tier: Tier,
  facts: PrincipalFacts,
  stack: Pick<StackPolicyArns, 'customTier'>,
): ChangePlan {
  const principal = principalOf(target);
  const otherTiers = heldTiers(facts, target.kind, stack).filter((held) => held !== tier);
  const stillAllowed = new Set(otherTiers.flatMap((other) => expectedActionsOf(other)));
  const steps: PlanStep[] = [];
  const unchanged: string[] = [];
  const neededBy = (arn: string): Tier | undefined =>
    otherTiers.find((other) => tierPolicyArns(other, stack).includes(arn));
  for (const policyArn of tierPolicyArns(tier, stack)) {
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
  const ungranted = ungrantedDetaches(tier, facts, steps);
  const legacy = tier === 'custom' ? legacyCustomName(target, facts) : undefined;
  if (legacy !== undefined) {
    steps.push({
      id: `delete:${legacy}`,
      do: { type: 'deleteInlinePolicy', principal, policyName: legacy },
      undo: null,
    });
  }
  return {
    summary: `Revoke ${tier} from ${describeTarget(target)}`,
    target,
    steps,
    unchanged,
    warnings: [
      ...(ungranted.length > 0 && isManagedTier(tier) ? [unheldTierWarning(target, tier, ungranted)] : []),
      ...(legacy === undefined
        ? []
        : [
            `${target.kind} ${target.name} has the legacy inline ${legacy} from an earlier version; it is deleted ` +
              'last, and the bot cannot put it back (no role of the bot may write a policy document).',
          ]),
    ],
    ...(ungranted.length > 0 ? { detachesUngranted: { tier, policyArns: ungranted } } : {}),
    requiredApprovals: approvalsRequiredFor({ action: 'revoke', tier }),
    verification: {
      principalArn: target.arn,
      expectAllowed: [...stillAllowed],
      expectDenied: expectedActionsOf(tier).filter((action) => !stillAllowed.has(action)),
    },
  };
}

/**
 * Revoking a tier the target does not hold still detaches the tier's other policies, which were then
 * attached for some other reason (no grant of this tier attached them): those policy ARNs, else none.
 */
function ungrantedDetaches(tier: Tier, facts: PrincipalFacts, steps: PlanStep[]): string[] {
  if (tier === 'custom' || facts.attachedPolicyArns.includes(TIER_SPECS[tier].primary)) return [];
  return steps.flatMap((step) => (step.do.type === 'detachPolicy' ? [step.do.policyArn] : []));
}

/** The card's warning for such a revoke: exactly which policies, before anyone decides. */
function unheldTierWarning(target: IdentityTarget, tier: ManagedTier, ungranted: string[]): string {
  const names = ungranted.map(policyName);
  const [they, were, them] = names.length === 1 ? ['it', 'was', 'it'] : ['they', 'were', 'them'];
  return (
    `${target.kind} ${target.name} does not hold the ${tier} tier (${policyName(TIER_SPECS[tier].primary)} is not attached), ` +
    `so no ${tier} grant attached ${names.join(' or ')}: ${they} ${were} attached for another reason. ` +
    `Approving detaches ${them} anyway; approve only if you mean to remove ${them}.`
  );
}
