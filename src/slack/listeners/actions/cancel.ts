import { cancelRequest } from '../../../domain/cancel-request';
import { answerFor } from '../answer';
import {
  type ButtonClickArgs,
  clickFrom,
  type DecisionDeps,
  requestIdOf,
  showResult,
} from '../decision-result';

/**
 * Cancel (the requester's ack, the home tab): ack at once; only the requester may cancel, checked on
 * the server; the card then says "Cancelled by @x" with no buttons, and the clicker is told.
 */
export async function cancelAction(
  deps: DecisionDeps,
  { ack, body, action }: ButtonClickArgs,
): Promise<void> {
  await ack();
  const requestId = requestIdOf(action);
  const click = clickFrom(body);
  const result = await cancelRequest(deps, { requestId, ...click }).catch((error: unknown) => ({
    kind: 'message' as const,
    message: answerFor(error, deps, requestId || 'cancel'),
  }));
  await showResult(deps, result, {
    channel: body.channel?.id ?? body.container?.channel_id,
    userId: body.user.id,
  });
}
