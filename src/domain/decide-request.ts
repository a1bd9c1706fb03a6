import {
  type AccessRules,
  breakGlassAllowed,
  type GroupMembership,
  isListed,
  ruleFor,
  type SlackPrincipalId,
} from './access-rules';
import { applyClick, type Click, type ClickContext, type ClickOutcome } from './approval';
import { type AuditDeps, auditEvent, recordEvent } from './audit-trail';
import type { ChangeCommand } from './command';
import {
  BotError,
  InternalInvariantError,
  NotAuthorizedError,
  RequestConflictError,
  UnknownRequestError,
} from './errors';
import { passExtensionOn } from './extend-grant';
import type { PrincipalRef } from './plans';
import type { IamPort, WorkflowPort } from './ports';
import type { AccessRequest } from './request';
import { DECISION_FIELDS, REQUEST_ID_PATTERN } from './request';
import { retryTransient } from './retry';
import { noChange, type UpdateResult, updateRequest } from './update-request';

/** Says whether a Slack user may approve; checked on the server for every click. Fails closed. */
export interface ApproverDirectory {
  isApprover(userId: string): Promise<boolean>;
  /** Every approver's user id (APPROVER_USER_IDS and the group's members), for break-glass DMs. */
  list?(): Promise<string[]>;
}

/** The IAM user a Slack user maps to (IAM_USER_MAPPING), or undefined when none does. */
export type IdentityLookup = (slackUserId: string) => Promise<PrincipalRef | undefined>;

export interface DecideDeps extends AuditDeps {
  /** Maps the clicker to their IAM user, so nobody approves a change to themselves under any Slack id. */
  identity: IdentityLookup;
  /**
   * IAM_USER_MAPPING=tag: whether IAM user `userName` carries the clicker's SlackUserId tag now (one
   * GetUser). A change to a user is checked with it before any index, so a stale or missing index entry
   * never lets the target approve their own change.
   */
  ownsIamUser?: (slackUserId: string, userName: string) => Promise<boolean>;
  /** Group membership, so nobody approves a change to a group they belong to. */
  iam: Pick<IamPort, 'groupMemberNames'>;
  /**
   * The three lookups above as they answer in the request's account: for a member-account request, the
   * slack function's member role there (an approver may be the target's IAM user in prod and nobody in
   * the hub). May throw (account not configured, its role refused): the click is then refused. Absent,
   * the hub's (a bot with one account).
   */
  identityIn?: (request: AccessRequest, clickerId: string) => Promise<IdentityDeps>;
  workflow: WorkflowPort;
  approvers: ApproverDirectory;
  /** The rules per tier (access-rules.yml): a tier's own approvers, break-glass. */
  rules?: AccessRules;
  /** Membership of the user groups the rules name. */
  groups?: GroupMembership;
  /** Where a break-glass announcement goes when the request has no card. */
  auditChannelId?: string;
  expectedTeamId?: string;
  expectedAppId?: string;
}

/** The IAM lookups behind the self-approval check, in one account. */
export type IdentityDeps = Pick<DecideDeps, 'identity' | 'ownsIamUser' | 'iam'>;

export type DecideResult =
  /** Tell only the clicker; nothing changed. */
  | { kind: 'message'; message: string; request?: AccessRequest }
  /** An approval was counted but more are needed; refresh the card. */
  | { kind: 'approval_recorded'; request: AccessRequest; message: string }
  /** The request is decided; replace the buttons with the decision. */
  | { kind: 'decided'; request: AccessRequest; message: string };

// Concurrent clicks re-read and re-apply (updateRequest); a handful of rounds always settles (each round has a winner).
const MAX_ROUNDS = 5;

// IAM names are unique without regard to case, and an ARN's last segment is the name IAM stores.
const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
const arnName = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);
const sameIamUser = (a: { name: string; arn: string }, b: { name: string; arn: string }): boolean =>
  sameName(a.name, b.name) || sameName(arnName(a.arn), arnName(b.arn));

/** How the clicker relates to a user or group target, by IAM identity (lookups may throw). */
async function relationTo(
  deps: IdentityDeps,
  target: { kind: 'user' | 'group'; name: string; arn: string },
  userId: string,
): Promise<ClickContext['isTarget']> {
  // Exact in tag mode (a user carries one SlackUserId tag), and independent of the index.
  if (target.kind === 'user' && deps.ownsIamUser) {
    return (await deps.ownsIamUser(userId, target.name)) ? 'user' : false;
  }
  if (target.kind === 'group' && deps.ownsIamUser)
    return memberByTag(deps, deps.ownsIamUser, target.name, userId);
  const clicker = await deps.identity(userId);
  if (!clicker) return false;
  if (target.kind === 'user') return sameIamUser(clicker, target) ? 'user' : false;
  const members = await groupMembers(deps, target.name);
  return members.some((member) => sameName(member, clicker.name) || sameName(member, arnName(clicker.arn)))
    ? 'member'
    : false;
}

/** In tag mode, a group of at most this many members is checked member by member (one GetUser each). */
export const MAX_MEMBERS_CHECKED_BY_TAG = 100;
const TAG_CHECKS_AT_ONCE = 10;

async function groupMembers(deps: IdentityDeps, groupName: string): Promise<string[]> {
  const members = await deps.iam.groupMemberNames(groupName);
  if (members === undefined) {
    throw new NotAuthorizedError(`IAM group ${groupName} no longer exists, so I cannot check its members.`);
  }
  return members;
}

/**
 * IAM_USER_MAPPING=tag, a group target: whether any member carries the clicker's SlackUserId tag, read
 * from IAM member by member, so a tag added since the index was last built still counts. A group too
 * big to check that way falls back to the clicker's index entry (confirmed by its tag), and refuses the
 * click when the index does not know the clicker: it never guesses "not a member".
 */
async function memberByTag(
  deps: IdentityDeps,
  owns: (slackUserId: string, userName: string) => Promise<boolean>,
  groupName: string,
  userId: string,
): Promise<ClickContext['isTarget']> {
  const members = await groupMembers(deps, groupName);
  if (members.length <= MAX_MEMBERS_CHECKED_BY_TAG) {
    for (let i = 0; i < members.length; i += TAG_CHECKS_AT_ONCE) {
      const batch = members.slice(i, i + TAG_CHECKS_AT_ONCE);
      const owned = await Promise.all(batch.map((member) => owns(userId, member)));
      if (owned.some(Boolean)) return 'member';
    }
    return false;
  }
  const clicker = await deps.identity(userId);
  if (!clicker) {
    throw new NotAuthorizedError(
      `IAM group ${groupName} has ${members.length} members, more than I check one by one, and the IAM user index does not know your IAM user yet, so I cannot tell whether you are one of them. A re-index has been asked for.`,
    );
  }
  return members.some((member) => sameName(member, clicker.name) || sameName(member, arnName(clicker.arn)))
    ? 'member'
    : false;
}

/**
 * Whether the change is for the clicker, by IAM identity: their own IAM user (whatever Slack account
 * or spelling named it) or a group they belong to. Roles and keys are no one's own: an approver maps
 * to an IAM user, never to a role. A clicker with no IAM user is no one's target and no group's member.
 */
async function clickerIsTarget(
  deps: DecideDeps,
  request: AccessRequest,
  userId: string,
): Promise<ClickContext['isTarget']> {
  const { target } = request;
  if (target.kind !== 'user' && target.kind !== 'group') return false;
  try {
    const lookups = deps.identityIn ? await deps.identityIn(request, userId) : deps;
    return await relationTo(lookups, { kind: target.kind, name: target.name, arn: target.arn }, userId);
  } catch (error) {
    // Fail closed: a click we cannot check is not counted.
    const reason =
      error instanceof BotError
        ? error.userMessage
        : `Slack did not answer (${(error as { data?: { error?: string } }).data?.error ?? 'no reply'}).`;
    deps.log.error('could not check whether the change is for the clicker; refusing the click', {
      requestId: request.requestId,
      userId,
      error,
    });
    throw new NotAuthorizedError(
      `I could not check whether this change is for you, so I cannot accept this click. ${reason} Nothing was changed; try again in a minute.`,
      { cause: error },
    );
  }
}

/** The approvers the tier's rule names (access-rules.yml), or undefined when the global approvers decide. */
const tierApproversOf = (
  deps: Pick<DecideDeps, 'rules'>,
  command: ChangeCommand,
): readonly SlackPrincipalId[] | undefined =>
  deps.rules ? ruleFor(deps.rules, command)?.approvers : undefined;

/**
 * Whether `userId` is an approver of this command: one the tier's rule names (ids or user groups), or,
 * when the rule names none or the command is not a grant, a global approver. The one check behind the
 * card's buttons and the Home tab's "waiting for you". Fails closed (throws when Slack cannot answer).
 */
export async function approvesCommand(
  deps: Pick<DecideDeps, 'approvers' | 'rules' | 'groups'>,
  command: ChangeCommand,
  userId: string,
): Promise<boolean> {
  const tierApprovers = tierApproversOf(deps, command);
  return tierApprovers === undefined
    ? deps.approvers.isApprover(userId)
    : isListed(userId, tierApprovers, deps.groups ?? { isMember: async () => false });
}

/** What the server knows about the clicker for this request: approver? the target themselves? */
async function clickContext(deps: DecideDeps, request: AccessRequest, click: Click): Promise<ClickContext> {
  // Break-glass is decided from this function's own rules and the record's command (which no function
  // may rewrite), never from anything the record says about itself.
  const breakGlass =
    deps.rules !== undefined &&
    click.userId === request.requester.userId &&
    breakGlassAllowed(deps.rules, request.command, request.requester.userId);
  if (breakGlass) {
    return {
      isApprover: true,
      isTarget: false,
      breakGlass,
      now: deps.clock.now().toISOString(),
      ...expected(deps),
    };
  }
  const rule = deps.rules ? ruleFor(deps.rules, request.command) : undefined;
  const tierApprovers = rule?.approvers;
  const isApprover = await approvesCommand(deps, request.command, click.userId);
  // Only an approval needs the identity lookups: a denial changes nothing in AWS, so a target who
  // denies their own change harms no one, and the Deny modal must open within Slack's 3 s trigger window.
  // (A mention target is still refused by Slack id in applyClick, for both buttons.)
  const isTarget =
    isApprover && click.choice === 'approve' ? await clickerIsTarget(deps, request, click.userId) : false;
  return {
    isApprover,
    isTarget,
    now: deps.clock.now().toISOString(),
    ...expected(deps),
    ...(rule?.breakGlass === true && request.command.action === 'grant'
      ? { requesterMessage: deps.wording.say({ kind: 'break_glass_self_only', tier: request.command.tier }) }
      : {}),
    ...(tierApprovers !== undefined && request.command.action === 'grant'
      ? {
          notApproverMessage: deps.wording.say({
            kind: 'rule_approvers_only',
            principals: tierApprovers,
            tier: request.command.tier,
          }),
        }
      : {}),
  };
}

const expected = (deps: DecideDeps): Pick<ClickContext, 'expectedTeamId' | 'expectedAppId'> => ({
  ...(deps.expectedTeamId ? { expectedTeamId: deps.expectedTeamId } : {}),
  ...(deps.expectedAppId ? { expectedAppId: deps.expectedAppId } : {}),
});

/**
 * Checks a click without recording it: the refusal or "already decided" message, or undefined when
 * the click would count. Used before opening the Deny modal; the submission is checked again.
 */
export async function previewClick(
  deps: DecideDeps,
  click: Click & { requestId: string },
): Promise<string | undefined> {
  if (!REQUEST_ID_PATTERN.test(click.requestId)) {
    return 'That button does not belong to a request I know; nothing was changed.';
  }
  const request = await deps.store.get(click.requestId);
  if (!request) return `I have no request ${click.requestId}; nothing was changed.`;
  const outcome = applyClick(request, click, await clickContext(deps, request, click));
  return outcome.kind === 'refused' || outcome.kind === 'already_decided'
    ? answerOf(deps, outcome)
    : undefined;
}

/** What a clicker is told when their click is not applied. */
const answerOf = (
  deps: DecideDeps,
  outcome: Extract<ClickOutcome, { kind: 'refused' | 'already_decided' }>,
): string => (outcome.kind === 'refused' ? outcome.message : deps.wording.say(outcome.notice));

/** Applies an Approve/Deny click: authorize, store with a version check (one winner), tell the workflow. */
export async function decideRequest(
  deps: DecideDeps,
  click: Click & { requestId: string },
): Promise<DecideResult> {
  if (!REQUEST_ID_PATTERN.test(click.requestId)) {
    return {
      kind: 'message',
      message: 'That button does not belong to a request I know; nothing was changed.',
    };
  }
  deps.log.appendKeys({ requestId: click.requestId });
  // What the winning round saw and made of it (a later round, after a lost race, replaces both).
  const round: { read?: AccessRequest; outcome?: ClickOutcome } = {};
  let updated: UpdateResult;
  try {
    updated = await updateRequest(
      deps.store,
      click.requestId,
      DECISION_FIELDS,
      async (current) => {
        const outcome = applyClick(current, click, await clickContext(deps, current, click));
        round.read = current;
        round.outcome = outcome;
        return outcome.kind === 'refused' || outcome.kind === 'already_decided'
          ? noChange(answerOf(deps, outcome))
          : outcome.request;
      },
      { attempts: MAX_ROUNDS, call: retryTransient },
    );
  } catch (error) {
    if (error instanceof UnknownRequestError) {
      return { kind: 'message', message: `I have no request ${click.requestId}; nothing was changed.` };
    }
    if (error instanceof RequestConflictError) {
      deps.log.warn('click not applied: the record kept changing', { userId: click.userId, error });
      return { kind: 'message', message: 'Many people clicked at once; please look at the card again.' };
    }
    throw error;
  }
  if (!updated.saved) {
    deps.log.info('click not applied', {
      userId: click.userId,
      outcome: round.outcome?.kind,
    });
    return { kind: 'message', message: updated.reason, request: updated.request };
  }
  const { read, outcome } = round;
  if (read === undefined || (outcome?.kind !== 'recorded' && outcome?.kind !== 'decided')) {
    throw new InternalInvariantError(`A click on ${click.requestId} was saved without a counted outcome.`);
  }
  const decided = updated.request;
  if (outcome.kind === 'recorded') {
    const text = deps.wording.say({
      kind: 'approval_recorded',
      approver: click.userId,
      approvals: decided.approvals.length,
      required: decided.requiredApprovals,
    });
    await recordEvent(deps, decided, auditEvent(deps.clock, 'approval_recorded', text, click.userId));
    return {
      kind: 'approval_recorded',
      request: decided,
      message: 'Your approval is recorded; one more approver is needed.',
    };
  }
  const result = await finishDecision(deps, read, decided, outcome.outcome, click.userId);
  if (result.kind === 'decided' && outcome.outcome === 'approved' && click.userId === read.requester.userId) {
    // Only a break-glass approval can be the requester's own (applyClick refuses any other).
    await announceBreakGlass(deps, decided);
  }
  return result;
}

async function finishDecision(
  deps: DecideDeps,
  before: AccessRequest,
  request: AccessRequest,
  outcome: 'approved' | 'denied',
  userId: string,
): Promise<DecideResult> {
  const by = request.decision?.by ?? [userId];
  let sent: 'sent' | 'already_handled';
  try {
    sent = request.taskToken
      ? await retryTransient(() => deps.workflow.sendDecision(request.taskToken as string, { outcome, by }))
      : 'already_handled';
  } catch (error) {
    // The workflow never heard the decision: put the record back so the card stays decidable, and
    // say so. Otherwise the request would read "approved" while nothing happens.
    const restored = await restoreUndecided(deps, before, request);
    deps.log.error('could not pass a decision to the workflow', {
      restored,
      error,
    });
    const reason = error instanceof BotError ? error.userMessage : 'The workflow did not accept it.';
    return {
      kind: 'message',
      message: `Your ${outcome === 'approved' ? 'approval' : 'denial'} could not be passed on: ${reason} Nothing was changed; click again in a minute.`,
    };
  }
  if (sent === 'already_handled') {
    // The wait ended first (timed out); the workflow reports the expiry.
    deps.log.warn('decision arrived after the workflow moved on', { outcome });
    return { kind: 'message', message: 'This request had already expired; nothing was changed.', request };
  }
  const reason = request.decision?.reason;
  const text = deps.wording.say(
    outcome === 'approved'
      ? { kind: 'approved', by }
      : { kind: 'denied_by', by: userId, ...(reason ? { reason } : {}) },
  );
  await recordEvent(deps, request, auditEvent(deps.clock, outcome, text, userId));
  if (outcome === 'approved' && request.extends)
    return { kind: 'decided', ...(await extensionPassedOn(deps, request)) };
  return {
    kind: 'decided',
    request,
    message:
      outcome === 'approved' ? 'Approved. The change is being applied.' : 'Denied. Nothing will be changed.',
  };
}

/**
 * An approved extension goes to its grant's run; the approver is told what became of it, and the card
 * shows the record as it now stands (`lapsed` when no run took it, not a bare approval).
 */
async function extensionPassedOn(
  deps: DecideDeps,
  extension: AccessRequest,
): Promise<{ request: AccessRequest; message: string }> {
  const message = await passExtensionOn(deps, extension);
  const now = await retryTransient(() => deps.store.get(extension.requestId));
  return { request: now ?? extension, message };
}

/**
 * Puts a decision the workflow never heard back to what it was, unless someone wrote since (one
 * attempt: a later write is newer than the state to restore). True when restored.
 */
export async function restoreUndecided(
  deps: DecideDeps,
  before: AccessRequest,
  decided: AccessRequest,
): Promise<boolean> {
  try {
    const restored = await updateRequest(
      deps.store,
      decided.requestId,
      DECISION_FIELDS,
      (current) => ({
        ...current,
        status: before.status,
        approvals: before.approvals,
        decision: before.decision,
      }),
      { attempts: 1, current: decided },
    );
    return restored.saved;
  } catch (error) {
    if (error instanceof RequestConflictError) return false;
    throw error;
  }
}
/**
 * A break-glass approval is loud: one `<!here>` post in the audit channel (the only one the bot ever
 * makes) and a DM to every approver of the tier. Failures are logged, not thrown: the approval stands
 * and the audit thread already records it.
 */
async function announceBreakGlass(deps: DecideDeps, request: AccessRequest): Promise<void> {
  const { command } = request;
  if (command.action !== 'grant') return;
  const where = request.card?.channel ?? deps.auditChannelId;
  const text = deps.wording.say({
    kind: 'break_glass',
    requester: request.requester.userId,
    requestId: request.requestId,
    tier: command.tier,
    target: `${request.target.kind} ${request.target.name}`,
    ...(command.durationSeconds === undefined ? {} : { durationSeconds: command.durationSeconds }),
    ...(command.reason === undefined ? {} : { reason: command.reason }),
  });
  try {
    if (where !== undefined) await deps.slack.post({ channel: where, text, here: true });
  } catch (error) {
    deps.log.error('could not post the break-glass announcement', { error });
  }
  const rule = deps.rules ? ruleFor(deps.rules, command) : undefined;
  let approvers: string[] = [];
  try {
    approvers = rule?.approvers
      ? await expandPrincipals(deps, rule.approvers)
      : ((await deps.approvers.list?.()) ?? []);
  } catch (error) {
    deps.log.error('could not list the approvers to tell of a break-glass approval', { error });
  }
  const recipients = [...new Set(approvers)].filter((id) => id !== request.requester.userId);
  await Promise.all(
    recipients.map((userId) =>
      deps.slack.postDirect(userId, text).catch((error: unknown) => {
        deps.log.error('could not DM an approver about a break-glass approval', { userId, error });
      }),
    ),
  );
}

const expandPrincipals = async (deps: DecideDeps, ids: readonly string[]): Promise<string[]> => {
  const users = ids.filter((id) => !id.startsWith('S'));
  for (const group of ids.filter((id) => id.startsWith('S'))) {
    users.push(...((await deps.groups?.members?.(group)) ?? []));
  }
  return users;
};
