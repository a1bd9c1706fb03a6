import { whyNotDecidable } from './approval';
import { auditEvent, recordEvent } from './audit-trail';
import { type DecideDeps, type DecideResult, restoreUndecided } from './decide-request';
import { BotError, RequestConflictError, UnknownRequestError } from './errors';
import type { Notice } from './notices';
import { type AccessRequest, DECISION_FIELDS, REQUEST_ID_PATTERN } from './request';
import { retryTransient } from './retry';
import { noChange, type UpdateResult, updateRequest } from './update-request';

/** Who asks to cancel, as Slack says (the team and app are checked like a decision click's). */
export interface CancelClick {
  requestId: string;
  userId: string;
  teamId: string | undefined;
  appId: string | undefined;
}

type Refusal = Extract<Notice, { kind: 'lifecycle_refused' }>['why'];

/**
 * What every lifecycle click (cancel, relinquish, extend) checks before it reads the record: a request id
 * in the form the bot writes, from this bot's own workspace and app. The refusal, or undefined.
 */
export function lifecycleClickRefusal(
  deps: Pick<DecideDeps, 'expectedTeamId' | 'expectedAppId'>,
  click: CancelClick,
): Refusal | undefined {
  if (!REQUEST_ID_PATTERN.test(click.requestId)) return { kind: 'bad_id' };
  if (
    (deps.expectedTeamId !== undefined && click.teamId !== deps.expectedTeamId) ||
    (deps.expectedAppId !== undefined && click.appId !== deps.expectedAppId)
  ) {
    return { kind: 'foreign' };
  }
  return undefined;
}

/** Why this user may not cancel this request now, or undefined when they may (pure). */
export function cancelRefusal(request: AccessRequest, userId: string): Refusal | undefined {
  if (userId !== request.requester.userId) {
    return { kind: 'not_requester', requester: request.requester.userId };
  }
  if (request.status === 'planning') return { kind: 'still_planning' };
  const decided = whyNotDecidable(request);
  if (decided !== undefined) return { kind: 'not_pending', because: decided };
  return undefined;
}

/**
 * Writes the cancellation (one winner against a concurrent Approve): the result and the record as it
 * was before, or why it could not be written.
 */
async function recordCancellation(
  deps: DecideDeps,
  click: CancelClick,
): Promise<{ updated: UpdateResult; before: AccessRequest | undefined } | Refusal> {
  const at = deps.clock.now().toISOString();
  let before: AccessRequest | undefined;
  try {
    const updated = await updateRequest(
      deps.store,
      click.requestId,
      DECISION_FIELDS,
      (current) => {
        const refusal = cancelRefusal(current, click.userId);
        if (refusal !== undefined) {
          return noChange(
            deps.wording.say({ kind: 'lifecycle_refused', requestId: click.requestId, why: refusal }),
          );
        }
        before = current;
        return {
          ...current,
          status: 'cancelled',
          decision: { outcome: 'cancelled', by: [click.userId], at },
        };
      },
      { call: retryTransient },
    );
    return { updated, before };
  } catch (error) {
    if (error instanceof UnknownRequestError) return { kind: 'unknown' };
    if (error instanceof RequestConflictError) return { kind: 'busy' };
    throw error;
  }
}

/**
 * Tells the run the request was cancelled (its approval wait ends without applying anything). When the
 * workflow cannot be told, the record is put back to undecided and the refusal says why.
 */
async function passCancellationOn(
  deps: DecideDeps,
  click: CancelClick,
  before: AccessRequest,
  request: AccessRequest,
): Promise<Refusal | undefined> {
  try {
    const sent = request.taskToken
      ? await retryTransient(() =>
          deps.workflow.sendDecision(request.taskToken as string, {
            outcome: 'cancelled',
            by: [click.userId],
          }),
        )
      : 'already_handled';
    if (sent === 'already_handled') {
      deps.log.warn('cancel arrived after the approval wait ended');
    }
    return undefined;
  } catch (error) {
    const restored = await restoreUndecided(deps, before, request);
    deps.log.error('could not pass a cancellation to the workflow', { restored, error });
    const reason = error instanceof BotError ? error.userMessage : 'The workflow did not accept it.';
    return { kind: 'not_passed_on', reason };
  }
}

/**
 * The requester cancels their own pending request: a versioned write (one winner against a concurrent
 * Approve), then the run is told (SendTaskSuccess with outcome `cancelled`, which the ASL ends on
 * without applying anything). The caller updates the card.
 */
export async function cancelRequest(deps: DecideDeps, click: CancelClick): Promise<DecideResult> {
  const refused = (why: Refusal): DecideResult => ({
    kind: 'message',
    message: deps.wording.say({ kind: 'lifecycle_refused', requestId: click.requestId, why }),
  });
  const early = lifecycleClickRefusal(deps, click);
  if (early !== undefined) return refused(early);
  deps.log.appendKeys({ requestId: click.requestId });
  const written = await recordCancellation(deps, click);
  if ('kind' in written) return refused(written);
  const { updated, before } = written;
  if (!updated.saved || before === undefined) {
    deps.log.info('cancel not applied', {
      userId: click.userId,
      reason: updated.saved ? '' : updated.reason,
    });
    return { kind: 'message', message: updated.saved ? 'Nothing was changed.' : updated.reason };
  }
  const request = updated.request;
  const notPassedOn = await passCancellationOn(deps, click, before, request);
  if (notPassedOn !== undefined) return refused(notPassedOn);
  await recordEvent(
    deps,
    request,
    auditEvent(
      deps.clock,
      'cancelled',
      deps.wording.say({ kind: 'cancelled', by: click.userId }),
      click.userId,
    ),
  );
  return {
    kind: 'decided',
    request,
    message: deps.wording.say({ kind: 'cancel_done', requestId: request.requestId }),
  };
}
