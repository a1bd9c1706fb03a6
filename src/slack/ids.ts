/** Every Slack identifier the app registers or matches, in one place. */
export const SLASH_COMMAND = '/codebuild-access';

export const ACTION_IDS = {
  approve: 'approve_request',
  deny: 'deny_request',
} as const;

export const DECISION_BLOCK_ID = 'decision';
