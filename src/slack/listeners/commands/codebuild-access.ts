import type { RespondArguments, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { DEFAULT_PARSE_OPTIONS, HELP_TEXT, parseCommand } from '../../../commands/parse-command';
import {
  type AccessRules,
  defaultAccessRules,
  hasOwnRules,
  NO_GROUPS,
  rulesIn,
  standingsFor,
} from '../../../domain/access-rules';
import { cancelRequest } from '../../../domain/cancel-request';
import type { ChangeCommand, Command } from '../../../domain/command';
import { NotAuthorizedError } from '../../../domain/errors';
import { requestExtension } from '../../../domain/extend-grant';
import { type InspectDeps, inspectTarget } from '../../../domain/inspect-target';
import { relinquishGrant } from '../../../domain/relinquish-grant';
import { requestIdFor, type SubmitDeps, submitRequest } from '../../../domain/submit-request';
import { pendingAck } from '../../blocks/lifecycle';
import { type RulesWhere, rulesText } from '../../blocks/rules-text';
import { neutralizeBroadcasts } from '../../blocks/text';
import { SLASH_COMMAND } from '../../ids';
import { answerFor } from '../answer';
import { type DecisionDeps, showResult } from '../decision-result';
import { openRequestForm } from '../request-form';

export type SlashCommandDeps = SubmitDeps & InspectDeps & DecisionDeps;

type SlashCommand = SlackCommandMiddlewareArgs['command'];
type Ack = SlackCommandMiddlewareArgs['ack'];

/** What the ack says; `submitted` is the request a new submission made (the ack carries its Cancel button). */
interface Answer {
  reply: string;
  submitted?: string;
}

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
  let answer: Answer;
  try {
    refuseForeignWorkspace(deps, command);
    if ((command.text ?? '').trim() === '') {
      // No text: the request form. `help` still prints the grammar.
      await openFormOrExplain(deps, command, ack);
      return;
    }
    answer = await answerCommand(deps, command);
  } catch (error) {
    answer = { reply: answerFor(error, deps, command.trigger_id) };
  }
  const { reply, submitted } = answer;
  await ack(
    submitted === undefined ? ephemeral(reply) : { ...ephemeral(reply), ...pendingAck(reply, submitted) },
  );
}

/** A command from another workspace or app (when the bot is pinned to one) is refused before anything. */
function refuseForeignWorkspace(deps: SlashCommandDeps, command: SlashCommand): void {
  const otherTeam = deps.expectedTeamId !== undefined && command.team_id !== deps.expectedTeamId;
  const otherApp = deps.expectedAppId !== undefined && command.api_app_id !== deps.expectedAppId;
  if (otherTeam || otherApp) {
    throw new NotAuthorizedError('This command came from a Slack workspace or app this bot does not serve.');
  }
}

/** Opens the request form; if Slack refuses, the ack says how to type the request instead. */
async function openFormOrExplain(deps: SlashCommandDeps, command: SlashCommand, ack: Ack): Promise<void> {
  try {
    await openRequestForm(deps, command.trigger_id, { channelId: command.channel_id });
    await ack();
  } catch (error) {
    const typeInstead = `You can type the request instead: \`${SLASH_COMMAND} help\` shows how.`;
    await ack(ephemeral(`${answerFor(error, deps, command.trigger_id)} ${typeInstead}`));
  }
}

/** Parses the text and answers it by its action. */
async function answerCommand(deps: SlashCommandDeps, command: SlashCommand): Promise<Answer> {
  const maxDurationSeconds = deps.maxGrantDurationSeconds ?? DEFAULT_PARSE_OPTIONS.maxDurationSeconds;
  const parsed = parseCommand(command.text ?? '', {
    maxDurationSeconds,
    ...(deps.accounts ? { accounts: deps.accounts.directory } : {}),
  });
  // A switch rather than a table: each case narrows `parsed` to its own command type.
  switch (parsed.action) {
    case 'help':
      return { reply: HELP_TEXT };
    case 'rules':
      return { reply: await rulesReply(deps, parsed.account, command.user_id) };
    case 'verify':
    case 'status':
      // Read-only: answered at once, no approval, no workflow.
      return { reply: deps.wording.say(await inspectTarget(deps, parsed, command.user_id)) };
    case 'cancel':
      return { reply: await cancelReply(deps, parsed.requestId, command) };
    case 'relinquish':
      return { reply: await relinquishGrant(deps, { requestId: parsed.requestId, ...clickerOf(command) }) };
    case 'extend':
      return { reply: await extendReply(deps, parsed, command, maxDurationSeconds) };
    default:
      return submit(deps, parsed, command);
  }
}

/** Who typed the command, as the lifecycle decisions (cancel, relinquish, extend) check it. */
const clickerOf = (command: SlashCommand) => ({
  userId: command.user_id,
  teamId: command.team_id,
  appId: command.api_app_id,
});

/** `rules [in <account>]`: the rules of the account asked for, else of the default account. */
async function rulesReply(
  deps: SlashCommandDeps,
  asked: string | undefined,
  userId: string,
): Promise<string> {
  const all = deps.rules ?? defaultAccessRules();
  const account = asked ?? all.defaultAccount;
  const rules = rulesIn(all, account);
  const standings = await standingsFor(rules, userId, deps.groups ?? NO_GROUPS, (id) =>
    deps.approvers.isApprover(id),
  );
  return rulesText(rules.source, standings, rulesWhere(all, account, asked));
}

/**
 * Which account the rules answer names: only when there is one and it matters (the file has rules per
 * account, or the user asked for one); else the answer names none.
 */
export function rulesWhere(
  all: AccessRules,
  account: string | undefined,
  asked: string | undefined,
): RulesWhere | undefined {
  if (account === undefined || (all.accounts === undefined && asked === undefined)) return undefined;
  return {
    account,
    own: hasOwnRules(all, account),
    others: Object.keys(all.accounts ?? {}).filter((name) => name !== account),
  };
}

/** `cancel <REQ-…>`: the card loses its buttons; the answer is this ack (no ephemeral post besides it). */
async function cancelReply(
  deps: SlashCommandDeps,
  requestId: string,
  command: SlashCommand,
): Promise<string> {
  const result = await cancelRequest(deps, { requestId, ...clickerOf(command) });
  await showResult(deps, result, { channel: undefined, userId: command.user_id });
  return result.message;
}

/** `extend <REQ-…> by …`: asks for more time, within the longest grant the bot allows. */
function extendReply(
  deps: SlashCommandDeps,
  parsed: Extract<Command, { action: 'extend' }>,
  command: SlashCommand,
  maxDurationSeconds: number,
): Promise<string> {
  return requestExtension(
    deps,
    {
      requestId: parsed.requestId,
      seconds: parsed.durationSeconds,
      ...clickerOf(command),
      triggerId: command.trigger_id,
      channelId: command.channel_id,
      ...(parsed.reason ? { reason: parsed.reason } : {}),
    },
    maxDurationSeconds,
  );
}

/** A change (grant, revoke, service-role, kms): recorded and its workflow started; the ack can cancel it. */
async function submit(deps: SlashCommandDeps, parsed: ChangeCommand, command: SlashCommand): Promise<Answer> {
  const reply = await submitRequest(deps, {
    command: parsed,
    requester: { userId: command.user_id, teamId: command.team_id, userName: command.user_name },
    channelId: command.channel_id,
    triggerId: command.trigger_id,
  });
  return { reply, submitted: requestIdFor(command.team_id, command.trigger_id) };
}
