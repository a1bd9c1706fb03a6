import type { RespondArguments, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { DEFAULT_PARSE_OPTIONS, HELP_TEXT, parseCommand } from '../../../commands/parse-command';
import {
  defaultAccessRules,
  hasOwnRules,
  NO_GROUPS,
  rulesIn,
  standingsFor,
} from '../../../domain/access-rules';
import { cancelRequest } from '../../../domain/cancel-request';
import { NotAuthorizedError } from '../../../domain/errors';
import { requestExtension } from '../../../domain/extend-grant';
import { type InspectDeps, inspectTarget } from '../../../domain/inspect-target';
import { relinquishGrant } from '../../../domain/relinquish-grant';
import { requestIdFor, type SubmitDeps, submitRequest } from '../../../domain/submit-request';
import { pendingAck } from '../../blocks/lifecycle';
import { rulesText } from '../../blocks/rules-text';
import { neutralizeBroadcasts } from '../../blocks/text';
import { SLASH_COMMAND } from '../../ids';
import { answerFor } from '../answer';
import { type DecisionDeps, showResult } from '../decision-result';
import { openRequestForm } from '../request-form';

export type SlashCommandDeps = SubmitDeps & InspectDeps & DecisionDeps;

// The answer can quote what the user typed (an unknown word, a target); it never pings anyone.
const ephemeral = (text: string): RespondArguments => ({
  response_type: 'ephemeral',
  text: neutralizeBroadcasts(text),
});

/**
 * `/codebuild-access …`: parse, resolve, record, start the workflow, and answer within Slack's 3 s, in
 * the ack itself (ephemeral: only the requester sees it).
 */
export async function codebuildAccessCommand(
  deps: SlashCommandDeps,
  { command, ack }: Pick<SlackCommandMiddlewareArgs, 'command' | 'ack'>,
): Promise<void> {
  let reply: string;
  // The request a new submission made: the ack carries its Cancel button.
  let submitted: string | undefined;
  try {
    if (
      (deps.expectedTeamId !== undefined && command.team_id !== deps.expectedTeamId) ||
      (deps.expectedAppId !== undefined && command.api_app_id !== deps.expectedAppId)
    ) {
      throw new NotAuthorizedError(
        'This command came from a Slack workspace or app this bot does not serve.',
      );
    }
    if ((command.text ?? '').trim() === '') {
      // No text: the request form. `help` still prints the grammar.
      try {
        await openRequestForm(deps, command.trigger_id, { channelId: command.channel_id });
        await ack();
      } catch (error) {
        const typeInstead = `You can type the request instead: \`${SLASH_COMMAND} help\` shows how.`;
        await ack(ephemeral(`${answerFor(error, deps, command.trigger_id)} ${typeInstead}`));
      }
      return;
    }
    const maxDurationSeconds = deps.maxGrantDurationSeconds ?? DEFAULT_PARSE_OPTIONS.maxDurationSeconds;
    const parsed = parseCommand(command.text ?? '', {
      maxDurationSeconds,
      ...(deps.accounts ? { accounts: deps.accounts.directory } : {}),
    });
    if (parsed.action === 'help') {
      reply = HELP_TEXT;
    } else if (parsed.action === 'rules') {
      const all = deps.rules ?? defaultAccessRules();
      // The rules of the account asked for (`rules in prod`), else of the default account.
      const account = parsed.account ?? all.defaultAccount;
      const rules = rulesIn(all, account);
      const standings = await standingsFor(rules, command.user_id, deps.groups ?? NO_GROUPS, (userId) =>
        deps.approvers.isApprover(userId),
      );
      const where =
        account !== undefined && (all.accounts !== undefined || parsed.account !== undefined)
          ? {
              account,
              own: hasOwnRules(all, account),
              others: Object.keys(all.accounts ?? {}).filter((name) => name !== account),
            }
          : undefined;
      reply = rulesText(rules.source, standings, where);
    } else if (parsed.action === 'verify' || parsed.action === 'status') {
      // Read-only: answered at once, no approval, no workflow.
      reply = deps.wording.say(await inspectTarget(deps, parsed, command.user_id));
    } else if (parsed.action === 'cancel') {
      const click = {
        requestId: parsed.requestId,
        userId: command.user_id,
        teamId: command.team_id,
        appId: command.api_app_id,
      };
      const result = await cancelRequest(deps, click);
      // The card loses its buttons; the answer is this ack (no ephemeral post besides it).
      await showResult(deps, result, { channel: undefined, userId: command.user_id });
      reply = result.message;
    } else if (parsed.action === 'relinquish') {
      reply = await relinquishGrant(deps, {
        requestId: parsed.requestId,
        userId: command.user_id,
        teamId: command.team_id,
        appId: command.api_app_id,
      });
    } else if (parsed.action === 'extend') {
      reply = await requestExtension(
        deps,
        {
          requestId: parsed.requestId,
          seconds: parsed.durationSeconds,
          userId: command.user_id,
          teamId: command.team_id,
          appId: command.api_app_id,
          triggerId: command.trigger_id,
          channelId: command.channel_id,
          ...(parsed.reason ? { reason: parsed.reason } : {}),
        },
        maxDurationSeconds,
      );
    } else {
      submitted = requestIdFor(command.team_id, command.trigger_id);
      reply = await submitRequest(deps, {
        command: parsed,
        requester: { userId: command.user_id, teamId: command.team_id, userName: command.user_name },
        channelId: command.channel_id,
        triggerId: command.trigger_id,
      });
    }
  } catch (error) {
    submitted = undefined;
    reply = answerFor(error, deps, command.trigger_id);
  }
  await ack(
    submitted === undefined ? ephemeral(reply) : { ...ephemeral(reply), ...pendingAck(reply, submitted) },
  );
}
