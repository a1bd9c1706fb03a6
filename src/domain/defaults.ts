/**
 * The defaults of the settings config.ts reads, stated once: config's schema, the command parser, the
 * submit step and local mode all take them from here.
 */
export const DEFAULTS = {
  /** How long a request waits for approval (APPROVAL_TIMEOUT_SECONDS): 1 day. */
  approvalTimeoutSeconds: 86_400,
  /** The longest `grant … for <duration>` (MAX_GRANT_DURATION_SECONDS): 7 days. */
  maxGrantDurationSeconds: 604_800,
  /** How long before a time-bound grant ends the requester is reminded (GRANT_REMINDER_SECONDS): 1 hour. */
  grantReminderSeconds: 3600,
  /** How long a request waits before its approvers get a reminder DM (APPROVER_REMINDER_SECONDS): 4 hours. */
  approverReminderSeconds: 14_400,
} as const;
