import type { SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { DEFAULT_PARSE_OPTIONS, parseCommand } from '../../../commands/parse-command';
import { UsageError } from '../../../domain/errors';
import { type ExtendDeps, requestExtension } from '../../../domain/extend-grant';
import type { SlackPort } from '../../../domain/ports';
import { neutralizeBroadcasts } from '../../blocks/text';
import { EXTEND_MODAL } from '../../ids';
import { answerFor } from '../answer';
import { clickFrom } from '../decision-result';

export type ExtendListenerDeps = ExtendDeps & { slack: SlackPort };

/** Tells the person who clicked Extend or submitted its modal: in the channel they used, else by DM. */
export async function answerClicker(
  deps: ExtendListenerDeps,
  userId: string,
  text: string,
  channel: string | undefined,
): Promise<void> {
  try {
    if (channel) await deps.slack.postEphemeral({ channel, user: userId, text: neutralizeBroadcasts(text) });
    else await deps.slack.postDirect(userId, neutralizeBroadcasts(text));
  } catch (error) {
    deps.log.error('could not answer an extend', { error });
  }
}

/**
 * The Extend modal's submission: builds the typed command (`extend REQ-… by 2h because …`) and parses
 * it as the grammar does, so the modal asks exactly what typing would; a bad duration shows under its
 * field. The answer (the new request, or why nothing was asked) comes by DM, as from the Home tab.
 */
export async function extendModalSubmission(
  deps: ExtendListenerDeps,
  { ack, body, view }: Pick<SlackViewMiddlewareArgs<ViewSubmitAction>, 'ack' | 'body' | 'view'>,
): Promise<void> {
  const grantId = view.private_metadata;
  const values = view.state.values;
  const duration =
    values[EXTEND_MODAL.durationBlockId]?.[EXTEND_MODAL.durationActionId]?.selected_option?.value;
  const reason = values[EXTEND_MODAL.reasonBlockId]?.[EXTEND_MODAL.reasonActionId]?.value?.trim() ?? '';
  const maxDurationSeconds = deps.maxGrantDurationSeconds ?? DEFAULT_PARSE_OPTIONS.maxDurationSeconds;
  let parsed: ReturnType<typeof parseCommand>;
  try {
    if (!duration) throw new UsageError('Pick how much longer.');
    parsed = parseCommand(`extend ${grantId} by ${duration}${reason ? ` because ${reason}` : ''}`, {
      maxDurationSeconds,
    });
  } catch (error) {
    const message = error instanceof UsageError ? error.userMessage : 'That is not a duration I can ask for.';
    await ack({ response_action: 'errors', errors: { [EXTEND_MODAL.durationBlockId]: message } });
    return;
  }
  await ack();
  if (parsed.action !== 'extend') return;
  const from = clickFrom(body);
  let answer: string;
  try {
    answer = await requestExtension(
      deps,
      {
        requestId: parsed.requestId,
        seconds: parsed.durationSeconds,
        ...from,
        teamId: from.teamId ?? view.team_id,
        triggerId: body.trigger_id,
        // From the Home tab: no channel; as the request form from the shortcut, the person's own id.
        channelId: from.userId,
        ...(parsed.reason ? { reason: parsed.reason } : {}),
      },
      maxDurationSeconds,
    );
  } catch (error) {
    answer = answerFor(error, deps, grantId || 'extend');
  }
  await answerClicker(deps, from.userId, answer, undefined);
}
