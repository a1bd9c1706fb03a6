import { auditEvent, recordEvent } from './audit-trail';
import { type CancelClick, lifecycleClickRefusal } from './cancel-request';
import type { DecideDeps } from './decide-request';
import type { Notice } from './notices';
import type { AccessRequest } from './request';
import { retryTransient } from './retry';

// IAM names are unique without regard to case.
const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * Whether the user holds this grant: they asked for it, it names them by Slack mention, or their IAM
 * user (IAM_USER_MAPPING) in the grant's own account is its target. Failing lookups count as "no"
 * (fails closed).
 */
export async function holdsGrant(deps: DecideDeps, request: AccessRequest, userId: string): Promise<boolean> {
  if (userId === request.requester.userId || userId === request.target.slackUserId) return true;
  if (request.target.kind !== 'user') return false;
  try {
    // A prod grant's holder is whoever is that IAM user in prod, not a same-named user of the hub.
    const lookups = deps.identityIn ? await deps.identityIn(request, userId) : deps;
    const identity = await lookups.identity(userId);
    return identity !== undefined && sameName(identity.name, request.target.name);
  } catch (error) {
    deps.log.warn('could not map the user to an IAM user; not a holder', { userId, error });
    return false;
  }
}

type Refusal = Extract<Notice, { kind: 'lifecycle_refused' }>['why'];

/** Why this grant cannot be relinquished by this user now, or undefined when it can. */
export async function relinquishRefusal(
  deps: DecideDeps,
  request: AccessRequest,
  userId: string,
): Promise<Refusal | undefined> {
  const { command } = request;
  if (command.action !== 'grant') return { kind: 'not_a_grant' };
  if (!(await holdsGrant(deps, request, userId))) {
    return { kind: 'not_holder', requester: request.requester.userId };
  }
  if (command.durationSeconds === undefined) return { kind: 'permanent' };
  if (request.status !== 'active' || request.holdToken === undefined) {
    return { kind: 'not_held', status: request.status };
  }
  return undefined;
}

/**
 * The holder gives a time-bound grant up early, without an approver: its run's hold gets
 * `{ relinquishedBy }` (SendTaskSuccess), which leads to the same revoke as its time limit. A forged
 * message to the hold can only end the access early; the slack function changes nothing in AWS itself.
 */
export async function relinquishGrant(deps: DecideDeps, click: CancelClick): Promise<string> {
  const refused = (why: Refusal): string =>
    deps.wording.say({ kind: 'lifecycle_refused', requestId: click.requestId, why });
  const early = lifecycleClickRefusal(deps, click);
  if (early !== undefined) return refused(early);
  deps.log.appendKeys({ requestId: click.requestId });
  const request = await retryTransient(() => deps.store.get(click.requestId));
  if (!request) return refused({ kind: 'unknown' });
  const refusal = await relinquishRefusal(deps, request, click.userId);
  if (refusal !== undefined) {
    deps.log.info('relinquish refused', { userId: click.userId, why: refusal.kind });
    return refused(refusal);
  }
  const sent = await retryTransient(() =>
    deps.workflow.sendDecision(request.holdToken as string, { relinquishedBy: click.userId }),
  );
  if (sent === 'already_handled') {
    deps.log.warn('relinquish arrived when the run was not holding the grant');
    return refused({ kind: 'not_waiting' });
  }
  await recordEvent(
    deps,
    request,
    auditEvent(
      deps.clock,
      'relinquished',
      deps.wording.say({ kind: 'relinquished', by: click.userId }),
      click.userId,
    ),
  );
  return deps.wording.say({ kind: 'relinquish_done', requestId: request.requestId });
}
