import { COMMAND_NAME } from '../commands/parse-command';

/** Every Slack identifier the app registers or matches, in one place. */
export const SLASH_COMMAND = COMMAND_NAME;

export const ACTION_IDS = {
  approve: 'approve_request',
  deny: 'deny_request',
  /** The requester cancels their own pending request (ephemeral ack, home tab); value = request id. */
  cancel: 'cancel_request',
  /** The holder gives a time-bound grant up early (applied message, DM, home tab); value = request id. */
  relinquish: 'relinquish_grant',
  /** The holder or requester asks for more time (home tab): opens the Extend modal; value = grant id. */
  extend: 'extend_grant',
} as const;

/** The Extend modal: the grant's id rides in private_metadata; duration and reason per block. */
export const EXTEND_MODAL = {
  callbackId: 'extend_grant',
  durationBlockId: 'duration',
  durationActionId: 'duration_select',
  reasonBlockId: 'reason',
  reasonActionId: 'reason_input',
} as const;

export const DECISION_BLOCK_ID = 'decision';

/** Events API events the app subscribes to (manifest.yml settings.event_subscriptions.bot_events). */
export const EVENT_TYPES = {
  homeOpened: 'app_home_opened',
} as const;

/** The Deny modal: its callback id, and the block/action ids of the reason input. */
export const DENY_MODAL = {
  callbackId: 'deny_reason',
  reasonBlockId: 'reason',
  reasonActionId: 'reason_input',
} as const;

/**
 * The request form: `/codebuild-access` with no text, or the global shortcut, opens it. Errors are
 * answered per input block (response_action: errors), so each block id names one field.
 */
export const REQUEST_FORM = {
  callbackId: 'codebuild_access_form',
  /** The global shortcut (manifest.yml features.shortcuts). */
  shortcutCallbackId: 'codebuild_access_request',
  blocks: {
    /** Shown only when more than one account is configured. */
    account: 'account',
    person: 'target_person',
    iamTarget: 'target_iam',
    action: 'action',
    tier: 'tier',
    duration: 'duration',
    reason: 'reason',
  },
  actions: {
    account: 'account_select',
    person: 'target_person_select',
    iamTarget: 'target_iam_input',
    action: 'action_select',
    tier: 'tier_select',
    duration: 'duration_select',
    reason: 'reason_input',
  },
} as const;
