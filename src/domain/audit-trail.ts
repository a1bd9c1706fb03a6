import type { Clock, Log, RequestStore, SlackPort, Wording } from './ports';
import type { AccessRequest, AuditEvent, AuditEventType } from './request';

export interface AuditDeps {
  store: RequestStore;
  slack: SlackPort;
  log: Log;
  clock: Clock;
  /** Words every notice and card (src/slack/blocks/); the domain says what happened, never how. */
  wording: Wording;
}

/** Builds an audit event stamped with the clock's time. */
export const auditEvent = (clock: Clock, type: AuditEventType, text: string, actor?: string): AuditEvent =>
  actor === undefined
    ? { type, at: clock.now().toISOString(), text }
    : { type, at: clock.now().toISOString(), actor, text };

/**
 * Records an event: appended to the request's record first (the durable trail), then posted as a reply
 * in the card's thread, then logged. A Slack failure is logged, not thrown: the record already has it,
 * and retrying the task would append the event twice.
 */
export async function recordEvent(deps: AuditDeps, request: AccessRequest, event: AuditEvent): Promise<void> {
  await deps.store.appendEvent(request.requestId, event);
  deps.log.info('audit event', { event });
  if (request.card) {
    await postToThread(deps, request, event);
  }
}

/** A thread reply's text: the account first (the plan's, which the approvals bind, else the request's). */
export function threadText(
  deps: Pick<AuditDeps, 'wording'>,
  request: Partial<Pick<AccessRequest, 'plan' | 'account'>>,
  text: string,
): string {
  const account = request.plan?.account ?? request.account;
  return account && deps.wording.accountTag ? `${deps.wording.accountTag(account)} ${text}` : text;
}

/** Posts one already-recorded event into the request's thread. */
export async function postToThread(
  deps: AuditDeps,
  request: AccessRequest,
  event: AuditEvent,
): Promise<void> {
  if (!request.card) return;
  try {
    // Every reply names the account first (the plan's, which the approvals bind, else the request's).
    await deps.slack.post({
      channel: request.card.channel,
      threadTs: request.card.ts,
      text: threadText(deps, request, event.text),
    });
  } catch (error) {
    deps.log.error('could not post audit event to the thread', {
      eventType: event.type,
      error,
    });
  }
}
