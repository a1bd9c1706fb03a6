/**
 * `verify` and `status`: read-only answers about one IAM user or group, given at once in Slack with no
 * approval and no workflow. They change nothing in AWS.
 */
import type { AccountAccess } from './accounts';
import { type IdentityTarget, type InspectCommand, isIdentityTarget } from './command';
import { commandAccount } from './command-account';
import { BotError, InternalInvariantError, TransientError } from './errors';
import type { Notice, StatusReport, VerifyReport } from './notices';
import { type AccountContext, expectedActionsOf, heldTiers, policyName } from './plans';
import type { CodeBuildPort, PendingRequestFinder } from './ports';
import { readPrincipalFacts } from './read-facts';
import { type ResolveDeps, resolveTarget } from './resolve-target';
import { retryTransient } from './retry';
import { ATTACHABLE_POLICY_ARNS, MANAGED_TIERS, TIER_SPECS } from './tiers';

export interface InspectDeps extends ResolveDeps {
  /** The configured accounts (`in <account>`); absent, the hub only. */
  accounts?: AccountAccess;
  /** ListBuilds with the bot's own credentials (verify); absent means the check is reported as skipped. */
  codebuild?: CodeBuildPort;
  /** Pending requests by target (status); absent means they are not listed. */
  pending?: PendingRequestFinder;
  /** The stack's policies (the custom tier's ARN); absent, only a legacy inline custom policy is recognised. */
  account?: Pick<AccountContext, 'stackPolicies'>;
}

const NO_STACK = { customTier: '' };

/** Answers `verify <target>` or `status <target>` with a report for src/slack/blocks/ to word. */
export async function inspectTarget(
  base: InspectDeps,
  command: InspectCommand,
  slackUserId = 'U0UNKNOWN',
): Promise<Extract<Notice, { kind: 'verify_report' | 'status_report' }>> {
  try {
    // No workflow retries this path: retryTransient is its one retry layer (the SDK clients try once).
    // Read in the account the command names (the slack function's member role there).
    const { deps } = await commandAccount(base, command, slackUserId);
    return await retryTransient(async () => {
      const resolved = await resolveTarget(deps, command.target);
      if (!isIdentityTarget(resolved)) {
        throw new InternalInvariantError(
          `resolveTarget returned a ${resolved.kind}, not an IAM user or group.`,
        );
      }
      return command.action === 'verify'
        ? { kind: 'verify_report', report: await verifyTarget(deps, resolved) }
        : { kind: 'status_report', report: await targetStatus(deps, resolved) };
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
export async function verifyTarget(deps: InspectDeps, target: IdentityTarget): Promise<VerifyReport> {
  const facts = await readPrincipalFacts(deps.iam, target);
  const tiers = heldTiers(facts, target.kind, deps.account?.stackPolicies ?? NO_STACK);
  const actions = [...new Set(tiers.flatMap((tier) => expectedActionsOf(tier)))];
  const results = actions.length > 0 ? await deps.iam.simulate(target.arn, actions) : [];
  const allowed = (action: string): boolean => results.some((r) => r.action === action && r.allowed);
  let listBuilds: VerifyReport['listBuilds'] = { kind: 'skipped' };
  if (deps.codebuild) {
    try {
      const ids = await deps.codebuild.listBuilds();
      listBuilds = { kind: 'answered', buildIds: ids.length };
    } catch (error) {
      listBuilds = { kind: 'failed', reason: error instanceof BotError ? error.userMessage : 'it failed' };
    }
  }
  return {
    target: { kind: target.kind, name: target.name, arn: target.arn },
    tiers,
    actions: actions.map((action) => ({ action, allowed: allowed(action) })),
    listBuilds,
    passed: actions.every(allowed) && listBuilds.kind !== 'failed',
  };
}

/** The target's CodeBuild-related managed and inline policies, the tiers they make, and pending requests. */
export async function targetStatus(deps: InspectDeps, target: IdentityTarget): Promise<StatusReport> {
  const facts = await readPrincipalFacts(deps.iam, target);
  const tierOf = (arn: string): string[] =>
    MANAGED_TIERS.filter((tier) => TIER_SPECS[tier].policyArns.includes(arn));
  const managed = facts.attachedPolicyArns.filter(
    (arn) => ATTACHABLE_POLICY_ARNS.includes(arn) || /codebuild/i.test(policyName(arn)),
  );
  const custom = deps.account?.stackPolicies.customTier;
  const inline = Object.keys(facts.inlinePolicies ?? {}).filter((name) => /codebuild/i.test(name));
  const tiers = heldTiers(facts, target.kind, deps.account?.stackPolicies ?? NO_STACK);
  const pending = deps.pending ? await deps.pending.pendingFor(target.arn) : undefined;
  return {
    target: { kind: target.kind, name: target.name, arn: target.arn },
    tiers,
    managed: managed.map((arn) => ({
      policy: policyName(arn),
      tiers: arn === custom ? ['custom'] : tierOf(arn),
    })),
    inline,
    ...(pending
      ? {
          pending: pending.map((r) => ({
            requestId: r.requestId,
            command: r.command,
            status: r.status,
            requester: r.requester.userId,
            createdAt: r.createdAt,
          })),
        }
      : {}),
  };
}
