import { autoApproved, autoApproveRuleOf } from '../../domain/access-rules';
import { auditEvent, postToThread, recordEvent } from '../../domain/audit-trail';
import { sendDirect } from '../../domain/direct-messages';
import {
  ConflictError,
  PlanRefusedError,
  RequestConflictError,
  UnknownRequestError,
} from '../../domain/errors';
import { planHash } from '../../domain/plans';
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
  await tellApprovers(deps, posted);
  // The request now waits in the approvers' Home tabs (and in the requester's as pending).
  await deps.homeTabs?.refreshFor(posted);
}

/**
 * A DM to each approver (never the requester) with the card's summary and a link to it, so a private
 * or busy audit channel is not a blind spot. Sent once, when the card is first posted; a failure is
 * noted in the thread and never fails the request.
 */
async function tellApprovers(deps: TaskDeps, request: AccessRequest): Promise<void> {
  if (!deps.approverIds || !request.card) return;
  const approvers = (await deps.approverIds()).filter((id) => id !== request.requester.userId);
  if (approvers.length === 0) return;
  let permalink: string | undefined;
  try {
    permalink = await deps.slack.permalink(request.card.channel, request.card.ts);
  } catch (error) {
    deps.log.warn('could not link to the approval card; the DMs go without the link', { error });
  }
  for (const approver of approvers) {
    await sendDirect(deps, request, approver, {
      kind: 'approval_needed',
      request,
      ...(permalink ? { permalink } : {}),
    });
  }
}

/**
 * "Hold until the reminder" / "Hold until expiry": stores the hold's task token on the record (holdToken),
 * where a relinquish finds it. Only a time-bound grant in effect is held; anything else fails the task,
 * and the ASL then falls back to the plain Wait on the absolute end time.
 */
export async function holdGrant(
  deps: TaskDeps,
  input: { requestId: string; taskToken: string; hold: 'reminder' | 'expiry'; secondsLeft: number },
): Promise<void> {
  const request = await loadRequest(deps, input.requestId);
  const { command } = request;
  if (command.action !== 'grant' || command.durationSeconds === undefined) {
    throw new PlanRefusedError(`Request ${request.requestId} is not a time-bound grant; nothing to hold.`);
  }
  await updateRequest(deps.store, request.requestId, savableBy('askApproval'), (current) => ({
    ...current,
    holdToken: input.taskToken,
  }));
  deps.log.info('grant held', { hold: input.hold, secondsLeft: input.secondsLeft });
}

/**
 * "Approve by rule": a readonly grant the access rules auto-approve. No human decides and no approval
 * is written (only the slack function writes approvals); the card is posted already decided, naming the
 * rule, so the audit channel still shows it. Apply checks the rule again with its own config.
 */
export async function approveByRule(
  deps: TaskDeps,
  input: { requestId: string },
): Promise<{ outcome: 'approved'; by: string[] }> {
  const request = await loadRequest(deps, input.requestId);
  if (deps.rules === undefined || !autoApproved(deps.rules, request.command)) {
    throw new PlanRefusedError(
      `Request ${request.requestId} is not one the access rules auto-approve; nothing was changed.`,
    );
  }
  if (!request.plan) throw new UnknownRequestError(`Request ${request.requestId} has no plan to approve.`);
  if (request.card) return { outcome: 'approved', by: [] };
  const hashed: AccessRequest = { ...request, planHash: planHash(request.plan) };
  const card = await deps.slack.post({
    channel: deps.auditChannelId,
    ...deps.wording.autoApprovedCard(hashed, {
      rule: autoApproveRuleOf(deps.rules, request.command),
      source: deps.rules.source,
    }),
  });
  const posted = await storeApprovalState(deps, request, { ...hashed, card });
  for (const event of request.events) {
    await postToThread(deps, posted, event);
  }
  const line = deps.wording.say({
    kind: 'auto_approved',
    rule: autoApproveRuleOf(deps.rules, request.command),
    source: deps.rules.source,
  });
  await recordEvent(deps, posted, auditEvent(deps.clock, 'approved', line));
  return { outcome: 'approved', by: [] };
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
