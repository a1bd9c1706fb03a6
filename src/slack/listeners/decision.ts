import type { App, BlockAction, ButtonAction, ViewSubmitAction } from '@slack/bolt';
import { type DecideDeps, type DecideResult, decideRequest, previewClick } from '../../domain/decide-request';
import type { SlackPort } from '../../domain/ports';
import { approvalCard, cardText, decidedCard } from '../blocks/approval-card';
import { denyModal, MAX_DENY_REASON } from '../blocks/deny-modal';
import { ACTION_IDS, DENY_MODAL } from '../ids';
import { answerFor } from './answer';

export interface DecisionDeps extends DecideDeps {
  slack: SlackPort;
}

/**
 * Approve: ack at once, decide on the server, update the card in place. Deny: check the clicker, then
 * open a modal for the reason; the submission is decided (and authorized) again on the server.
 */
export function registerDecisionListeners(app: App, deps: DecisionDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.approve, async ({ ack, body, action }) => {
    await ack();
    const userId = body.user.id;
    const requestId = typeof action.value === 'string' ? action.value : '';
    const result = await decideSafely(deps, requestId, {
      requestId,
      userId,
      teamId: body.team?.id ?? body.user.team_id,
      appId: body.api_app_id,
      choice: 'approve',
    });
    await showResult(deps, result, { channel: body.channel?.id ?? body.container?.channel_id, userId });
  });

  app.action<BlockAction<ButtonAction>>(ACTION_IDS.deny, async ({ ack, body, action }) => {
    await ack();
    const userId = body.user.id;
    const channel = body.channel?.id ?? body.container?.channel_id;
    const requestId = typeof action.value === 'string' ? action.value : '';
    const click = { requestId, userId, teamId: body.team?.id ?? body.user.team_id, appId: body.api_app_id };
    try {
      const refusal = await previewClick(deps, { ...click, choice: 'deny' });
      if (refusal !== undefined) {
        await showResult(deps, { kind: 'message', message: refusal }, { channel, userId });
        return;
      }
      await deps.slack.openModal(body.trigger_id, denyModal(requestId));
    } catch (error) {
      await showResult(
        deps,
        { kind: 'message', message: answerFor(error, deps, requestId || 'click') },
        { channel, userId },
      );
    }
  });

  app.view<ViewSubmitAction>(DENY_MODAL.callbackId, async ({ ack, body, view }) => {
    const userId = body.user.id;
    const requestId = view.private_metadata;
    const reason =
      view.state.values[DENY_MODAL.reasonBlockId]?.[DENY_MODAL.reasonActionId]?.value?.trim() ?? '';
    if (reason.length < 3 || reason.length > MAX_DENY_REASON) {
      await ack({
        response_action: 'errors',
        errors: { [DENY_MODAL.reasonBlockId]: `Give a reason of 3 to ${MAX_DENY_REASON} characters.` },
      });
      return;
    }
    await ack();
    const result = await decideSafely(deps, requestId, {
      requestId,
      userId,
      teamId: body.team?.id ?? body.user.team_id,
      appId: body.api_app_id,
      choice: 'deny',
      reason,
    });
    const request =
      'request' in result ? result.request : await deps.store.get(requestId).catch(() => undefined);
    await showResult(deps, result, { channel: request?.card?.channel, userId });
  });
}

async function decideSafely(
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
