import type { App, BlockAction, ButtonAction, ViewSubmitAction } from '@slack/bolt';
import { ACTION_IDS, DENY_MODAL, SLASH_COMMAND } from '../ids';
import { approveAction } from './actions/approve';
import { denyAction } from './actions/deny';
import { codebuildAccessCommand, type SlashCommandDeps } from './commands/codebuild-access';
import type { DecisionDeps } from './decision-result';
import { denyReasonSubmission } from './views/deny-reason';

/** What every listener together needs. */
export type ListenerDeps = SlashCommandDeps & DecisionDeps;

/** Registers every listener of the app: one slash command, two buttons, one modal. */
export function registerListeners(app: App, deps: ListenerDeps): void {
  app.command(SLASH_COMMAND, (args) => codebuildAccessCommand(deps, args));
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.approve, (args) => approveAction(deps, args));
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.deny, (args) => denyAction(deps, args));
  app.view<ViewSubmitAction>(DENY_MODAL.callbackId, (args) => denyReasonSubmission(deps, args));
}
