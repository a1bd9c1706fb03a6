import type { SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { MAX_DENY_REASON } from '../../blocks/deny-modal';
import { DENY_MODAL } from '../../ids';
import { afterDecision, clickFrom, type DecisionDeps, decideSafely, showResult } from '../decision-result';

/**
 * The deny modal's submission: a reason of the right length, or the modal says what is wrong; then the
 * denial is decided on the server and shown on the card (the clicker is told in the card's channel).
 */
export async function denyReasonSubmission(
  deps: DecisionDeps,
  { ack, body, view }: Pick<SlackViewMiddlewareArgs<ViewSubmitAction>, 'ack' | 'body' | 'view'>,
): Promise<void> {
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
    ...clickFrom(body),
    choice: 'deny',
    reason,
  });
  const request =
    'request' in result ? result.request : await deps.store.get(requestId).catch(() => undefined);
  await showResult(deps, result, { channel: request?.card?.channel, userId: body.user.id });
  await afterDecision(deps, result, undefined);
}
