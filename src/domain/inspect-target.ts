/**
 * `verify` and `status`: read-only answers about one IAM user or group, given at once in Slack with no
 * approval and no workflow. They change nothing in AWS.
 */
import { type AccountAccess, accountNames, resolveAccount, type TargetAccount } from './accounts';
import { type IdentityTarget, type InspectCommand, isIdentityTarget } from './command';
import { commandAccount } from './command-account';
import { BotError, InternalInvariantError, TransientError } from './errors';
import type { AccountSection, Notice, StatusReport, VerifyReport } from './notices';
import { type AccountContext, expectedActionsOf, heldTiers, policyName } from './plans';
import type { CodeBuildPort, Log, PendingRequestFinder } from './ports';
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
  /** Where an account's unexpected failure is logged (its section then says only that it failed). */
  log?: Log;
  /** Across accounts: how long all accounts together may take (default ACROSS_ACCOUNTS_BUDGET_MS). */
  acrossAccountsBudgetMs?: number;
}

/**
 * `status`/`verify` without `in` read every account within this budget, so the slash command's ack
 * (which waits for the answer) stays inside Slack's 3 s: an account still reading then is shown as not
 * answering in time, with the command that asks it alone.
 */
export const ACROSS_ACCOUNTS_BUDGET_MS = 2_000;
/** At most this many accounts are read at once (each one AssumeRole and a handful of IAM reads). */
export const ACROSS_ACCOUNTS_CONCURRENCY = 4;

const NO_STACK = { customTier: '' };

type InspectNotice = Extract<Notice, { kind: 'verify_report' | 'status_report' | 'accounts_report' }>;

/**
 * Answers `verify <target>` or `status <target>` with a report for src/slack/blocks/ to word: in the
 * account `in` names (or the only one), or, with member accounts configured and no `in`, in every
 * account at once (inspectAcrossAccounts).
 */
export async function inspectTarget(
  base: InspectDeps,
  command: InspectCommand,
  slackUserId = 'U0UNKNOWN',
): Promise<InspectNotice> {
  const access = base.accounts;
  if (access && command.account === undefined && Object.keys(access.directory.members).length > 0) {
    return inspectAcrossAccounts(base, command, slackUserId);
  }
  return inspectInAccount(base, command, slackUserId);
}

/** Resolves after `ms` with `value` (the timer never holds the process open). */
const after = <T>(ms: number, value: T): Promise<T> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve(value), ms);
    (timer as { unref?: () => void }).unref?.();
  });

/**
 * The same read in every configured account (hub first), at most ACROSS_ACCOUNTS_CONCURRENCY at once,
 * all within the budget. An account that refuses (its member role, no such user there, AWS busy) gets
 * its refusal line; the others still answer.
 */
export async function inspectAcrossAccounts(
  base: InspectDeps,
  command: InspectCommand,
  slackUserId: string,
): Promise<Extract<Notice, { kind: 'accounts_report' }>> {
  const access = base.accounts as AccountAccess;
  const accounts: TargetAccount[] = accountNames(access.directory).flatMap((name) => {
    try {
      return [resolveAccount(access.directory, name)];
    } catch {
      return []; // The hub without AWS_ACCOUNT_ID: only the members are read.
    }
  });
  const budget = base.acrossAccountsBudgetMs ?? ACROSS_ACCOUNTS_BUDGET_MS;
  const deadline = after(budget, 'timed_out' as const);
  let timedOut = false;
  void deadline.then(() => {
    timedOut = true;
  });
  const sections: AccountSection[] = accounts.map((account) => ({
    account: { name: account.name, id: account.id },
    outcome: { kind: 'timed_out' },
  }));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (!timedOut && next < accounts.length) {
      const index = next++;
      const account = accounts[index] as TargetAccount;
      const outcome = await Promise.race([readOne(base, command, account, slackUserId), deadline]);
      if (outcome !== 'timed_out') (sections[index] as AccountSection).outcome = outcome;
    }
  };
  await Promise.all(Array.from({ length: Math.min(ACROSS_ACCOUNTS_CONCURRENCY, accounts.length) }, worker));
  return { kind: 'accounts_report', action: command.action, sections };
}

/** One account's section: its report, or the line that says why it could not be read. */
async function readOne(
  base: InspectDeps,
  command: InspectCommand,
  account: TargetAccount,
  slackUserId: string,
): Promise<AccountSection['outcome']> {
  try {
    return await inspectInAccount(base, { ...command, account: account.name }, slackUserId);
  } catch (error) {
    if (error instanceof BotError) return { kind: 'refused', message: error.userMessage };
    base.log?.error('could not read an account for status/verify', { account: account.name, error });
    return { kind: 'refused', message: 'It could not be read (the bot’s logs have the details).' };
  }
}

async function inspectInAccount(
  base: InspectDeps,
  command: InspectCommand,
  slackUserId: string,
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
