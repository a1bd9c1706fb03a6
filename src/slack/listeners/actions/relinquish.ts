import type { BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { relinquishGrant } from '../../../domain/relinquish-grant';
import { answerFor } from '../answer';
import { clickFrom, type DecisionDeps } from '../decision-result';

/**
 * Relinquish (the card of a grant in effect, DMs, the home tab): ack at once; only the holder may,
 * checked on the server; the run then revokes the grant and its thread says so. The clicker is told.
 */
export async function relinquishAction(
  deps: DecisionDeps,
  {
    ack,
    body,
    action,
  }: Pick<SlackActionMiddlewareArgs<BlockAction<ButtonAction>>, 'ack' | 'body' | 'action'>,
): Promise<void> {
  await ack();
  const requestId = typeof action.value === 'string' ? action.value : '';
  let message: string;
  try {
    message = await relinquishGrant(deps, { requestId, ...clickFrom(body) });
  } catch (error) {
    message = answerFor(error, deps, requestId || 'relinquish');
  }
  const channel = body.channel?.id ?? body.container?.channel_id;
  try {
    if (channel) await deps.slack.postEphemeral({ channel, user: body.user.id, text: message });
    else await deps.slack.postDirect(body.user.id, message);
  } catch (error) {
    deps.log.error('could not answer a relinquish click', { error });
  }
}
