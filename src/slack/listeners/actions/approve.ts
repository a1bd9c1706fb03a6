import {
  afterDecision,
  type ButtonClickArgs,
  clickFrom,
  type DecisionDeps,
  decideSafely,
  fromHomeTab,
  requestIdOf,
  showResult,
} from '../decision-result';

/** Approve: ack at once, decide on the server (the clicker is authorized there), update the card in place. */
export async function approveAction(
  deps: DecisionDeps,
  { ack, body, action }: ButtonClickArgs,
): Promise<void> {
  await ack();
  const requestId = requestIdOf(action);
  const result = await decideSafely(deps, requestId, { requestId, ...clickFrom(body), choice: 'approve' });
  await showResult(deps, result, {
    channel: body.channel?.id ?? body.container?.channel_id,
    userId: body.user.id,
  });
  await afterDecision(deps, result, fromHomeTab(body) ? body.user.id : undefined);
}
