import type { SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { AccountAccessDeniedError } from '../../../domain/accounts';
import { NotAuthorizedError, TargetNotFoundError } from '../../../domain/errors';
import { requestIdFor, submitRequest } from '../../../domain/submit-request';
import { pendingAck } from '../../blocks/lifecycle';
import { type FormOrigin, fieldMessage, mentionedIds } from '../../blocks/request-form';
import { REQUEST_FORM } from '../../ids';
import { readRequestForm } from '../../read-request-form';
import { answerFor } from '../answer';
import { formLimits, NOT_SERVED, type RequestFormDeps, servedBy, tellRequester } from '../request-form';

/** Where the form was opened, from its private_metadata; anything unexpected is "nowhere" (answer by DM). */
export const originOf = (privateMetadata: string): FormOrigin => {
  try {
    const parsed = JSON.parse(privateMetadata) as { channelId?: unknown };
    return typeof parsed.channelId === 'string' && /^[CDG][A-Z0-9]+$/.test(parsed.channelId)
      ? { channelId: parsed.channelId }
      : {};
  } catch {
    return {};
  }
};

/** Display names of the people a refusal mentions; one Slack lookup each, in parallel, at most five. */
async function namesOf(deps: RequestFormDeps, ids: string[]): Promise<Record<string, string>> {
  const found = await Promise.all(
    ids.slice(0, 5).map(async (id) => {
      const user = await deps.slack.lookupUser(id).catch(() => undefined);
      return user ? [[id, user.name] as const] : [];
    }),
  );
  return Object.fromEntries(found.flat());
}

/**
 * The request form's submission: the form becomes the grammar's command (readRequestForm), goes through
 * the same submitRequest as the slash command, and the requester gets the same acknowledgement
 * (ephemeral where they typed the command, or a DM). What is wrong with a field is shown under it
 * (response_action: errors) and the modal stays open.
 */
export async function requestFormSubmission(
  deps: RequestFormDeps,
  { ack, body, view }: Pick<SlackViewMiddlewareArgs<ViewSubmitAction>, 'ack' | 'body' | 'view'>,
): Promise<void> {
  const userId = body.user.id;
  const teamId = body.team?.id ?? body.user.team_id ?? '';
  if (!servedBy(deps, teamId, body.api_app_id)) {
    await ack({ response_action: 'errors', errors: { [REQUEST_FORM.blocks.action]: NOT_SERVED } });
    return;
  }
  const directory = deps.accounts?.directory;
  const reading = readRequestForm(
    view.state.values,
    formLimits(deps),
    directory ? { directory, limitsIn: (account) => formLimits(deps, account) } : undefined,
  );
  if (reading.kind === 'errors') {
    await ack({ response_action: 'errors', errors: reading.errors });
    return;
  }
  const origin = originOf(view.private_metadata);
  let reply: string;
  // A recorded request's answer carries its Cancel button, as the slash command's ack does.
  let blocks: unknown[] | undefined;
  try {
    reply = await submitRequest(deps, {
      command: reading.command,
      requester: { userId, teamId, userName: body.user.name },
      // A shortcut has no channel: the requester hears back in their DM with the bot.
      channelId: origin.channelId ?? userId,
      triggerId: body.trigger_id,
    });
    blocks = pendingAck(reply, requestIdFor(teamId, body.trigger_id)).blocks;
  } catch (error) {
    if (error instanceof AccountAccessDeniedError && reading.command.account !== undefined) {
      // The picked account refused the bot's member role: that is the account field's answer.
      await ack({
        response_action: 'errors',
        errors: { [REQUEST_FORM.blocks.account]: fieldMessage(error.userMessage) },
      });
      return;
    }
    if (error instanceof TargetNotFoundError || error instanceof NotAuthorizedError) {
      // What Slack or IAM cannot resolve belongs to the target field; a refusal by rule, to the tier.
      const field = error instanceof TargetNotFoundError ? reading.targetBlock : REQUEST_FORM.blocks.tier;
      const names = { picked: reading.person, byId: await namesOf(deps, mentionedIds(error.userMessage)) };
      await ack({ response_action: 'errors', errors: { [field]: fieldMessage(error.userMessage, names) } });
      return;
    }
    reply = answerFor(error, deps, body.trigger_id);
  }
  await ack();
  await tellRequester(deps, origin, userId, reply, blocks);
}
