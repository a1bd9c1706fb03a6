import { autoApproved, autoApproveRuleOf } from '../../domain/access-rules';
import { type AuditDeps, auditEvent, postToThread, recordEvent, threadText } from '../../domain/audit-trail';
import { isTierCommand } from '../../domain/command';
import { sendDirect } from '../../domain/direct-messages';
import {
  InternalInvariantError,
  OutcomeNotDeliveredError,
  RequestConflictError,
  TransientError,
  USER_SAFE_ERROR_NAMES,
} from '../../domain/errors';
import {
  grantInEffect,
  grantWindow,
  remindedOfCurrentEnd,
  secondsUntil,
  summarizeJournal,
} from '../../domain/grant-ledger';
import type { AutoApproval, CardStatus, FailureReason, Notice } from '../../domain/notices';
import { manualCommand } from '../../domain/plans';
import {
  type AccessRequest,
  type AuditEvent,
  type AuditEventType,
  type RequestStatus,
  savableBy,
} from '../../domain/request';
import { noChange, type UpdateResult, updateRequest } from '../../domain/update-request';
import { causeMessage, type ReportInput } from '../state';
import { loadRequest, type TaskDeps } from './deps';
import { reportExtension } from './extend-grant';
import { otherRequestsFor } from './target-records';

/** The outcomes that close a request (or, for a time-bound grant, its applied phase). */
type FinalOutcome = Exclude<ReportInput['outcome'], 'reminder' | 'ended' | 'extended'>;

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

/** What may be told of a caught error; unexpected errors get a reference, not internals. */
function failureReason(input: ReportInput): FailureReason {
  const name = input.error?.Error ?? '';
  if ((USER_SAFE_ERROR_NAMES as readonly string[]).includes(name)) {
    return { kind: 'error', message: causeMessage(input.error) };
  }
  if (name === 'States.Timeout') return { kind: 'timeout' };
  return { kind: 'unexpected', requestId: input.requestId };
}

/** What the closing message (or the reminder) of a request says, from the record and the apply journal. */
export function outcomeNotice(
  request: AccessRequest,
  input: ReportInput & { outcome: FinalOutcome | 'reminder' },
): Notice {
  const requester = request.requester.userId;
  const summary = request.plan?.summary;
  const withSummary = summary === undefined ? {} : { summary };
  switch (input.outcome) {
    case 'completed':
      return {
        kind: 'done',
        requester,
        ...withSummary,
        ...(request.accessExpiresAt ? { accessExpiresAt: request.accessExpiresAt } : {}),
      };
    case 'unverified':
      return {
        kind: 'unverified',
        requester,
        reason: failureReason(input),
        ...withSummary,
        accessExpiresAt: request.accessExpiresAt ?? '',
      };
    case 'reminder':
      return {
        kind: 'reminder',
        requester,
        requestId: request.requestId,
        ...withSummary,
        accessExpiresAt: request.accessExpiresAt ?? '',
      };
    case 'no_change':
      return { kind: 'no_change', requester, unchanged: request.plan?.unchanged ?? [] };
    case 'denied':
      return { kind: 'closed_denied', requester };
    case 'expired':
      return { kind: 'closed_expired', requester };
    case 'failed':
      return failedNotice(request, input);
  }
}

/** True when the journal shows no change that ever reached AWS (nothing applied, nothing possibly applied). */
const nothingChanged = (request: AccessRequest): boolean => {
  const { inEffect, rolledBack, uncertain } = summarizeJournal(request.completedSteps);
  return inEffect.length === 0 && rolledBack.length === 0 && uncertain.length === 0;
};

function failedNotice(request: AccessRequest, input: ReportInput): Notice {
  const { inEffect, rolledBack, uncertain } = summarizeJournal(request.completedSteps);
  return {
    kind: 'failed',
    requester: request.requester.userId,
    reason: failureReason(input),
    nothingChanged: nothingChanged(request),
    rolledBack: rolledBack.map((step) => step.description),
    inEffect: inEffect.map((step) => step.description),
    uncertain: uncertain.map((step) => {
      const undo = request.plan?.steps.find((planned) => planned.id === step.stepId)?.undo;
      return { description: step.description, ...(undo ? { undoCommand: manualCommand(undo) } : {}) };
    }),
  };
}

/** "Report …": the final thread reply, the card's final state, and the record's final status. */
export async function reportOutcome(
  deps: TaskDeps,
  input: ReportInput,
): Promise<{ status: RequestStatus; secondsLeft?: number }> {
  const loaded = await loadRequest(deps, input.requestId);
  switch (input.outcome) {
    case 'reminder':
      return remind(deps, loaded, input);
    case 'ended':
      return showEndOfAccess(deps, loaded);
    case 'extended':
      return reportExtension(deps, loaded, input.extension);
    default:
      return reportFinal(deps, loaded, { ...input, outcome: input.outcome });
  }
}

/** The status a final outcome records: a time-bound grant stays active until its expiry. */
function finalStatus(outcome: FinalOutcome, timeBound: boolean): RequestStatus {
  if (timeBound) return 'active';
  return outcome === 'unverified' ? 'failed' : STATUS[outcome];
}

/**
 * The request as this report closes it, with its status. The end the Wait state waits until comes from
 * the completed apply's journal marker, as apply returned it.
 */
function closingState(
  deps: TaskDeps,
  loaded: AccessRequest,
  outcome: FinalOutcome,
): { request: AccessRequest; status: RequestStatus } {
  const appliedTimeBound = outcome === 'completed' || outcome === 'unverified';
  const window = appliedTimeBound ? grantWindow(loaded, deps.grantReminderSeconds) : undefined;
  const request: AccessRequest = window ? { ...loaded, accessExpiresAt: window.expiresAt } : loaded;
  return { request, status: finalStatus(outcome, window !== undefined) };
}

/** A revoke whose detaches stand (done, or done but not confirmed by the check) ends its tier's grants. */
function revokeStands(outcome: FinalOutcome, request: AccessRequest): boolean {
  if (request.command.action !== 'revoke') return false;
  if (outcome === 'completed') return true;
  return outcome === 'failed' && summarizeJournal(request.completedSteps).inEffect.length > 0;
}

/**
 * Failed (or no-op) before any card was posted: the outcome starts the request's own message in the audit
 * channel, so it is never reported to nobody. Returns the request as it stands, and why posting failed.
 */
async function ensureCard(
  deps: TaskDeps,
  request: AccessRequest,
): Promise<{ current: AccessRequest } | { current: AccessRequest; undelivered: unknown }> {
  if (request.card) return { current: request };
  const posted = await postStandaloneOutcome(deps, request);
  return 'undelivered' in posted
    ? { current: request, undelivered: posted.undelivered }
    : { current: posted };
}

/** Appends the event unless a retried report already did; true when it had been recorded before. */
async function recordOutcomeOnce(
  deps: TaskDeps,
  loaded: AccessRequest,
  current: AccessRequest,
  event: AuditEvent,
): Promise<boolean> {
  const alreadyRecorded = loaded.events.some((seen) => seen.type === event.type && seen.text === event.text);
  if (!alreadyRecorded) await deps.store.appendEvent(current.requestId, event);
  deps.log.info('audit event', { event });
  return alreadyRecorded;
}

/**
 * Tells the requester: where they asked, when the ack could not know the outcome (nothing to change, or
 * a failure before anyone decided); by DM, unless a retried report did already. Denials were told by the
 * slack function when they were clicked.
 */
async function tellOutcome(
  deps: TaskDeps,
  request: AccessRequest,
  outcome: FinalOutcome,
  text: string,
  alreadyRecorded: boolean,
): Promise<void> {
  if (outcome === 'no_change' || (outcome === 'failed' && request.decision === undefined)) {
    await tellRequester(deps, request, text);
  }
  if (alreadyRecorded || outcome === 'denied' || outcome === 'no_change') return;
  await sendDirect(deps, request, request.requester.userId, {
    kind: 'update',
    requestId: request.requestId,
    said: text,
  });
}

/** The outcome is in the record but Slack never showed it: the named error the workflow retries or reports. */
function undeliveredError(request: AccessRequest, undelivered: unknown): Error {
  if (undelivered instanceof TransientError) return undelivered;
  return new OutcomeNotDeliveredError(
    `The outcome of ${request.requestId} could not be posted to Slack; it is in the request's record.`,
    { cause: undelivered },
  );
}

/**
 * Reminds the requester once per end: a retried task or a resumed run only computes the time left again;
 * an extension moved the end, so its new end is reminded of too.
 */
async function remind(
  deps: TaskDeps,
  loaded: AccessRequest,
  input: ReportInput,
): Promise<{ status: RequestStatus; secondsLeft: number }> {
  if (!remindedOfCurrentEnd(loaded.events)) {
    const said = deps.wording.say(outcomeNotice(loaded, { ...input, outcome: 'reminder' }));
    await recordEvent(deps, loaded, auditEvent(deps.clock, 'reminder', said));
    await sendDirect(deps, loaded, loaded.requester.userId, {
      kind: 'update',
      requestId: loaded.requestId,
      said,
    });
  }
  const window = grantWindow(loaded, deps.grantReminderSeconds);
  if (!window) {
    throw new InternalInvariantError(`Request ${loaded.requestId} has no time limit to remind of.`);
  }
  // "Hold until expiry" times out after these seconds: exactly at the end the record shows.
  return { status: loaded.status, secondsLeft: secondsUntil(window.expiresAt, deps.clock.now()) };
}

async function reportFinal(
  deps: TaskDeps,
  loaded: AccessRequest,
  input: ReportInput & { outcome: FinalOutcome },
): Promise<{ status: RequestStatus }> {
  const { request, status } = closingState(deps, loaded, input.outcome);
  const text = deps.wording.say(outcomeNotice(request, input));
  const recorded = await recordFinalStatus(deps, request, input, status);
  if (revokeStands(input.outcome, recorded)) await endGrantsOfRevokedTier(deps, recorded);
  const event = auditEvent(deps.clock, EVENT[input.outcome], text);
  const posted = await ensureCard(deps, recorded);
  const { current } = posted;
  const alreadyRecorded = await recordOutcomeOnce(deps, loaded, current, event);
  const undelivered = 'undelivered' in posted ? posted.undelivered : await deliver(deps, current, event);
  await updateCard(deps, current, cardStatus(input.outcome, current));
  await tellOutcome(deps, current, input.outcome, text, alreadyRecorded);
  await deps.homeTabs?.refreshFor(current);
  if (undelivered !== undefined) throw undeliveredError(current, undelivered);
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
    await deps.slack.post({
      channel: request.card.channel,
      threadTs: request.card.ts,
      text: threadText(deps, request, event.text),
    });
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
      text: deps.wording.say({ kind: 'told_requester', requestId: request.requestId, text }),
    });
  } catch (error) {
    // The thread reply mentions them; an ephemeral fails where the bot is not in the channel.
    deps.log.warn('could not tell the requester directly', {
      error,
    });
  }
}

/** The rule that approved a request without a human (this function's own rules), if one did. */
const autoApproval = (deps: TaskDeps, request: AccessRequest): AutoApproval | undefined =>
  deps.rules !== undefined && autoApproved(deps.rules, request.command)
    ? { rule: autoApproveRuleOf(deps.rules, request.command), source: deps.rules.source }
    : undefined;

async function updateCard(deps: TaskDeps, request: AccessRequest, status: CardStatus): Promise<void> {
  if (!request.card) return;
  try {
    await deps.slack.update({
      channel: request.card.channel,
      ts: request.card.ts,
      ...deps.wording.closedCard(request, status, autoApproval(deps, request)),
    });
  } catch (error) {
    deps.log.error('could not update the approval card', {
      error,
    });
  }
}

const cardStatus = (outcome: FinalOutcome, request: AccessRequest): CardStatus => {
  switch (outcome) {
    case 'completed':
      return { kind: 'completed', active: request.status === 'active' };
    case 'failed':
      return { kind: 'failed', nothingChanged: nothingChanged(request) };
    default:
      return { kind: outcome };
  }
};

/** The statuses an ended grant's card names as such; any other status reads as revoked at its time limit. */
const ENDED_AS = ['relinquished', 'revoked_early', 'failed'] as const;

/** The card once a time-bound grant's expiry ran: it no longer claims the access is in effect. */
async function showEndOfAccess(deps: TaskDeps, request: AccessRequest): Promise<{ status: RequestStatus }> {
  const outcome = ENDED_AS.find((ended) => ended === request.status) ?? 'revoked';
  await updateCard(deps, request, {
    kind: 'time_limit',
    outcome,
    ...(request.endedBy ? { endedBy: request.endedBy } : {}),
    ...(request.relinquishedBy ? { relinquishedBy: request.relinquishedBy } : {}),
  });
  if (outcome !== 'revoked_early') {
    await sendDirect(deps, request, request.requester.userId, {
      kind: 'access_ended',
      request,
      failed: outcome === 'failed',
    });
  }
  await deps.homeTabs?.refreshFor(request);
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
      text: deps.wording.say({
        kind: 'standalone',
        requestId: request.requestId,
        requester: request.requester.userId,
        summary: request.plan?.summary ?? request.command.action,
      }),
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
        deps.wording.say({
          kind: 'ended_by_revoke',
          revokeId: revoke.requestId,
          revoker: revoke.requester.userId,
          timeBound,
        }),
      ),
    );
  }
}
