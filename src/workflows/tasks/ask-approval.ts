import { postToThread } from '../../domain/audit-trail';
import { ConflictError, UnknownRequestError } from '../../domain/errors';
import { planHash } from '../../domain/plan';
import { type AccessRequest, savableBy } from '../../domain/request';
import { approvalCard, cardText } from '../../slack/blocks/approval-card';
import { loadRequest, type TaskDeps } from './deps';

/**
 * "Ask for approval": stores the task token server side and posts the approval card. The buttons
 * carry only the request id; a click looks the token up (a token can be 2048 chars, a value 2000).
 */
export async function askApproval(
  deps: TaskDeps,
  input: { requestId: string; taskToken: string; approvalTimeoutSeconds: number },
): Promise<void> {
  const request = await loadRequest(deps, input.requestId);
  const expiresAt =
    request.approvalExpiresAt ??
    new Date(deps.clock.now().getTime() + input.approvalTimeoutSeconds * 1000).toISOString();
  if (!request.plan) throw new UnknownRequestError(`Request ${request.requestId} has no plan to approve.`);
  const withToken: AccessRequest = {
    ...request,
    version: request.version + 1,
    taskToken: input.taskToken,
    approvalExpiresAt: expiresAt,
    // What the card shows; every approval records it, and apply refuses a plan without it.
    planHash: planHash(request.plan),
  };
  if (request.card) {
    // A retry after the card was posted: refresh the token only, never post a second card.
    await saveOrThrow(deps, withToken, request.version);
    return;
  }
  const card = await deps.slack.post({
    channel: deps.auditChannelId,
    text: cardText(request),
    blocks: approvalCard(withToken, expiresAt),
  });
  const posted: AccessRequest = { ...withToken, card };
  await saveOrThrow(deps, posted, request.version);
  // Events recorded before the card existed ("requested") start the thread.
  for (const event of request.events) {
    await postToThread(deps, posted, event);
  }
}

async function saveOrThrow(deps: TaskDeps, request: AccessRequest, expectedVersion: number): Promise<void> {
  if (!(await deps.store.save(request, expectedVersion, savableBy('askApproval')))) {
    // Not retried: the card may already be posted, and a retry would post a second one.
    throw new ConflictError(
      `Request ${request.requestId} changed while its approval card was being posted; ask again.`,
    );
  }
}
