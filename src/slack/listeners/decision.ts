import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { type DecideDeps, type DecideResult, decideRequest } from '../../domain/decide-request';
import type { SlackPort } from '../../domain/ports';
import { approvalCard, cardText, decidedCard } from '../blocks/approval-card';
import { ACTION_IDS } from '../ids';
import { answerFor } from './command';

export interface DecisionDeps extends DecideDeps {
  slack: SlackPort;
}

/** Approve / Deny buttons: ack at once, decide on the server, then update the card in place. */
export function registerDecisionListeners(app: App, deps: DecisionDeps): void {
  for (const [actionId, choice] of [
    [ACTION_IDS.approve, 'approve'],
    [ACTION_IDS.deny, 'deny'],
  ] as const) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action }) => {
      await ack();
      const userId = body.user.id;
      const channel = body.channel?.id ?? body.container?.channel_id;
      const requestId = typeof action.value === 'string' ? action.value : '';
      let result: DecideResult;
      try {
        result = await decideRequest(deps, {
          requestId,
          userId,
          teamId: body.team?.id ?? body.user.team_id,
          appId: body.api_app_id,
          choice,
        });
      } catch (error) {
        result = { kind: 'message', message: answerFor(error, deps, requestId || 'click') };
      }
      await showResult(deps, result, { channel, userId });
    });
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
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
