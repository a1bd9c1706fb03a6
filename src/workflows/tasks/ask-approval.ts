import { postToThread } from '../../domain/audit-trail';
import { ConflictError, RequestConflictError, UnknownRequestError } from '../../domain/errors';
import { planHash } from '../../domain/plan';
import { type AccessRequest, savableBy } from '../../domain/request';
import { updateRequest } from '../../domain/update-request';
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
  // What the card shows; every approval records it, and apply refuses a plan without it.
  const hash = planHash(request.plan);
  const withToken: AccessRequest = {
    ...request,
    taskToken: input.taskToken,
    approvalExpiresAt: expiresAt,
    planHash: hash,
  };
  if (request.card) {
    // A retry after the card was posted: refresh the token only, never post a second card.
    await storeApprovalState(deps, request, withToken);
    return;
  }
  const card = await deps.slack.post({
    channel: deps.auditChannelId,
    ...deps.wording.approvalCard(withToken, expiresAt),
  });
  const posted = await storeApprovalState(deps, request, { ...withToken, card });
  // Events recorded before the card existed ("requested") start the thread.
  for (const event of request.events) {
    await postToThread(deps, posted, event);
  }
}

/**
 * Stores the token, the wait's end, the plan hash and the card. A lost race is re-applied to the fresh
 * record only while its plan is still the one the card shows; otherwise (or when it keeps losing) the
 * task fails with a named error and is not retried: a retry would post a second card.
 */
async function storeApprovalState(
  deps: TaskDeps,
  read: AccessRequest,
  wanted: AccessRequest,
): Promise<AccessRequest> {
  try {
    const result = await updateRequest(
      deps.store,
      read.requestId,
      savableBy('askApproval'),
      (current) => {
        if (current.plan === undefined || planHash(current.plan) !== wanted.planHash) {
          throw new ConflictError(
            `Request ${read.requestId} was planned again while its approval card was being posted; ask again.`,
          );
        }
        return {
          ...current,
          taskToken: wanted.taskToken,
          approvalExpiresAt: wanted.approvalExpiresAt,
          planHash: wanted.planHash,
          card: wanted.card,
        };
      },
      { current: read },
    );
    return result.request;
  } catch (error) {
    if (!(error instanceof RequestConflictError)) throw error;
    throw new ConflictError(
      `Request ${read.requestId} changed while its approval card was being posted; ask again.`,
      { cause: error },
    );
  }
}
