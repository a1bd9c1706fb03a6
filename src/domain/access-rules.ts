/**
 * Rules per tier (access-rules.yml): who may request a tier, who may approve it, how many approvals it
 * takes, how long it may last, whether it needs a reason, and the two ways around a human approver
 * (auto_approve for readonly, break_glass). The file is parsed and validated in src/access-rules-file.ts;
 * this module holds the validated shape and the pure decisions, each returning its reason.
 *
 * The rules govern `grant <tier>`; revokes, service roles and kms requests keep the global approvers and
 * one approval, as before. A tier the file does not mention keeps the defaults below.
 */
import type { ChangeCommand } from './command';
import { formatDuration as format } from './duration';
import type { Wording } from './ports';
import { ALL_TIERS, approvalsRequiredFor, type Tier } from './tiers';

/** A Slack user id (U…/W…) or user-group id (S…). */
export type SlackPrincipalId = string;

/** The validated rule of one tier. */
export interface TierRule {
  /** Who may request; undefined means everyone in the workspace. */
  requesters?: readonly SlackPrincipalId[];
  /** Who may approve; undefined means the global approvers (APPROVER_USER_IDS / APPROVER_USERGROUP_ID). */
  approvers?: readonly SlackPrincipalId[];
  /** Different approvers needed; never below the code's floor (2 for admin and custom). */
  approvals: number;
  /** The longest grant; undefined means MAX_GRANT_DURATION_SECONDS. */
  maxDurationSeconds?: number;
  durationRequired: boolean;
  reasonRequired: boolean;
  /** Applied without a human (readonly only). */
  autoApprove: boolean;
  /** The requester approves their own request, with a reason, for at most maxDurationSeconds. */
  breakGlass: boolean;
}

export interface AccessRules {
  /** Where the rules came from, for `/codebuild-access rules` ("access-rules.yml" or "built-in defaults"). */
  source: string;
  /** The rules of every account the file gives no rules of its own (the top-level `tiers:`). */
  tiers: Record<Tier, TierRule>;
  /** `accounts: {<name>: {tiers: …}}`: an account's own rules, a tier it leaves out at the default. */
  accounts?: Record<string, Record<Tier, TierRule>>;
  /** The account a command without `in <account>` works in (DEFAULT_ACCOUNT), whose rules it follows. */
  defaultAccount?: string;
}

/** The account's own rules from the file, if any (own keys only: `constructor` is no account). */
const ownRulesOf = (rules: AccessRules, account: string | undefined): Record<Tier, TierRule> | undefined => {
  const name = account ?? rules.defaultAccount ?? '';
  return rules.accounts && Object.hasOwn(rules.accounts, name) ? rules.accounts[name] : undefined;
};

/** The rules of one account: its own when the file has them, else the top-level tiers. */
export const tiersFor = (rules: AccessRules, account: string | undefined): Record<Tier, TierRule> =>
  ownRulesOf(rules, account) ?? rules.tiers;

/** Whether the account has rules of its own (they replace the top-level tiers there). */
export const hasOwnRules = (rules: AccessRules, account: string | undefined): boolean =>
  ownRulesOf(rules, account) !== undefined;

/** The rules as one account sees them (for `/codebuild-access rules in <account>`). */
export const rulesIn = (rules: AccessRules, account: string | undefined): AccessRules => ({
  ...rules,
  tiers: tiersFor(rules, account),
});

/** The longest break-glass grant when the tier names no max_duration: 1 hour. */
export const BREAK_GLASS_DEFAULT_MAX_SECONDS = 3600;

/** The rule of a tier nobody configured: what the bot did before rules existed. */
export const defaultTierRule = (tier: Tier): TierRule => ({
  approvals: approvalsRequiredFor({ action: 'grant', tier }),
  durationRequired: false,
  reasonRequired: false,
  autoApprove: false,
  breakGlass: false,
});

/** Rules with every tier at its default. */
export const defaultAccessRules = (source = 'built-in defaults'): AccessRules => ({
  source,
  tiers: Object.fromEntries(ALL_TIERS.map((tier) => [tier, defaultTierRule(tier)])) as Record<Tier, TierRule>,
});

/** The rule that governs a change command, or undefined when it is not a grant (global rules apply). */
export const ruleFor = (rules: AccessRules, command: ChangeCommand): TierRule | undefined =>
  command.action === 'grant' ? tiersFor(rules, command.account)[command.tier] : undefined;

/** The approvals a command needs: the rule's count, never below the code's floor (admin and custom: 2). */
export const approvalsUnderRules = (rules: AccessRules, command: ChangeCommand): number =>
  Math.max(approvalsRequiredFor(command), ruleFor(rules, command)?.approvals ?? 1);

/** The rule's name as the audit trail quotes it (the top-level one). */
export const AUTO_APPROVE_RULE = 'tiers.readonly.auto_approve';

/** The auto-approve rule's key in the file for this command's account, as the card and the trail quote it. */
export const autoApproveRuleOf = (rules: AccessRules, command: ChangeCommand): string => {
  const account = command.account ?? rules.defaultAccount;
  return hasOwnRules(rules, account) ? `accounts.${account}.${AUTO_APPROVE_RULE}` : AUTO_APPROVE_RULE;
};

/**
 * Whether the command is applied without a human: only a readonly grant whose rule, in the command's
 * account, says auto_approve.
 */
export const autoApproved = (rules: AccessRules, command: ChangeCommand): boolean =>
  command.action === 'grant' &&
  command.tier === 'readonly' &&
  tiersFor(rules, command.account).readonly.autoApprove;

/**
 * Whether the requester's own approval counts for this request: only a grant to the requester
 * themselves (a mention of their own Slack id) whose tier's rule says break_glass, with a reason,
 * time-bound within the rule's limit. Break-glass never grants someone else: a request for another
 * person keeps the tier's approvers. Every other tier keeps "never the requester" (docs/security.md).
 */
export function breakGlassAllowed(rules: AccessRules, command: ChangeCommand, requesterId: string): boolean {
  if (command.action !== 'grant') return false;
  if (command.target.kind !== 'slack' || command.target.slackUserId !== requesterId) return false;
  const rule = tiersFor(rules, command.account)[command.tier];
  if (!rule.breakGlass || command.reason === undefined) return false;
  const max = rule.maxDurationSeconds ?? BREAK_GLASS_DEFAULT_MAX_SECONDS;
  return command.durationSeconds !== undefined && command.durationSeconds <= max;
}

/** Membership of Slack user groups, looked up on the server (usergroups.users.list). */
export interface GroupMembership {
  isMember(userId: string, usergroupId: string): Promise<boolean>;
  /** The group's members (break-glass DMs). */
  members?(usergroupId: string): Promise<string[]>;
}

/** No user groups: every membership question answers no (no Slack client to ask). */
export const NO_GROUPS: GroupMembership = { isMember: async () => false };

/** Whether a user is one of the listed ids or in one of the listed user groups. Fails closed (throws). */
export async function isListed(
  userId: string,
  ids: readonly SlackPrincipalId[],
  groups: GroupMembership,
): Promise<boolean> {
  if (ids.includes(userId)) return true;
  for (const id of ids) {
    if (id.startsWith('S') && (await groups.isMember(userId, id))) return true;
  }
  return false;
}

export type RequestDecision =
  | { allowed: true; durationSeconds?: number }
  | { allowed: false; reason: string };

/** The refusal when the rule wants a reason (break-glass always does) and the request gave none. */
function missingReasonRefusal(rule: TierRule, tier: Tier, reason: string | undefined): string | undefined {
  if (!(rule.reasonRequired || rule.breakGlass) || reason !== undefined) return undefined;
  return rule.breakGlass
    ? `${tier} is break-glass access: say why, e.g. \`grant @you ${tier} for 1h because prod build is down\`.`
    : `The access rules require a reason for ${tier} access: add \`because …\` at the end.`;
}

/**
 * The duration the rule allows for a grant: break-glass without `for` gets the longest; a time-bound tier
 * refuses a grant without one; nothing may exceed the longest.
 */
function durationDecision(rule: TierRule, tier: Tier, requested: number | undefined): RequestDecision {
  const max = rule.maxDurationSeconds ?? (rule.breakGlass ? BREAK_GLASS_DEFAULT_MAX_SECONDS : undefined);
  let duration = requested;
  if (duration === undefined && rule.breakGlass && max !== undefined) duration = max;
  if (duration === undefined && rule.durationRequired) {
    const hint = max === undefined ? '8h' : format(max);
    return {
      allowed: false,
      reason: `The access rules make ${tier} access time-bound: add \`for ${hint}\`${max === undefined ? '' : ' or less'}.`,
    };
  }
  if (duration !== undefined && max !== undefined && duration > max) {
    return {
      allowed: false,
      reason: `The access rules allow ${tier} access for at most ${format(max)}; ask for \`for ${format(max)}\` or less.`,
    };
  }
  return duration === undefined ? { allowed: true } : { allowed: true, durationSeconds: duration };
}

/**
 * Whether the rules let this requester ask for this command (requesters, duration, reason), with the
 * refusal in the words the requester sees. A break-glass grant without `for` gets the tier's longest
 * duration.
 */
export async function checkRequest(
  rules: AccessRules,
  command: ChangeCommand,
  requesterId: string,
  groups: GroupMembership,
  wording: Wording,
): Promise<RequestDecision> {
  if (command.action !== 'grant') return { allowed: true };
  const rule = tiersFor(rules, command.account)[command.tier];
  const tier = command.tier;
  if (rule.requesters !== undefined && !(await isListed(requesterId, rule.requesters, groups))) {
    return {
      allowed: false,
      reason: wording.say({ kind: 'rule_requesters_only', principals: rule.requesters, tier }),
    };
  }
  const missingReason = missingReasonRefusal(rule, tier, command.reason);
  if (missingReason !== undefined) return { allowed: false, reason: missingReason };
  return durationDecision(rule, tier, command.durationSeconds);
}

/** What the caller may do with one tier, by the rules. */
export interface TierStanding {
  tier: Tier;
  rule: TierRule;
  mayRequest: boolean;
  mayApprove: boolean;
}

/**
 * Each tier's rule with what `userId` may do with it, for `/codebuild-access rules`. A group Slack
 * cannot answer for counts as "not you" here: the listing is informative, the request and the click
 * are checked again.
 */
export async function standingsFor(
  rules: AccessRules,
  userId: string,
  groups: GroupMembership,
  isGlobalApprover: (userId: string) => Promise<boolean>,
): Promise<TierStanding[]> {
  const listed = (ids: readonly string[]) => isListed(userId, ids, groups).catch(() => false);
  const globalApprover = await isGlobalApprover(userId).catch(() => false);
  return Promise.all(
    ALL_TIERS.map(async (tier) => {
      const rule = rules.tiers[tier];
      return {
        tier,
        rule,
        mayRequest: rule.requesters === undefined ? true : await listed(rule.requesters),
        mayApprove: rule.approvers === undefined ? globalApprover : await listed(rule.approvers),
      };
    }),
  );
}
