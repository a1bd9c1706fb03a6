/**
 * Tier grants and revokes for an IAM user or group: managed tiers attach/detach AWS managed policies,
 * the custom tier puts/deletes the seed's inline policy.
 */
import type { IdentityTarget } from '../command';
import { QuotaExceededError } from '../errors';
import { CUSTOM_ACCESS_POLICY, customPolicyName, type PolicyDocument } from '../policy-documents';
import { checkInlineQuota } from '../policy-size';
import { CUSTOM_TIER_ACTIONS, MANAGED_TIERS, type ManagedTier, TIER_SPECS, type Tier } from '../tiers';
import {
  type ChangePlan,
  MANAGED_POLICY_QUOTA,
  type PlanStep,
  type PrincipalFacts,
  type PrincipalRef,
  policyName,
} from './change-plan';
import { documentsEquivalent, parsePolicyText, validatePolicyDocument } from './documents';

const principalOf = (target: IdentityTarget): PrincipalRef => ({
  kind: target.kind,
  name: target.name,
  arn: target.arn,
});

const describeTarget = (target: IdentityTarget): string => `IAM ${target.kind} ${target.name}`;

/** The custom tier's inline policy on the target, when there is one (text as IAM returned it). */
const customPolicyText = (target: IdentityTarget, facts: PrincipalFacts): string | undefined =>
  facts.inlinePolicies?.[customPolicyName(target.kind)];

/** Tiers the target holds: managed ones whose CodeBuild policy is attached, custom while its inline policy exists. */
export const heldTiers = (facts: PrincipalFacts, kind?: 'user' | 'group'): Tier[] => {
  const managed: Tier[] = MANAGED_TIERS.filter((tier) =>
    facts.attachedPolicyArns.includes(TIER_SPECS[tier].primary),
  );
  const names = Object.keys(facts.inlinePolicies ?? {});
  const customNames =
    kind === undefined ? [customPolicyName('user'), customPolicyName('group')] : [customPolicyName(kind)];
  return names.some((name) => customNames.includes(name)) ? [...managed, 'custom'] : managed;
};

/** The actions the verify step expects a tier to allow. */
export const expectedActionsOf = (tier: Tier): readonly string[] =>
  tier === 'custom' ? CUSTOM_TIER_ACTIONS : TIER_SPECS[tier].expectedActions;

/** Plans a tier grant: attach what is missing within the managed-policy quota, or put the custom inline policy. */
export function planGrant(target: IdentityTarget, tier: Tier, facts: PrincipalFacts): ChangePlan {
  if (tier === 'custom') return planCustomGrant(target, facts);
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
 * The seed's custom policy as an inline policy (CodeBuildUserAccessPolicy / CodeBuildGroupAccessPolicy).
 * IAM's aggregate inline quota is checked here, before approval, counting as IAM counts.
 */
function planCustomGrant(target: IdentityTarget, facts: PrincipalFacts): ChangePlan {
  const principal = principalOf(target);
  const name = customPolicyName(target.kind);
  const document: PolicyDocument = structuredClone(CUSTOM_ACCESS_POLICY);
  validatePolicyDocument(document);
  const existingText = customPolicyText(target, facts);
  const existing = existingText === undefined ? undefined : parsePolicyText(existingText);
  const base = {
    summary: `Grant custom to ${describeTarget(target)}`,
    target,
    warnings: [] as string[],
    requiredApprovals: 1 as const,
    verification: { principalArn: target.arn, expectAllowed: [...CUSTOM_TIER_ACTIONS], expectDenied: [] },
  };
  if (existing !== undefined && documentsEquivalent(existing, document)) {
    return { ...base, steps: [], unchanged: [`${name} is already in place with the seed's statements`] };
  }
  const others = Object.entries(facts.inlinePolicies ?? {})
    .filter(([other]) => other !== name)
    .map(([, text]) => text);
  const quota = checkInlineQuota(target.kind, others, document, target.name);
  if (!quota.ok) throw new QuotaExceededError(quota.message);
  const step: PlanStep = {
    id: `put:${name}`,
    do: { type: 'putInlinePolicy', principal, policyName: name, document },
    undo:
      existing === undefined
        ? { type: 'deleteInlinePolicy', principal, policyName: name }
        : { type: 'putInlinePolicy', principal, policyName: name, document: existing },
  };
  return {
    ...base,
    steps: [step],
    unchanged: [],
    warnings:
      existing === undefined
        ? []
        : [
            `${target.kind} ${target.name} already has a different ${name}; it will be replaced (the undo puts it back).`,
          ],
    // The approver sees the count IAM will charge against the quota.
    details: [
      `Inline policies of ${target.kind} ${target.name} after the change: ` +
        `${quota.total.toLocaleString('en-US')} of ${quota.limit.toLocaleString('en-US')} non-whitespace characters (IAM quota).`,
    ],
  };
}

/**
 * Plans a tier revoke: detach the tier's policies, except those another tier the target still holds
 * needs (AmazonS3ReadOnlyAccess is shared by every managed tier); for custom, delete the inline policy.
 */
export function planRevoke(target: IdentityTarget, tier: Tier, facts: PrincipalFacts): ChangePlan {
  const principal = principalOf(target);
  const otherTiers = heldTiers(facts, target.kind).filter((held) => held !== tier);
  const stillAllowed = new Set(otherTiers.flatMap((other) => expectedActionsOf(other)));
  const steps: PlanStep[] = [];
  const unchanged: string[] = [];
  if (tier === 'custom') {
    const name = customPolicyName(target.kind);
    const text = customPolicyText(target, facts);
    if (text === undefined) {
      unchanged.push(`${name} is not on ${target.kind} ${target.name}`);
    } else {
      steps.push({
        id: `delete:${name}`,
        do: { type: 'deleteInlinePolicy', principal, policyName: name },
        undo: { type: 'putInlinePolicy', principal, policyName: name, document: parsePolicyText(text) },
      });
    }
  } else {
    const spec = TIER_SPECS[tier];
    const managedOthers = otherTiers.filter((other): other is ManagedTier => other !== 'custom');
    const neededBy = (arn: string): ManagedTier | undefined =>
      managedOthers.find((other) => TIER_SPECS[other].policyArns.includes(arn));
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
  }
  return {
    summary: `Revoke ${tier} from ${describeTarget(target)}`,
    target,
    steps,
    unchanged,
    warnings: unheldTierWarning(target, tier, facts, steps),
    requiredApprovals: 1,
    verification: {
      principalArn: target.arn,
      expectAllowed: [...stillAllowed],
      expectDenied: expectedActionsOf(tier).filter((action) => !stillAllowed.has(action)),
    },
  };
}

/**
 * Revoking a tier the target does not hold would still detach the tier's other policies, which were
 * then attached for some other reason: the approver is told exactly which, before deciding.
 */
function unheldTierWarning(
  target: IdentityTarget,
  tier: Tier,
  facts: PrincipalFacts,
  steps: PlanStep[],
): string[] {
  if (tier === 'custom' || steps.length === 0) return [];
  const spec = TIER_SPECS[tier];
  if (facts.attachedPolicyArns.includes(spec.primary)) return [];
  const names = steps.flatMap((step) => ('policyArn' in step.do ? [policyName(step.do.policyArn)] : []));
  return [
    `${target.kind} ${target.name} does not hold the ${tier} tier (${policyName(spec.primary)} is not attached), ` +
      `so no ${tier} grant attached ${names.join(' or ')}: they were attached for another reason. ` +
      `Approving detaches them anyway; approve only if you mean to remove ${names.length === 1 ? 'it' : 'them'}.`,
  ];
}
