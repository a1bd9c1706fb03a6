import { COMMAND_NAME } from '../commands/parse-command';

/** Every Slack identifier the app registers or matches, in one place. */
export const SLASH_COMMAND = COMMAND_NAME;

export const ACTION_IDS = {
  approve: 'approve_request',
  deny: 'deny_request',
} as const;

export const DECISION_BLOCK_ID = 'decision';

/** The Deny modal: its callback id, and the block/action ids of the reason input. */
export const DENY_MODAL = {
  callbackId: 'deny_reason',
  reasonBlockId: 'reason',
  reasonActionId: 'reason_input',
} as const;
