/**
 * `extend REQ-… by 2h`: the holder of a time-bound grant asks for more time. The slack function only
 * records an extension request (a grant of the same tier and target, so the card, the approvers and
 * the counts are the tier's) and starts its approval run. When approvers approve it, the slack function
 * tells the grant's run (its hold token gets `{ extension }`), and the workflow's own check (apply's
 * role, checkExtension) decides from the extension's record whether the end moves. Nothing the slack
 * function sends can move the end by itself.
 */
import { type AccessRules, tiersFor } from './access-rules';
import { auditEvent, recordEvent } from './audit-trail';
import type { DecideDeps } from './decide-request';
import { sendDirect } from './direct-messages';
import { extensionsOf, grantWindow, secondsUntil, totalGrantSeconds } from './grant-ledger';
import type { ExtendRefusal, ExtensionFault } from './notices';
import { approvalsNeeded, planHash } from './plans';
import type { PendingRequestFinder } from './ports';
import { holdsGrant } from './relinquish-grant';
import { type AccessRequest, DECISION_FIELDS, PENDING_STATUSES, REQUEST_ID_PATTERN } from './request';
import { retryTransient } from './retry';
import { requestIdFor, type SubmitDeps, startWorkflow } from './submit-request';
import { noChange, updateRequest } from './update-request';

export type ExtendDeps = DecideDeps &
  Pick<SubmitDeps, 'approvalTimeoutSeconds' | 'maxGrantDurationSeconds' | 'auditChannelId'> & {
    /** Requests in flight by target: finds an undecided extension of the same grant. */
    pending?: PendingRequestFinder;
  };

export interface ExtendAsk {
  requestId: string;
  seconds: number;
  userId: string;
  teamId: string;
  appId: string | undefined;
  /** Slack's trigger_id: the extension's id derives from it, so a replay asks nothing twice. */
  triggerId: string;
  channelId: string;
  /** Why more time is needed (`because …`, or the Extend modal's reason); shown to the approvers. */
  reason?: string;
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

/**
 * An extension of this grant still in flight (asked, waiting for approvers, or approved and not yet
 * taken by the run), or undefined. The byTarget index finds the target's requests in flight; only the
 * grants of the same tier asked after this grant can be its extensions, and their records say.
 */
export async function pendingExtensionOf(
  deps: Pick<ExtendDeps, 'pending' | 'store'>,
  grant: AccessRequest,
): Promise<AccessRequest | undefined> {
  const { pending } = deps;
  if (!pending || grant.targetArn === undefined || grant.command.action !== 'grant') return undefined;
  const tier = grant.command.tier;
  const targetArn = grant.targetArn;
  const inFlight = await retryTransient(() => pending.pendingFor(targetArn));
  const candidates = inFlight.filter(
    (summary) =>
      summary.requestId !== grant.requestId &&
      summary.command.action === 'grant' &&
      summary.command.tier === tier &&
      summary.createdAt >= grant.createdAt,
  );
  for (const candidate of candidates) {
    const record = await retryTransient(() => deps.store.get(candidate.requestId));
    if (record?.extends?.requestId === grant.requestId && PENDING_STATUSES.includes(record.status)) {
      return record;
    }
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
  const pending = await pendingExtensionOf(deps, grant);
  if (pending?.extends) {
    deps.log.info('extension refused', { userId: ask.userId, why: 'extension_pending' });
    return refused({
      kind: 'extension_pending',
      extensionId: pending.requestId,
      seconds: pending.extends.seconds,
      requester: pending.requester.userId,
    });
  }
  const extension = {
    requestId: grant.requestId,
    seconds: ask.seconds,
    from: end,
    to: new Date(Date.parse(end) + ask.seconds * 1000).toISOString(),
    ...(ask.reason ? { reason: ask.reason } : {}),
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
 * How long the slack function looks for the grant's next hold when an approved extension finds the run
 * between its two holds (it is sending the reminder, a second or two): a few short polls, well inside
 * the click's 3 s. Tests pass their own sleep.
 */
export interface HoldSearch {
  attempts: number;
  intervalMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_HOLD_SEARCH: HoldSearch = { attempts: 6, intervalMs: 200 };

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * After the last approval of an extension: tells the grant's run (its hold token gets
 * `{ extension: <this id> }`). That is all the slack function can do; the run's check decides from
 * the records whether the end moves. When the run is between its two holds (the token on the record is
 * the last hold's, already used), it looks again for the next hold for a moment (`holdSearch`); when
 * none comes, or the grant has ended, the extension is closed as `lapsed`, its thread and its requester
 * are told to ask again, and nothing moved. Returns what the approver is told.
 */
export async function passExtensionOn(
  deps: DecideDeps & { holdSearch?: HoldSearch },
  extension: AccessRequest,
): Promise<string> {
  const grantId = extension.extends?.requestId ?? '';
  const search = deps.holdSearch ?? DEFAULT_HOLD_SEARCH;
  const sleep = search.sleep ?? realSleep;
  let grantEnded = false;
  for (let attempt = 1; ; attempt += 1) {
    const grant = await retryTransient(() => deps.store.get(grantId));
    if (grant?.status !== 'active') {
      grantEnded = true;
      break;
    }
    // The next hold stores its own token; a used one is refused at once (TaskTimedOut), so each look
    // sends to whatever token the record has now.
    const token = grant.holdToken;
    if (token !== undefined) {
      const sent = await retryTransient(() =>
        deps.workflow.sendDecision(token, { extension: extension.requestId }),
      );
      if (sent === 'sent') return deps.wording.say({ kind: 'extension_passed_on', grantId });
    }
    if (attempt >= search.attempts) break;
    await sleep(search.intervalMs);
  }
  deps.log.warn('an approved extension found its grant not held; closed as lapsed', { grantId, grantEnded });
  return lapseExtension(deps, extension, grantEnded);
}

/** Closes an approved extension that no run took as `lapsed`, and tells its thread and its requester. */
async function lapseExtension(
  deps: DecideDeps,
  extension: AccessRequest,
  grantEnded: boolean,
): Promise<string> {
  const said = deps.wording.say({
    kind: 'extension_lapsed',
    grantId: extension.extends?.requestId ?? '',
    extensionId: extension.requestId,
    seconds: extension.extends?.seconds ?? 0,
    requester: extension.requester.userId,
    grantEnded,
  });
  const closed = await updateRequest(deps.store, extension.requestId, DECISION_FIELDS, (fresh) =>
    fresh.status === 'approved' ? { ...fresh, status: 'lapsed' } : noChange(`it is ${fresh.status}`),
  );
  if (closed.saved) {
    await recordEvent(deps, closed.request, auditEvent(deps.clock, 'extension_refused', said));
    await sendDirect(deps, closed.request, extension.requester.userId, {
      kind: 'update',
      requestId: extension.requestId,
      said,
    });
  }
  return said;
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

/** What the Home tab's Extend button may offer: the grant, its end and the time its tier still allows. */
export type ExtendOffer =
  | { kind: 'offer'; grant: AccessRequest; endsAt: string; remainingSeconds: number }
  | { kind: 'refused'; message: string };

/** The shortest extension worth asking for: a minute, the grammar's smallest unit. */
const SHORTEST_EXTENSION_SECONDS = 60;

/**
 * Before the Extend modal opens: the same checks as `extend` (who may, in effect, one at a time), and
 * how much longer the tier's longest duration allows, so the modal offers only that.
 */
export async function offerExtension(
  deps: ExtendDeps,
  ask: Pick<ExtendAsk, 'requestId' | 'userId' | 'appId'> & { teamId: string | undefined },
  fallbackMaxSeconds: number,
): Promise<ExtendOffer> {
  const refused = (why: ExtendRefusal): ExtendOffer => ({
    kind: 'refused',
    message: deps.wording.say({ kind: 'extend_refused', requestId: ask.requestId, why }),
  });
  if (!REQUEST_ID_PATTERN.test(ask.requestId)) return refused({ kind: 'bad_id' });
  if (
    (deps.expectedTeamId !== undefined && ask.teamId !== deps.expectedTeamId) ||
    (deps.expectedAppId !== undefined && ask.appId !== deps.expectedAppId)
  ) {
    return refused({ kind: 'foreign' });
  }
  const grant = await retryTransient(() => deps.store.get(ask.requestId));
  if (!grant) return refused({ kind: 'unknown' });
  const refusal = await extendRefusal(
    deps,
    grant,
    ask.userId,
    SHORTEST_EXTENSION_SECONDS,
    fallbackMaxSeconds,
  );
  if (refusal?.kind === 'over_limit') {
    return refused({ kind: 'no_time_left', tier: refusal.tier, limitSeconds: refusal.limitSeconds });
  }
  if (refusal !== undefined) return refused(refusal);
  const pending = await pendingExtensionOf(deps, grant);
  if (pending?.extends) {
    return refused({
      kind: 'extension_pending',
      extensionId: pending.requestId,
      seconds: pending.extends.seconds,
      requester: pending.requester.userId,
    });
  }
  const endsAt = grantWindow(grant, 0)?.expiresAt;
  if (endsAt === undefined || grant.command.action !== 'grant') {
    return refused({ kind: 'not_active', status: grant.status });
  }
  const limitSeconds = longestGrantSeconds(
    deps.rules,
    grant.command.tier,
    fallbackMaxSeconds,
    grant.command.account,
  );
  return { kind: 'offer', grant, endsAt, remainingSeconds: limitSeconds - totalGrantSeconds(grant) };
}
