/**
 * `verify` and `status`: read-only answers about one IAM user or group, given at once in Slack with no
 * approval and no workflow. They change nothing in AWS.
 */
import { describeCommand, type IdentityTarget, type InspectCommand, isIdentityTarget } from './command';
import { BotError, InternalInvariantError, TransientError } from './errors';
import { mention } from './mention';
import { type AccountContext, expectedActionsOf, heldTiers, policyName } from './plan';
import type { CodeBuildPort, PendingRequestFinder } from './ports';
import { readPrincipalFacts } from './read-facts';
import { type ResolveDeps, resolveTarget } from './resolve-target';
import { retryTransient } from './retry';
import { ATTACHABLE_POLICY_ARNS, MANAGED_TIERS, TIER_SPECS } from './tiers';

export interface InspectDeps extends ResolveDeps {
  /** ListBuilds with the bot's own credentials (verify); absent means the check is reported as skipped. */
  codebuild?: CodeBuildPort;
  /** Pending requests by target (status); absent means they are not listed. */
  pending?: PendingRequestFinder;
  /** The stack's policies (the custom tier's ARN); absent, only a legacy inline custom policy is recognised. */
  account?: Pick<AccountContext, 'stackPolicies'>;
}

const NO_STACK = { customTier: '' };

const PASS = ':white_check_mark:';
const FAIL = ':x:';

/** Answers `verify <target>` or `status <target>` as a Slack message. */
export async function inspectTarget(deps: InspectDeps, command: InspectCommand): Promise<string> {
  try {
    // No workflow retries this path: retryTransient is its one retry layer (the SDK clients try once).
    return await retryTransient(async () => {
      const resolved = await resolveTarget(deps, command.target);
      if (!isIdentityTarget(resolved)) {
        throw new InternalInvariantError(
          `resolveTarget returned a ${resolved.kind}, not an IAM user or group.`,
        );
      }
      return command.action === 'verify' ? verifyTarget(deps, resolved) : targetStatus(deps, resolved);
    });
  } catch (error) {
    if (error instanceof TransientError) {
      throw new TransientError(
        `AWS is busy right now, so \`${command.action}\` could not finish. Try again in a minute.`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}

/**
 * The seed's "confirm with `aws codebuild list-builds`": the IAM policy simulator for every action the
 * target's tiers promise, plus ListBuilds with the bot's own credentials to show CodeBuild answers here.
 */
export async function verifyTarget(deps: InspectDeps, target: IdentityTarget): Promise<string> {
  const facts = await readPrincipalFacts(deps.iam, target);
  const tiers = heldTiers(facts, target.kind, deps.account?.stackPolicies ?? NO_STACK);
  const actions = [...new Set(tiers.flatMap((tier) => expectedActionsOf(tier)))];
  const results = actions.length > 0 ? await deps.iam.simulate(target.arn, actions) : [];
  const allowed = (action: string): boolean => results.some((r) => r.action === action && r.allowed);
  const lines = [
    `*Verify* ${target.kind} \`${target.name}\` (\`${target.arn}\`)`,
    tiers.length > 0
      ? `Tiers held: ${tiers.join(', ')}`
      : 'Holds no CodeBuild tier, so no action is expected to be allowed.',
    ...actions.map((action) => `• ${action}: ${allowed(action) ? `allowed ${PASS}` : `denied ${FAIL}`}`),
  ];
  let listBuildsOk = false;
  if (deps.codebuild) {
    try {
      const ids = await deps.codebuild.listBuilds();
      listBuildsOk = true;
      lines.push(
        `• codebuild:ListBuilds with the bot's credentials: CodeBuild answered (${ids.length} build ids) ${PASS}`,
      );
    } catch (error) {
      const reason = error instanceof BotError ? error.userMessage : 'it failed';
      lines.push(`• codebuild:ListBuilds with the bot's credentials: ${reason} ${FAIL}`);
    }
  } else {
    lines.push("• codebuild:ListBuilds with the bot's credentials: not configured, skipped");
  }
  const passed = actions.every(allowed) && (listBuildsOk || !deps.codebuild);
  lines.push(passed ? `*Result: pass* ${PASS}` : `*Result: fail* ${FAIL}`);
  return lines.join('\n');
}

/** The target's CodeBuild-related managed and inline policies, the tiers they make, and pending requests. */
export async function targetStatus(deps: InspectDeps, target: IdentityTarget): Promise<string> {
  const facts = await readPrincipalFacts(deps.iam, target);
  const tierOf = (arn: string): string[] =>
    MANAGED_TIERS.filter((tier) => TIER_SPECS[tier].policyArns.includes(arn));
  const managed = facts.attachedPolicyArns.filter(
    (arn) => ATTACHABLE_POLICY_ARNS.includes(arn) || /codebuild/i.test(policyName(arn)),
  );
  const custom = deps.account?.stackPolicies.customTier;
  const inline = Object.keys(facts.inlinePolicies ?? {}).filter((name) => /codebuild/i.test(name));
  const tiers = heldTiers(facts, target.kind, deps.account?.stackPolicies ?? NO_STACK);
  const lines = [
    `*Status of* ${target.kind} \`${target.name}\` (\`${target.arn}\`)`,
    `Tiers held: ${tiers.length > 0 ? tiers.join(', ') : 'none'}`,
    '*Managed policies (CodeBuild-related)*',
    ...(managed.length > 0
      ? managed.map((arn) => {
          const usedBy = arn === custom ? ['custom'] : tierOf(arn);
          return `• ${policyName(arn)}${usedBy.length > 0 ? ` (${usedBy.join(', ')} tier)` : ''}`;
        })
      : ['• none']),
    '*Inline policies (CodeBuild-related)*',
    ...(inline.length > 0 ? inline.map((name) => `• ${name}`) : ['• none']),
  ];
  if (deps.pending) {
    const pending = await deps.pending.pendingFor(target.arn);
    lines.push('*Pending requests*');
    lines.push(
      ...(pending.length > 0
        ? pending.map(
            (r) =>
              `• ${r.requestId}: ${describeCommand(r.command)}, ${r.status.replace('_', ' ')}, ` +
              `asked by ${mention(r.requester.userId)} at ${r.createdAt}`,
          )
        : ['• none']),
    );
  }
  return lines.join('\n');
}
