import { auditEvent, recordEvent } from '../../domain/audit-trail';
import { WORKFLOW_ERROR_NAMES } from '../../domain/errors';
import type { AccessRequest, AuditEventType, RequestStatus } from '../../domain/request';
import { decidedCard } from '../../slack/blocks/approval-card';
import { mention } from '../../slack/blocks/text';
import { causeMessage, type ReportInput } from '../state';
import { loadRequest, type TaskDeps } from './deps';
import { summarizeJournal } from './roll-back';

const STATUS: Record<ReportInput['outcome'], RequestStatus> = {
  completed: 'completed',
  no_change: 'no_change',
  denied: 'denied',
  expired: 'expired',
  failed: 'failed',
};

const EVENT: Record<ReportInput['outcome'], AuditEventType> = {
  completed: 'verified',
  no_change: 'no_change',
  denied: 'denied',
  expired: 'expired',
  failed: 'failed',
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
      return `:white_check_mark: Done. ${request.plan?.summary ?? 'The change'} was applied and verified. ${who}`;
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
  const request = await loadRequest(deps, input.requestId);
  const status = STATUS[input.outcome];
  const text = outcomeText(request, input);
  let current = request;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const next: AccessRequest = { ...current, version: current.version + 1, status };
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
