import type { BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { previewClick } from '../../../domain/decide-request';
import { denyModal } from '../../blocks/deny-modal';
import { answerFor } from '../answer';
import { clickFrom, type DecisionDeps, fromHomeTab, showResult } from '../decision-result';

/**
 * Deny: ack at once, check the clicker, then open a modal for the reason (nothing is decided yet; the
 * submission is decided, and authorized again, on the server). A refusal is shown to the clicker only.
 */
export async function denyAction(
  deps: DecisionDeps,
  {
    ack,
    body,
    action,
  }: Pick<SlackActionMiddlewareArgs<BlockAction<ButtonAction>>, 'ack' | 'body' | 'action'>,
): Promise<void> {
  await ack();
  const userId = body.user.id;
  const channel = body.channel?.id ?? body.container?.channel_id;
  const requestId = typeof action.value === 'string' ? action.value : '';
  try {
    const refusal = await previewClick(deps, { requestId, ...clickFrom(body), choice: 'deny' });
    if (refusal !== undefined) {
      await showResult(deps, { kind: 'message', message: refusal }, { channel, userId });
      if (fromHomeTab(body)) await deps.homeTabs?.publish(userId, refusal);
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
}
