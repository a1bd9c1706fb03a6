import type {
  App,
  BlockAction,
  ButtonAction,
  GlobalShortcut,
  StaticSelectAction,
  ViewSubmitAction,
} from '@slack/bolt';
import { ACTION_IDS, DENY_MODAL, EVENT_TYPES, EXTEND_MODAL, REQUEST_FORM, SLASH_COMMAND } from '../ids';
import { approveAction } from './actions/approve';
import { cancelAction } from './actions/cancel';
import { denyAction } from './actions/deny';
import { extendAction } from './actions/extend';
import { relinquishAction } from './actions/relinquish';
import { requestFormTierPicked } from './actions/request-form-tier';
import { codebuildAccessCommand, type SlashCommandDeps } from './commands/codebuild-access';
import type { DecisionDeps } from './decision-result';
import { onHomeOpened } from './events/home-opened';
import { requestFormShortcut } from './shortcuts/request-form';
import { denyReasonSubmission } from './views/deny-reason';
import { extendModalSubmission } from './views/extend-modal';
import { requestFormSubmission } from './views/request-form';

/** What every listener together needs. */
export type ListenerDeps = SlashCommandDeps & DecisionDeps;

/**
 * Registers every listener of the app: one slash command, one shortcut, four buttons, the request
 * form's tier, action and account selects, two modals, one event (the Home tab).
 */
export function registerListeners(app: App, deps: ListenerDeps): void {
  app.command(SLASH_COMMAND, (args) => codebuildAccessCommand(deps, args));
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.approve, (args) => approveAction(deps, args));
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.deny, (args) => denyAction(deps, args));
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.cancel, (args) => cancelAction(deps, args));
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.relinquish, (args) => relinquishAction(deps, args));
  app.action<BlockAction<ButtonAction>>(ACTION_IDS.extend, (args) => extendAction(deps, args));
  app.view<ViewSubmitAction>(EXTEND_MODAL.callbackId, (args) => extendModalSubmission(deps, args));
  app.view<ViewSubmitAction>(DENY_MODAL.callbackId, (args) => denyReasonSubmission(deps, args));
  app.shortcut<GlobalShortcut>(REQUEST_FORM.shortcutCallbackId, (args) => requestFormShortcut(deps, args));
  app.view<ViewSubmitAction>(REQUEST_FORM.callbackId, (args) => requestFormSubmission(deps, args));
  app.action<BlockAction<StaticSelectAction>>(REQUEST_FORM.actions.tier, (args) =>
    requestFormTierPicked(deps, args),
  );
  app.action<BlockAction<StaticSelectAction>>(REQUEST_FORM.actions.action, (args) =>
    requestFormTierPicked(deps, args),
  );
  app.action<BlockAction<StaticSelectAction>>(REQUEST_FORM.actions.account, (args) =>
    requestFormTierPicked(deps, args),
  );
  app.event(EVENT_TYPES.homeOpened, ({ event }) => onHomeOpened(deps, event));
}
