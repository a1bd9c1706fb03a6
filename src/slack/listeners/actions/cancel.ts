import { cancelRequest } from '../../../domain/cancel-request';
import { answerFor } from '../answer';
import {
  answerOnHome,
  type ButtonClickArgs,
  clickFrom,
  type DecisionDeps,
  fromHomeTab,
  requestIdOf,
  showResult,
} from '../decision-result';

/**
 * Cancel (the requester's ack, the home tab): ack at once; only the requester may cancel, checked on
 * the server; the card then says "Cancelled by @x" with no buttons, the Home tabs that listed it are
 * republished, and the clicker is told (in the channel, or on top of their Home tab).
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
  const homeViewer = fromHomeTab(body) ? body.user.id : undefined;
  if (result.kind === 'decided') {
    // The run ends at "Cancelled" without a task, so no later report refreshes the tabs: the requester's
    // and every approver's still list it (with Cancel, Approve, Deny) until they are republished here.
    await deps.homeTabs?.refreshFor(
      result.request,
      homeViewer ? { userId: homeViewer, notice: result.message } : undefined,
    );
    if (homeViewer && !deps.homeTabs) await answerOnHome(deps, homeViewer, result.message);
  } else if (homeViewer) {
    await answerOnHome(deps, homeViewer, result.message);
  }
}
