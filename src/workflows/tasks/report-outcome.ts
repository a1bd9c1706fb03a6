import { auditEvent, postToThread, recordEvent } from '../../domain/audit-trail';
import { WORKFLOW_ERROR_NAMES } from '../../domain/errors';
import type { AccessRequest, AuditEventType, RequestStatus } from '../../domain/request';
import { decidedCard } from '../../slack/blocks/approval-card';
import { mention, slackDate } from '../../slack/blocks/text';
import { causeMessage, type ReportInput } from '../state';
import { loadRequest, type TaskDeps } from './deps';
import { summarizeJournal } from './roll-back';

const STATUS: Record<ReportInput['outcome'], RequestStatus> = {
  completed: 'completed',
  no_change: 'no_change',
  denied: 'denied',
  expired: 'expired',
  failed: 'failed',
  reminder: 'active',
};

const EVENT: Record<ReportInput['outcome'], AuditEventType> = {
  completed: 'verified',
  no_change: 'no_change',
  denied: 'denied',
  expired: 'expired',
  failed: 'failed',
  reminder: 'reminder',
};

/** The user-facing reason of a caught error; unexpected errors get a reference, not internals. */
function failureReason(input: ReportInput): string {
  const name = input.error?.Error ?? '';
  if ((WORKFLOW_ERROR_NAMES as readonly string[]).includes(name)) return causeMessage(input.error);
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
    case 'reminder':
      return `:alarm_clock: ${who}, ${request.plan?.summary ?? 'this access'} ends ${slackDate(request.accessExpiresAt ?? '')}. Ask again before then if you still need it.`;
    case 'no_change':
      return `:information_source: Nothing to change: ${request.plan?.unchanged.join('; ') || 'already in place'}. ${who}`;
    case 'denied':
      return `:no_entry: Denied; nothing was changed. ${who}`;
    case 'expired':
      return `:hourglass: Expired: nobody approved in time, so nothing was changed. ${who}, ask again if you still need it.`;
    case 'failed': {
      const { inEffect, rolledBack } = summarizeJournal(request.completedSteps);
      const lines = [`:x: Failed: ${failureReason(input)}`];
      if (inEffect.length === 0 && rolledBack.length === 0) {
        lines.push('Nothing was changed in AWS.');
      }
      if (rolledBack.length > 0) {
        lines.push(`Rolled back: ${rolledBack.map((step) => step.description).join('; ')}.`);
      }
      if (inEffect.length > 0) {
        lines.push(`Still in effect: ${inEffect.map((step) => step.description).join('; ')}.`);
      }
      lines.push(who);
      return lines.join('\n');
    }
  }
}

/** "Report …": the final thread reply, the card's final state, and the record's final status. */
export async function reportOutcome(deps: TaskDeps, input: ReportInput): Promise<{ status: RequestStatus }> {
  const loaded = await loadRequest(deps, input.requestId);
  if (input.outcome === 'reminder') {
    await recordEvent(deps, loaded, auditEvent(deps.clock, 'reminder', outcomeText(loaded, input)));
    return { status: loaded.status };
  }
  const durationSeconds = 'durationSeconds' in loaded.command ? loaded.command.durationSeconds : undefined;
  const timeBound = input.outcome === 'completed' && durationSeconds !== undefined;
  const request: AccessRequest = timeBound
    ? {
        ...loaded,
        accessExpiresAt:
          loaded.accessExpiresAt ??
          new Date(deps.clock.now().getTime() + (durationSeconds ?? 0) * 1000).toISOString(),
      }
    : loaded;
  const status = timeBound ? 'active' : STATUS[input.outcome];
  const text = outcomeText(request, input);
  let current = request;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const next: AccessRequest = {
      ...current,
      version: current.version + 1,
      status,
      ...(request.accessExpiresAt ? { accessExpiresAt: request.accessExpiresAt } : {}),
    };
    if (input.outcome === 'expired') {
      next.decision = { outcome: 'expired', by: [], at: deps.clock.now().toISOString() };
      delete next.taskToken;
    }
    if (await deps.store.save(next, current.version)) {
      current = next;
      break;
    }
    current = await loadRequest(deps, input.requestId);
  }
  if (input.outcome === 'completed' && current.command.action === 'revoke') {
    await endTimeBoundGrants(deps, current);
  }
  if (!current.card) {
    // Failed (or no-op) before any card was posted: the outcome starts the request's own message in
    // the audit channel, so it is never reported to nobody.
    current = await postStandaloneOutcome(deps, current, text);
  }
  await recordEvent(deps, current, auditEvent(deps.clock, EVENT[input.outcome], text));
  if (
    current.card &&
    (input.outcome === 'expired' || input.outcome === 'completed' || input.outcome === 'failed')
  ) {
    try {
      await deps.slack.update({
        channel: current.card.channel,
        ts: current.card.ts,
        text: `${request.requestId}: ${status.replace('_', ' ')}`,
        blocks: [
          ...decidedCard(current),
          { type: 'context', elements: [{ type: 'mrkdwn', text: statusLine(input) }] },
        ],
      });
    } catch (error) {
      deps.log.error('could not update the approval card', {
        requestId: request.requestId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return { status };
}

const statusLine = (input: ReportInput): string => {
  switch (input.outcome) {
    case 'completed':
      return 'Status: applied and verified. See the thread for each step.';
    case 'failed':
      return 'Status: failed. See the thread for what was applied and rolled back.';
    default:
      return `Status: ${input.outcome.replace('_', ' ')}.`;
  }
};

async function postStandaloneOutcome(
  deps: TaskDeps,
  request: AccessRequest,
  text: string,
): Promise<AccessRequest> {
  try {
    const card = await deps.slack.post({
      channel: deps.auditChannelId,
      text: `CodeBuild access request ${request.requestId} by <@${request.requester.userId}>: ${request.plan?.summary ?? request.command.action}`,
    });
    const next = { ...request, version: request.version + 1, card };
    if (await deps.store.save(next, request.version)) {
      for (const event of request.events) await postToThread(deps, next, event);
      return next;
    }
  } catch (error) {
    deps.log.error('could not post the outcome to the audit channel', {
      requestId: request.requestId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
  return request;
}

/**
 * A completed revoke ends any time-bound grant of the same tier to the same target, so its expiry
 * (still waiting in its own run) revokes nothing twice.
 */
async function endTimeBoundGrants(deps: TaskDeps, revoke: AccessRequest): Promise<void> {
  if (!deps.grants || !('tier' in revoke.command)) return;
  const tier = revoke.command.tier;
  for (const summary of await deps.grants.activeGrantsFor(revoke.target.arn)) {
    if (!('tier' in summary.command) || summary.command.tier !== tier || summary.command.action !== 'grant')
      continue;
    const grant = await deps.store.get(summary.requestId);
    if (!grant || grant.status !== 'active') continue;
    const ended: AccessRequest = {
      ...grant,
      version: grant.version + 1,
      status: 'revoked_early',
      endedBy: revoke.requestId,
    };
    if (await deps.store.save(ended, grant.version)) {
      await recordEvent(
        deps,
        ended,
        auditEvent(
          deps.clock,
          'access_expired',
          `:scissors: Ended early by ${revoke.requestId} (revoke by <@${revoke.requester.userId}>); the scheduled expiry will revoke nothing.`,
        ),
      );
    }
  }
}
