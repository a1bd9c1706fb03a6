import { previewClick } from '../../../domain/decide-request';
import { denyModal } from '../../blocks/deny-modal';
import { answerFor } from '../answer';
import {
  type ButtonClickArgs,
  clickFrom,
  type DecisionDeps,
  fromHomeTab,
  requestIdOf,
  showResult,
} from '../decision-result';

/**
 * Deny: ack at once, check the clicker, then open a modal for the reason (nothing is decided yet; the
 * submission is decided, and authorized again, on the server). A refusal is shown to the clicker only.
 */
export async function denyAction(deps: DecisionDeps, { ack, body, action }: ButtonClickArgs): Promise<void> {
  await ack();
  const userId = body.user.id;
  const channel = body.channel?.id ?? body.container?.channel_id;
  const requestId = requestIdOf(action);
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
