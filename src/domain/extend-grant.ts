/**
 * `extend REQ-… by 2h`: the holder of a time-bound grant asks for more time. The slack function only
 * records an extension request (a grant of the same tier and target, so the card, the approvers and
 * the counts are the tier's) and starts its approval run. When approvers approve it, the slack function
 * tells the grant's run (its hold token gets `{ extension }`), and the workflow's own check (apply's
 * role, checkExtension) decides from the extension's record whether the end moves. Nothing the slack
 * function sends can move the end by itself.
 */
import { type AccessRules, tiersFor } from './access-rules';
import { auditEvent } from './audit-trail';
import type { DecideDeps } from './decide-request';
import { extensionsOf, grantWindow, secondsUntil, totalGrantSeconds } from './grant-ledger';
import type { ExtendRefusal, ExtensionFault } from './notices';
import { approvalsNeeded, planHash } from './plans';
import { holdsGrant } from './relinquish-grant';
import { type AccessRequest, REQUEST_ID_PATTERN } from './request';
import { retryTransient } from './retry';
import { requestIdFor, type SubmitDeps, startWorkflow } from './submit-request';

export type ExtendDeps = DecideDeps &
  Pick<SubmitDeps, 'approvalTimeoutSeconds' | 'maxGrantDurationSeconds' | 'auditChannelId'>;

export interface ExtendAsk {
  requestId: string;
  seconds: number;
  userId: string;
  teamId: string;
  appId: string | undefined;
  /** Slack's trigger_id: the extension's id derives from it, so a replay asks nothing twice. */
  triggerId: string;
  channelId: string;
}

/** The longest a grant of this tier may last in all: the tier's rule, else MAX_GRANT_DURATION. */
export const longestGrantSeconds = (
  rules: AccessRules | undefined,
  tier: keyof AccessRules['tiers'],
  fallbackSeconds: number,
  account?: string,
): number => (rules ? tiersFor(rules, account)[tier].maxDurationSeconds : undefined) ?? fallbackSeconds;

/** Why this user may not extend this grant by `seconds` now, or undefined when they may ask. */
export async function extendRefusal(
  deps: ExtendDeps,
  grant: AccessRequest,
  userId: string,
  seconds: number,
  fallbackMaxSeconds: number,
): Promise<ExtendRefusal | undefined> {
  const { command } = grant;
  if (grant.extends) return { kind: 'is_extension', grantId: grant.extends.requestId };
  if (command.action !== 'grant') return { kind: 'not_a_grant' };
  if (!(await holdsGrant(deps, grant, userId))) {
    return { kind: 'not_holder', requester: grant.requester.userId };
  }
  if (command.durationSeconds === undefined) return { kind: 'permanent' };
  if (grant.status !== 'active' || grant.holdToken === undefined) {
    return { kind: 'not_active', status: grant.status };
  }
  const limitSeconds = longestGrantSeconds(deps.rules, command.tier, fallbackMaxSeconds, command.account);
  const totalSeconds = totalGrantSeconds(grant) + seconds;
  if (totalSeconds > limitSeconds) {
    return { kind: 'over_limit', tier: command.tier, limitSeconds, totalSeconds, askedSeconds: seconds };
  }
  return undefined;
}

/** Records an extension request for an active time-bound grant and starts its approval; returns the answer. */
export async function requestExtension(
  deps: ExtendDeps,
  ask: ExtendAsk,
  fallbackMaxSeconds: number,
): Promise<string> {
  const refused = (why: ExtendRefusal): string =>
    deps.wording.say({ kind: 'extend_refused', requestId: ask.requestId, why });
  if (!REQUEST_ID_PATTERN.test(ask.requestId)) return refused({ kind: 'bad_id' });
  if (
    (deps.expectedTeamId !== undefined && ask.teamId !== deps.expectedTeamId) ||
    (deps.expectedAppId !== undefined && ask.appId !== deps.expectedAppId)
  ) {
    return refused({ kind: 'foreign' });
  }
  const extensionId = requestIdFor(ask.teamId, ask.triggerId);
  deps.log.appendKeys({ requestId: extensionId, grantId: ask.requestId });
  const replay = await retryTransient(() => deps.store.get(extensionId));
  if (replay) return `Request ${extensionId} was already received; it is ${replay.status.replace('_', ' ')}.`;
  const grant = await retryTransient(() => deps.store.get(ask.requestId));
  if (!grant) return refused({ kind: 'unknown' });
  const refusal = await extendRefusal(deps, grant, ask.userId, ask.seconds, fallbackMaxSeconds);
  const end = grantWindow(grant, 0)?.expiresAt;
  if (refusal !== undefined || end === undefined || grant.command.action !== 'grant') {
    deps.log.info('extension refused', { userId: ask.userId, why: refusal?.kind ?? 'no_end' });
    return refused(refusal ?? { kind: 'not_active', status: grant.status });
  }
  const extension = {
    requestId: grant.requestId,
    seconds: ask.seconds,
    from: end,
    to: new Date(Date.parse(end) + ask.seconds * 1000).toISOString(),
  };
  const { reason: _reason, ...grantCommand } = grant.command;
  const request: AccessRequest = {
    requestId: extensionId,
    version: 1,
    createdAt: deps.clock.now().toISOString(),
    requester: { userId: ask.userId, teamId: ask.teamId },
    channelId: ask.channelId,
    // The grant's tier and target (its approvers and counts), for its whole length after the extension.
    // No reason is copied: a break-glass grant's extension needs an approver other than the requester.
    command: { ...grantCommand, durationSeconds: totalGrantSeconds(grant) + ask.seconds },
    target: grant.target,
    ...(grant.targetArn ? { targetArn: grant.targetArn } : {}),
    status: 'planning',
    requiredApprovals: 1,
    approvals: [],
    completedSteps: [],
    extends: extension,
    events: [
      auditEvent(
        deps.clock,
        'requested',
        deps.wording.say({
          kind: 'extension_requested',
          requester: ask.userId,
          grantId: grant.requestId,
          ...extension,
        }),
        ask.userId,
      ),
    ],
  };
  if ((await retryTransient(() => deps.store.create(request))) === 'exists') {
    return `Request ${extensionId} was already received.`;
  }
  // An extension nobody decides before the grant ends has nothing left to extend.
  const approvalTimeoutSeconds = Math.min(deps.approvalTimeoutSeconds, secondsUntil(end, deps.clock.now()));
  await startWorkflow(deps as ExtendDeps & SubmitDeps, request, { approvalTimeoutSeconds, extension: true });
  deps.log.info('extension requested', { seconds: ask.seconds });
  return deps.wording.say({
    kind: 'extension_asked',
    extensionId,
    grantId: grant.requestId,
    seconds: ask.seconds,
    from: extension.from,
    to: extension.to,
    auditChannelId: deps.auditChannelId,
  });
}

/**
 * After the last approval of an extension: tells the grant's run (its hold token gets
 * `{ extension: <this id> }`). That is all the slack function can do; the run's check decides from
 * the records whether the end moves. Returns what the approver is told.
 */
export async function passExtensionOn(deps: DecideDeps, extension: AccessRequest): Promise<string> {
  const grantId = extension.extends?.requestId ?? '';
  const grant = await retryTransient(() => deps.store.get(grantId));
  const sent =
    grant?.holdToken === undefined || grant.status !== 'active'
      ? 'already_handled'
      : await retryTransient(() =>
          deps.workflow.sendDecision(grant.holdToken as string, { extension: extension.requestId }),
        );
  if (sent === 'already_handled') {
    deps.log.warn('an approved extension found its grant not held', { grantId });
    return `Approved, but ${grantId} is not held by its run right now (it has ended, or is between two steps), so its end did not move. Ask again with \`extend ${grantId} by …\` if it is still in effect.`;
  }
  return `Approved. ${grantId}'s run now checks the extension and moves its end; its thread will say so.`;
}

export type ExtensionVerdict = { accept: true; seconds: number } | { accept: false; why: ExtensionFault };

/**
 * The workflow's decision (apply's role, apply's own rules): does this extension record move this
 * grant's end? Only when it is an extension of this very grant (same tier and target), approved on the
 * card it showed by enough people other than its requester (the tier's count, as for the grant), not
 * yet counted, and the grant's whole length stays within the tier's longest duration.
 */
export function judgeExtension(
  grant: AccessRequest,
  extension: AccessRequest | undefined,
  rules: AccessRules | undefined,
  fallbackMaxSeconds: number,
): ExtensionVerdict {
  const refuse = (why: ExtensionFault): ExtensionVerdict => ({ accept: false, why });
  if (extension === undefined) return refuse({ kind: 'unknown' });
  const asked = extension.extends;
  const { command } = grant;
  if (
    asked?.requestId !== grant.requestId ||
    command.action !== 'grant' ||
    extension.command.action !== 'grant' ||
    extension.command.tier !== command.tier ||
    extension.targetArn !== grant.targetArn ||
    !Number.isInteger(asked.seconds) ||
    asked.seconds < 1
  ) {
    return refuse({ kind: 'not_for_this_grant' });
  }
  if (extensionsOf(grant).some((counted) => counted.requestId === extension.requestId)) {
    return refuse({ kind: 'already_applied' });
  }
  const approvals = approvedBy(extension);
  const needed = extension.plan ? approvalsNeeded(command, extension.plan, rules) : Number.POSITIVE_INFINITY;
  if (approvals < needed) {
    return refuse({ kind: 'not_approved', needed: Number.isFinite(needed) ? needed : 1, approvals });
  }
  const limitSeconds = longestGrantSeconds(rules, command.tier, fallbackMaxSeconds, command.account);
  if (totalGrantSeconds(grant) + asked.seconds > limitSeconds)
    return refuse({ kind: 'over_limit', limitSeconds });
  return { accept: true, seconds: asked.seconds };
}

/** How many people other than its requester approved the extension's card (its plan hash), if decided so. */
function approvedBy(extension: AccessRequest): number {
  const plan = extension.plan;
  if (!plan || plan.steps.length > 0 || extension.decision?.outcome !== 'approved') return 0;
  const hash = planHash(plan);
  if (extension.planHash !== hash) return 0;
  return new Set(
    extension.approvals
      .filter((approval) => approval.planHash === hash && approval.userId !== extension.requester.userId)
      .map((approval) => approval.userId),
  ).size;
}
