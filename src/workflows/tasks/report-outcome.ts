import { AUTO_APPROVE_RULE, autoApproved } from '../../domain/access-rules';
import { type AuditDeps, auditEvent, postToThread, recordEvent } from '../../domain/audit-trail';
import { isTierCommand } from '../../domain/command';
import {
  OutcomeNotDeliveredError,
  RequestConflictError,
  TransientError,
  USER_SAFE_ERROR_NAMES,
} from '../../domain/errors';
import { grantInEffect, grantWindow, summarizeJournal } from '../../domain/grant-ledger';
import { mention } from '../../domain/mention';
import { manualCommand } from '../../domain/plan';
import {
  type AccessRequest,
  type AuditEvent,
  type AuditEventType,
  type RequestStatus,
  savableBy,
} from '../../domain/request';
import { noChange, type UpdateResult, updateRequest } from '../../domain/update-request';
import { autoApprovedLine, decidedCard } from '../../slack/blocks/approval-card';
import { slackDate } from '../../slack/blocks/text';
import { causeMessage, type ReportInput } from '../state';
import { loadRequest, type TaskDeps } from './deps';
import { otherRequestsFor } from './target-records';

/** The outcomes that close a request (or, for a time-bound grant, its applied phase). */
type FinalOutcome = Exclude<ReportInput['outcome'], 'reminder' | 'ended'>;

const STATUS: Record<FinalOutcome, RequestStatus> = {
  completed: 'completed',
  no_change: 'no_change',
  denied: 'denied',
  expired: 'expired',
  failed: 'failed',
  // Only reached for a time-bound grant (see the ASL), which stays active until its expiry.
  unverified: 'active',
};

const EVENT: Record<FinalOutcome, AuditEventType> = {
  completed: 'verified',
  no_change: 'no_change',
  denied: 'denied',
  expired: 'expired',
  failed: 'failed',
  unverified: 'verification_failed',
};

/** The user-facing reason of a caught error; unexpected errors get a reference, not internals. */
function failureReason(input: ReportInput): string {
  const name = input.error?.Error ?? '';
  if ((USER_SAFE_ERROR_NAMES as readonly string[]).includes(name)) return causeMessage(input.error);
  if (name === 'States.Timeout') return 'A step took too long.';
  return `Something went wrong (ref ${input.requestId}). The bot's logs have the details.`;
}

/** The closing message of a request, built from the record and the apply journal. */
export function outcomeText(request: AccessRequest, input: ReportInput): string {
  const who = mention(request.requester.userId);
  switch (input.outcome) {
    case 'completed':
      return (
        `:white_check_mark: Done. ${request.plan?.summary ?? 'The change'} was applied and verified. ${who}` +
        (request.accessExpiresAt
          ? `\nThis access is time-bound: it is revoked automatically ${slackDate(request.accessExpiresAt)}.`
          : '')
      );
    case 'unverified':
      return (
        `:warning: Applied, but the check failed: ${failureReason(input)}\n` +
        `${request.plan?.summary ?? 'The change'} stays in effect until its time limit and is revoked automatically ` +
        `${slackDate(request.accessExpiresAt ?? '')}. ${who}`
      );
    case 'reminder':
      return `:alarm_clock: ${who}, ${request.plan?.summary ?? 'this access'} ends ${slackDate(request.accessExpiresAt ?? '')}. Ask again before then if you still need it.`;
    case 'no_change':
      return `:information_source: Nothing to change: ${request.plan?.unchanged.join('; ') || 'already in place'}. ${who}`;
    case 'denied':
      return `:no_entry: Denied; nothing was changed. ${who}`;
    case 'expired':
      return `:hourglass: Expired: nobody approved in time, so nothing was changed. ${who}, ask again if you still need it.`;
    case 'failed':
      return failedText(request, input);
    case 'ended':
      return '';
  }
}

/** True when the journal shows no change that ever reached AWS (nothing applied, nothing possibly applied). */
const nothingChanged = (request: AccessRequest): boolean => {
  const { inEffect, rolledBack, uncertain } = summarizeJournal(request.completedSteps);
  return inEffect.length === 0 && rolledBack.length === 0 && uncertain.length === 0;
};

function failedText(request: AccessRequest, input: ReportInput): string {
  const who = mention(request.requester.userId);
  const { inEffect, rolledBack, uncertain } = summarizeJournal(request.completedSteps);
  const lines = [`:x: Failed: ${failureReason(input)}`];
  if (nothingChanged(request)) {
    lines.push('Nothing was changed in AWS.');
  }
  if (rolledBack.length > 0) {
    lines.push(`Rolled back: ${rolledBack.map((step) => step.description).join('; ')}.`);
  }
  if (inEffect.length > 0) {
    lines.push(`Still in effect: ${inEffect.map((step) => step.description).join('; ')}.`);
  }
  for (const step of uncertain) {
    // The bot stopped between the IAM call and its journal entry, and the rollback could not check it.
    const undo = request.plan?.steps.find((planned) => planned.id === step.stepId)?.undo;
    lines.push(
      `May still be in effect: ${step.description} (the bot stopped before recording IAM's answer).` +
        (undo ? ` To undo it: \`${manualCommand(undo)}\`` : ''),
    );
  }
  lines.push(who);
  return lines.join('\n');
}

/** "Report …": the final thread reply, the card's final state, and the record's final status. */
export async function reportOutcome(deps: TaskDeps, input: ReportInput): Promise<{ status: RequestStatus }> {
  const loaded = await loadRequest(deps, input.requestId);
  switch (input.outcome) {
    case 'reminder':
      await recordEvent(deps, loaded, auditEvent(deps.clock, 'reminder', outcomeText(loaded, input)));
      return { status: loaded.status };
    case 'ended':
      return showEndOfAccess(deps, loaded);
    default:
      return reportFinal(deps, loaded, { ...input, outcome: input.outcome });
  }
}

async function reportFinal(
  deps: TaskDeps,
  loaded: AccessRequest,
  input: ReportInput & { outcome: FinalOutcome },
): Promise<{ status: RequestStatus }> {
  // The end the Wait state waits until: from the completed apply's journal marker, as apply returned it.
  const window =
    input.outcome === 'completed' || input.outcome === 'unverified'
      ? grantWindow(loaded, deps.grantReminderSeconds)
      : undefined;
  const timeBound = window !== undefined;
  const request: AccessRequest = window ? { ...loaded, accessExpiresAt: window.expiresAt } : loaded;
  const status: RequestStatus = timeBound
    ? 'active'
    : input.outcome === 'unverified'
      ? 'failed'
      : STATUS[input.outcome];
  const text = outcomeText(request, input);
  let current = await recordFinalStatus(deps, request, input, status);
  // A revoke whose detaches stand (done, or done but not confirmed by the check) ends its tier's grants.
  const revokeStands =
    input.outcome === 'completed' ||
    (input.outcome === 'failed' && summarizeJournal(current.completedSteps).inEffect.length > 0);
  if (revokeStands && current.command.action === 'revoke') {
    await endGrantsOfRevokedTier(deps, current);
  }
  const event = auditEvent(deps.clock, EVENT[input.outcome], text);
  let undelivered: unknown;
  if (!current.card) {
    // Failed (or no-op) before any card was posted: the outcome starts the request's own message in
    // the audit channel, so it is never reported to nobody.
    const posted = await postStandaloneOutcome(deps, current);
    if ('undelivered' in posted) undelivered = posted.undelivered;
    else current = posted;
  }
  const alreadyRecorded = loaded.events.some((seen) => seen.type === event.type && seen.text === event.text);
  if (!alreadyRecorded) await deps.store.appendEvent(current.requestId, event);
  deps.log.info('audit event', { event });
  if (current.card && undelivered === undefined) {
    undelivered = await deliver(deps, current, event);
  }
  if (current.card) await updateCard(deps, current, statusLine(input.outcome, current));
  if (input.outcome === 'no_change' || (input.outcome === 'failed' && current.decision === undefined)) {
    await tellRequester(deps, current, text);
  }
  if (undelivered !== undefined) {
    if (undelivered instanceof TransientError) throw undelivered;
    throw new OutcomeNotDeliveredError(
      `The outcome of ${current.requestId} could not be posted to Slack; it is in the request's record.`,
      { cause: undelivered },
    );
  }
  return { status };
}

/**
 * Writes the final status (and, for an expiry, the decision) with the time limit this report computed.
 * Returns the record as it stands afterwards.
 */
async function recordFinalStatus(
  deps: TaskDeps,
  request: AccessRequest,
  input: ReportInput & { outcome: FinalOutcome },
  status: RequestStatus,
): Promise<AccessRequest> {
  try {
    const result = await updateRequest(
      deps.store,
      input.requestId,
      savableBy('report'),
      (fresh) => {
        const next: AccessRequest = {
          ...fresh,
          // A revoke may have ended this grant while it was being applied; that stays.
          status: fresh.status === 'revoked_early' ? fresh.status : status,
          ...(request.accessExpiresAt ? { accessExpiresAt: request.accessExpiresAt } : {}),
        };
        if (input.outcome === 'expired') {
          next.decision = { outcome: 'expired', by: [], at: deps.clock.now().toISOString() };
          delete next.taskToken;
        }
        return next;
      },
      // The first round writes what this report read (with the time limit it computed).
      { current: request },
    );
    return result.request;
  } catch (error) {
    // Deliberately not blocking the report: the outcome is still posted and the thread is the audit
    // trail; only the record's status is left behind, and the error log says so.
    if (!(error instanceof RequestConflictError)) throw error;
    deps.log.error('could not record the final status; reporting the outcome anyway', { status, error });
    return loadRequest(deps, input.requestId);
  }
}

/** Posts the final event into the thread; the error when Slack refused it (the caller decides). */
async function deliver(deps: AuditDeps, request: AccessRequest, event: AuditEvent): Promise<unknown> {
  if (!request.card) return undefined;
  try {
    await deps.slack.post({ channel: request.card.channel, threadTs: request.card.ts, text: event.text });
    return undefined;
  } catch (error) {
    deps.log.error('could not post the outcome to the thread', {
      eventType: event.type,
      error,
    });
    return error;
  }
}

/**
 * The requester typed the command elsewhere and the ack could not know the outcome yet: when the plan
 * finds nothing to change, or the request fails before anyone decided, they are told where they asked.
 */
async function tellRequester(deps: TaskDeps, request: AccessRequest, text: string): Promise<void> {
  try {
    await deps.slack.postEphemeral({
      channel: request.channelId,
      user: request.requester.userId,
      text: `${request.requestId}: ${text}`,
    });
  } catch (error) {
    // The thread reply mentions them; an ephemeral fails where the bot is not in the channel.
    deps.log.warn('could not tell the requester directly', {
      error,
    });
  }
}

/** The auto-approval line of a request the rules (this function's own) approved without a human. */
const autoApprovalLine = (deps: TaskDeps, request: AccessRequest): string | undefined =>
  deps.rules !== undefined && autoApproved(deps.rules, request.command)
    ? autoApprovedLine(AUTO_APPROVE_RULE, deps.rules.source)
    : undefined;

async function updateCard(deps: TaskDeps, request: AccessRequest, line: string): Promise<void> {
  if (!request.card) return;
  try {
    await deps.slack.update({
      channel: request.card.channel,
      ts: request.card.ts,
      text: `${request.requestId}: ${request.status.replace('_', ' ')}`,
      blocks: [
        ...decidedCard(request, autoApprovalLine(deps, request)),
        { type: 'context', elements: [{ type: 'mrkdwn', text: line }] },
      ],
    });
  } catch (error) {
    deps.log.error('could not update the approval card', {
      error,
    });
  }
}

const statusLine = (outcome: FinalOutcome, request: AccessRequest): string => {
  switch (outcome) {
    case 'completed':
      return request.status === 'active'
        ? 'Status: applied and verified; it will be revoked automatically at its time limit.'
        : 'Status: applied and verified. See the thread for each step.';
    case 'unverified':
      return 'Status: applied, but the check failed; still revoked automatically at its time limit.';
    case 'failed':
      return nothingChanged(request)
        ? 'Status: failed; nothing was changed in AWS. See the thread for why.'
        : 'Status: failed. See the thread for what was applied and rolled back.';
    case 'no_change':
      return 'Status: nothing to change.';
    default:
      return `Status: ${outcome}.`;
  }
};

/** The card once a time-bound grant's expiry ran: it no longer claims the access is in effect. */
async function showEndOfAccess(deps: TaskDeps, request: AccessRequest): Promise<{ status: RequestStatus }> {
  const line =
    request.status === 'revoked_early'
      ? `Status: ended early by ${request.endedBy ?? 'a revoke'}; the time limit revoked nothing more.`
      : request.status === 'failed'
        ? 'Status: time limit reached, but some access could NOT be revoked. The thread has the command to run.'
        : 'Status: time limit reached; the access was revoked.';
  await updateCard(deps, request, line);
  return { status: request.status };
}

/** The request with the card just posted, or why the outcome could not be posted (the caller decides). */
async function postStandaloneOutcome(
  deps: TaskDeps,
  request: AccessRequest,
): Promise<AccessRequest | { undelivered: unknown }> {
  let card: { channel: string; ts: string };
  try {
    card = await deps.slack.post({
      channel: deps.auditChannelId,
      text: `CodeBuild access request ${request.requestId} by ${mention(request.requester.userId)}: ${request.plan?.summary ?? request.command.action}`,
    });
  } catch (error) {
    deps.log.error('could not post the outcome to the audit channel', {
      error,
    });
    return { undelivered: error };
  }
  try {
    const result = await updateRequest(
      deps.store,
      request.requestId,
      savableBy('report'),
      // Another run of this report got its card in first: the thread goes under that one.
      (fresh) => (fresh.card ? noChange('the request already has a card') : { ...fresh, card }),
      { current: request },
    );
    if (result.saved) for (const event of request.events) await postToThread(deps, result.request, event);
    return result.request;
  } catch (error) {
    // Deliberately not blocking the report: the message is posted, only the record does not point at it.
    if (!(error instanceof RequestConflictError)) return { undelivered: error };
    deps.log.error('posted the outcome, but could not record its message on the request', { error });
    return request;
  }
}

/**
 * A completed revoke ends every grant of the same tier to the same target still in effect: a
 * time-bound one becomes revoked_early (its scheduled expiry then revokes nothing), a permanent one is
 * marked ended, so neither is counted later as needing a policy.
 */
async function endGrantsOfRevokedTier(deps: TaskDeps, revoke: AccessRequest): Promise<void> {
  if (!isTierCommand(revoke.command)) return;
  const tier = revoke.command.tier;
  for (const grant of await otherRequestsFor(deps, revoke)) {
    if (!isTierCommand(grant.command) || grant.command.tier !== tier || !grantInEffect(grant)) continue;
    let ended: UpdateResult;
    try {
      ended = await updateRequest(
        deps.store,
        grant.requestId,
        savableBy('report'),
        (fresh) =>
          // Re-checked on the fresh record: its own expiry or another revoke may have ended it first.
          grantInEffect(fresh)
            ? {
                ...fresh,
                ...(fresh.status === 'active' ? { status: 'revoked_early' as const } : {}),
                endedBy: revoke.requestId,
              }
            : noChange('the grant is no longer in effect'),
        { current: grant },
      );
    } catch (error) {
      // Deliberately not blocking the revoke's report: the detaches stand, and a grant left unmarked
      // only keeps a policy counted as needed (never detaches one); the error log names it.
      if (!(error instanceof RequestConflictError)) throw error;
      deps.log.error('could not mark a grant ended by this revoke', { grant: grant.requestId, error });
      continue;
    }
    if (!ended.saved) continue;
    const timeBound = ended.request.status === 'revoked_early';
    await recordEvent(
      deps,
      ended.request,
      auditEvent(
        deps.clock,
        'access_expired',
        `:scissors: Ended ${timeBound ? 'early ' : ''}by ${revoke.requestId} (revoke by ${mention(revoke.requester.userId)})` +
          (timeBound ? '; the scheduled expiry will revoke nothing.' : '.'),
      ),
    );
  }
}
