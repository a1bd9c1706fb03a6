import type { Notice } from './notices';
import type { AccessRequest } from './request';

export interface Click {
  userId: string;
  teamId: string | undefined;
  appId: string | undefined;
  choice: 'approve' | 'deny';
  reason?: string;
}

export interface ClickContext {
  /** Whether the clicker is an approver, as checked on the server for this click. */
  isApprover: boolean;
  /**
   * How the change is for the clicker, by IAM identity, as checked on the server (see decide-request):
   * 'user' when the target is their own IAM user, 'member' when the target is a group they belong to.
   */
  isTarget?: false | 'user' | 'member';
  /**
   * The clicker is the requester and the access rules make this request break-glass
   * (breakGlassAllowed): their own approval counts. Nothing else lifts "never the requester".
   */
  breakGlass?: boolean;
  /** The refusal the requester sees instead of the usual one (a break-glass tier, someone else's access). */
  requesterMessage?: string;
  /** The refusal a non-approver sees when the tier's rule names its own approvers. */
  notApproverMessage?: string;
  expectedTeamId?: string;
  expectedAppId?: string;
  now: string;
}

export type ClickOutcome =
  | { kind: 'refused'; message: string }
  | { kind: 'already_decided'; notice: Notice }
  | { kind: 'recorded'; request: AccessRequest; approvalsNeeded: number }
  | { kind: 'decided'; request: AccessRequest; outcome: 'approved' | 'denied' };

/** Why a request can no longer be decided (what a late clicker is told); undefined while it can be. */
export function whyNotDecidable(request: AccessRequest): Notice | undefined {
  const decision = request.decision;
  if (decision?.outcome === 'approved' || decision?.outcome === 'denied') {
    return { kind: 'already_decided', outcome: decision.outcome, by: decision.by };
  }
  if (decision?.outcome === 'cancelled') {
    return { kind: 'already_cancelled', by: decision.by };
  }
  if (decision?.outcome === 'expired' || request.status === 'expired') return { kind: 'already_expired' };
  if (request.status !== 'awaiting_approval') return { kind: 'not_waiting', status: request.status };
  return undefined;
}

/**
 * Applies one Approve/Deny click to a request. Pure: the caller stores the returned request with
 * updateRequest (a version check), so concurrent clicks have exactly one winner.
 */
export function applyClick(request: AccessRequest, click: Click, context: ClickContext): ClickOutcome {
  if (context.expectedTeamId !== undefined && click.teamId !== context.expectedTeamId) {
    return { kind: 'refused', message: 'This click came from another Slack workspace; it was ignored.' };
  }
  if (context.expectedAppId !== undefined && click.appId !== context.expectedAppId) {
    return { kind: 'refused', message: 'This click came from another Slack app; it was ignored.' };
  }
  const selfBreakGlass = context.breakGlass === true && click.userId === request.requester.userId;
  const refusal = selfBreakGlass ? undefined : refuseClicker(request, click, context);
  if (refusal !== undefined) return { kind: 'refused', message: refusal };
  return decide(request, click, context);
}

/** Why this clicker may not decide this request (requester, target, not an approver), or undefined. */
function refuseClicker(request: AccessRequest, click: Click, context: ClickContext): string | undefined {
  if (click.userId === request.requester.userId) {
    return (
      context.requesterMessage ??
      'You asked for this change, so you cannot decide it. Another approver has to.'
    );
  }
  if (click.userId === request.target.slackUserId || context.isTarget === 'user') {
    return 'This change is for you, so you cannot decide it. Another approver has to.';
  }
  if (context.isTarget === 'member') {
    return `This change is for IAM group ${request.target.name}, and you are a member of it, so you cannot approve it. Another approver has to.`;
  }
  if (!context.isApprover) {
    return (
      context.notApproverMessage ??
      'Only configured approvers can decide CodeBuild access requests. Ask one of them to look at it.'
    );
  }
  return undefined;
}

/** Counts an authorized click: a denial decides, an approval counts toward the approvals needed. */
function decide(request: AccessRequest, click: Click, context: ClickContext): ClickOutcome {
  const already = whyNotDecidable(request);
  if (already !== undefined) {
    return { kind: 'already_decided', notice: already };
  }
  if (click.choice === 'deny') {
    const decision = { outcome: 'denied' as const, by: [click.userId], at: context.now };
    return {
      kind: 'decided',
      outcome: 'denied',
      request: {
        ...request,
        status: 'denied',
        decision: click.reason === undefined ? decision : { ...decision, reason: click.reason },
      },
    };
  }
  if (request.approvals.some((approval) => approval.userId === click.userId)) {
    const needed = request.requiredApprovals - request.approvals.length;
    return { kind: 'already_decided', notice: { kind: 'approved_already_by_you', needed } };
  }
  if (request.planHash === undefined) {
    return { kind: 'already_decided', notice: { kind: 'no_card_yet' } };
  }
  // The approval is for the plan the card shows: apply refuses a plan whose hash it does not carry.
  const approvals = [
    ...request.approvals,
    { userId: click.userId, at: context.now, planHash: request.planHash },
  ];
  if (approvals.length < request.requiredApprovals) {
    return {
      kind: 'recorded',
      request: { ...request, approvals },
      approvalsNeeded: request.requiredApprovals - approvals.length,
    };
  }
  return {
    kind: 'decided',
    outcome: 'approved',
    request: {
      ...request,
      approvals,
      status: 'approved',
      decision: { outcome: 'approved', by: approvals.map((a) => a.userId), at: context.now },
    },
  };
}
