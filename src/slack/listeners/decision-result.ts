import type { BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { type DecideDeps, type DecideResult, decideRequest } from '../../domain/decide-request';
import { sendDirect } from '../../domain/direct-messages';
import type { HomeTabs, SlackPort } from '../../domain/ports';
import { approvalCard, cardText, decidedCard } from '../blocks/approval-card';
import { answerFor } from './answer';

/** What the approve, deny and deny-reason listeners need. */
/** What a button listener gets from Bolt: the ack, the click's body and the button. */
export type ButtonClickArgs = Pick<
  SlackActionMiddlewareArgs<BlockAction<ButtonAction>>,
  'ack' | 'body' | 'action'
>;

/** The request id a button carries as its value ('' when it carries none: the domain refuses that). */
export const requestIdOf = (action: ButtonAction): string =>
  typeof action.value === 'string' ? action.value : '';

export interface DecisionDeps extends DecideDeps {
  slack: SlackPort;
  /** The Home tabs, so a click made there is answered there (it has no channel for an ephemeral). */
  homeTabs?: HomeTabs;
}

/** Whether a click came from a view (the Home tab) rather than a message (the card). */
export const fromHomeTab = (body: { container?: { type?: string }; view?: { type?: string } }): boolean =>
  body.container?.type === 'view' || body.view?.type === 'home';

/**
 * After a click: the requester gets a DM when a person decided (the thread stays the record), and a
 * click made in the Home tab is answered there: the tab is republished with the answer on top.
 */
export async function afterDecision(
  deps: DecisionDeps,
  result: DecideResult,
  homeViewer: string | undefined,
): Promise<void> {
  if (result.kind === 'decided') {
    await sendDirect(deps, result.request, result.request.requester.userId, {
      kind: 'decided',
      request: result.request,
    });
  }
  if (homeViewer !== undefined) await deps.homeTabs?.publish(homeViewer, result.message);
}

/**
 * Answers a click made in the Home tab, which has no channel for an ephemeral: the clicker's tab is
 * republished with the answer on top (as for Approve there), or, without Home tabs, a DM says it.
 */
export async function answerOnHome(deps: DecisionDeps, userId: string, message: string): Promise<void> {
  if (deps.homeTabs) await deps.homeTabs.publish(userId, message);
  else await deps.slack.postDirect(userId, message);
}

/** Who clicked, from a block action or a view submission: the team and app the click says it came from. */
export interface ClickOrigin {
  user: { id: string; team_id?: string };
  team?: { id: string } | null;
  api_app_id?: string;
}

/** The click's origin as decideRequest takes it. */
export const clickFrom = (body: ClickOrigin) => ({
  userId: body.user.id,
  teamId: body.team?.id ?? body.user.team_id,
  appId: body.api_app_id,
});

/** Decides a click on the server; a failure becomes the clicker's answer, never an exception. */
export async function decideSafely(
  deps: DecisionDeps,
  requestId: string,
  click: Parameters<typeof decideRequest>[1],
): Promise<DecideResult> {
  try {
    return await decideRequest(deps, click);
  } catch (error) {
    return { kind: 'message', message: answerFor(error, deps, requestId || 'click') };
  }
}

/** Updates the card for decisions and approvals; tells only the clicker everything else. */
export async function showResult(
  deps: DecisionDeps,
  result: DecideResult,
  where: { channel: string | undefined; userId: string },
): Promise<void> {
  try {
    if (result.kind !== 'message' && result.request.card) {
      const { request } = result;
      const card = request.card!;
      const blocks =
        result.kind === 'decided'
          ? decidedCard(request)
          : approvalCard(request, request.approvalExpiresAt ?? '');
      await deps.slack.update({ channel: card.channel, ts: card.ts, text: cardText(request), blocks });
    }
    if (where.channel) {
      await deps.slack.postEphemeral({ channel: where.channel, user: where.userId, text: result.message });
    }
  } catch (error) {
    deps.log.error('could not show a decision in Slack', {
      error,
    });
  }
}
