import { DEFAULT_PARSE_OPTIONS } from '../../../commands/parse-command';
import { offerExtension } from '../../../domain/extend-grant';
import { extendModal } from '../../blocks/extend-modal';
import { describeCommand } from '../../blocks/text';
import { answerFor } from '../answer';
import { type ButtonClickArgs, clickFrom, requestIdOf } from '../decision-result';
import type { ExtendListenerDeps } from '../views/extend-modal';
import { answerClicker } from '../views/extend-modal';

/**
 * Extend (the Home tab, next to Relinquish): ack at once; the same checks as `extend` (holder or
 * requester, in effect, one at a time), then the modal offers only the time the tier still allows. A
 * refusal is told to the clicker instead.
 */
export async function extendAction(
  deps: ExtendListenerDeps,
  { ack, body, action }: ButtonClickArgs,
): Promise<void> {
  await ack();
  const requestId = requestIdOf(action);
  const maxSeconds = deps.maxGrantDurationSeconds ?? DEFAULT_PARSE_OPTIONS.maxDurationSeconds;
  try {
    const offer = await offerExtension(deps, { requestId, ...clickFrom(body) }, maxSeconds);
    if (offer.kind === 'refused') {
      await answerClicker(deps, body.user.id, offer.message, body.channel?.id ?? body.container?.channel_id);
      return;
    }
    await deps.slack.openModal(
      body.trigger_id,
      extendModal({
        grantId: offer.grant.requestId,
        summary: describeCommand(offer.grant.command),
        endsAt: offer.endsAt,
        remainingSeconds: offer.remainingSeconds,
      }),
    );
  } catch (error) {
    await answerClicker(deps, body.user.id, answerFor(error, deps, requestId || 'extend'), undefined);
  }
}
