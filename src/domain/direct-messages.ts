import { type AuditDeps, threadText } from './audit-trail';
import { BotError } from './errors';
import type { DirectMessage } from './notices';
import type { AccessRequest } from './request';

/** The DMs that carry a request's news to its requester (not the approvers' asks, which name the account). */
const ABOUT_THE_REQUEST: ReadonlySet<DirectMessage['kind']> = new Set(['update', 'decided', 'access_ended']);

const reasonOf = (error: unknown): string => {
  const code = (error as { cause?: { data?: { error?: string } } } | undefined)?.cause?.data?.error;
  if (code) return `Slack said ${code}`;
  return error instanceof BotError ? error.userMessage : 'Slack did not answer';
};

/**
 * Sends one direct message about a request. A DM is extra, never the record: a failure is logged and
 * noted in the request's thread, and never fails the caller. True when the DM was sent.
 */
export async function sendDirect(
  deps: Pick<AuditDeps, 'slack' | 'log' | 'wording'>,
  request: Pick<AccessRequest, 'requestId' | 'card'> & Partial<Pick<AccessRequest, 'plan' | 'account'>>,
  userId: string,
  message: DirectMessage,
): Promise<boolean> {
  try {
    const rendered = deps.wording.direct(message);
    // What the requester is told names the account first, as the thread does (the approvers' DMs put
    // it in their own first line).
    const text = ABOUT_THE_REQUEST.has(message.kind)
      ? threadText(deps, request, rendered.text)
      : rendered.text;
    await deps.slack.postDirect(userId, text, rendered.blocks);
    return true;
  } catch (error) {
    deps.log.warn('could not send a direct message', { requestId: request.requestId, to: userId, error });
    if (!request.card) return false;
    try {
      const note = deps.wording.direct({ kind: 'failed_note', userId, reason: reasonOf(error) });
      await deps.slack.post({
        channel: request.card.channel,
        threadTs: request.card.ts,
        text: note.text,
      });
    } catch (noteError) {
      deps.log.error('could not note a failed direct message in the thread', { error: noteError });
    }
    return false;
  }
}
