import { relinquishGrant } from '../../../domain/relinquish-grant';
import { answerFor } from '../answer';
import {
  answerOnHome,
  type ButtonClickArgs,
  clickFrom,
  type DecisionDeps,
  fromHomeTab,
  requestIdOf,
} from '../decision-result';

/**
 * Relinquish (the card of a grant in effect, DMs, the home tab): ack at once; only the holder may,
 * checked on the server; the run then revokes the grant and its thread says so. The clicker is told.
 */
export async function relinquishAction(
  deps: DecisionDeps,
  { ack, body, action }: ButtonClickArgs,
): Promise<void> {
  await ack();
  const requestId = requestIdOf(action);
  let message: string;
  try {
    message = await relinquishGrant(deps, { requestId, ...clickFrom(body) });
  } catch (error) {
    message = answerFor(error, deps, requestId || 'relinquish');
  }
  const channel = body.channel?.id ?? body.container?.channel_id;
  try {
    if (channel) await deps.slack.postEphemeral({ channel, user: body.user.id, text: message });
    // The grant stays listed until the run has revoked it (its report then republishes the tabs).
    else if (fromHomeTab(body)) await answerOnHome(deps, body.user.id, message);
    else await deps.slack.postDirect(body.user.id, message);
  } catch (error) {
    deps.log.error('could not answer a relinquish click', { error });
  }
}
