import type { TargetAccount } from './accounts';
import type { ChangeCommand, ResolvedTarget } from './command';
import type { ChangePlan, Operation } from './plans';

export type RequestStatus =
  | 'planning'
  | 'awaiting_approval'
  | 'approved'
  | 'denied'
  | 'expired'
  | 'applying'
  | 'completed'
  /** A time-bound grant that is applied and waiting for its expiry. */
  | 'active'
  /** A time-bound grant that a later revoke ended before its expiry. */
  | 'revoked_early'
  /** The requester cancelled it before anyone decided; nothing was applied. */
  | 'cancelled'
  /** A time-bound grant its holder gave up before its time limit; the access was revoked. */
  | 'relinquished'
  /**
   * An approved extension its grant's run could not take (the run was between two steps, or the grant
   * had ended): closed, the end did not move, and its requester was told to ask again.
   */
  | 'lapsed'
  | 'no_change'
  | 'failed';

export interface Approval {
  userId: string;
  at: string;
  /** The hash of the plan the card showed when this approval was given (planHash); apply checks it. */
  planHash?: string;
}

/** A step the apply task finished, with the undo it recorded; rollback walks these in reverse. */
export interface CompletedStep {
  stepId: string;
  description: string;
  /**
   * 'unchanged' when AWS already was as requested, so there is nothing to undo. 'started' is written
   * before the call, so a retry after a crash knows the call may have acted.
   */
  outcome: 'changed' | 'unchanged' | 'started';
  undo: Operation | null;
  at: string;
  /** The key a createKey step made; later steps of the plan that name "the new key" use it. */
  output?: { keyArn?: string };
  /**
   * On an `extended:REQ-…` marker (extensionStepId): the approved extension the workflow's check
   * accepted, and the end it moved the grant to. Only apply writes the journal, so only this counts.
   */
  extension?: { requestId: string; seconds: number; expiresAt: string };
}

/**
 * What an extension request asks for (`extend REQ-… by 2h`), set by the slack function when it creates
 * the record: which grant, by how long, and the end before and after as the requester saw them (the
 * card shows them; the workflow's check recomputes the end from the run's own state).
 */
export interface GrantExtension {
  requestId: string;
  seconds: number;
  from: string;
  to: string;
  /**
   * Why more time is needed, as its asker gave it. Kept here, not in `command`: a reason in the command
   * would make a break-glass tier's extension self-approvable.
   */
  reason?: string;
}

export type AuditEventType =
  | 'requested'
  | 'planned'
  | 'approval_recorded'
  | 'approved'
  | 'denied'
  | 'expired'
  | 'applied'
  | 'verified'
  | 'verification_failed'
  | 'rolled_back'
  | 'reminder'
  | 'access_expired'
  | 'no_change'
  | 'cancelled'
  | 'relinquished'
  | 'extended'
  | 'extension_refused'
  | 'failed';

/** Append-only; each one is also a reply in the request's thread and a JSON log line. */
export interface AuditEvent {
  type: AuditEventType;
  at: string;
  /** Slack user id of whoever caused the event, when a person did. */
  actor?: string;
  text: string;
}

/** The durable record of one request (DynamoDB item, keyed by requestId). */
export interface AccessRequest {
  requestId: string;
  /** Optimistic-concurrency counter: every decision write must match it. */
  version: number;
  createdAt: string;
  requester: { userId: string; teamId: string; userName?: string };
  /** The channel the command was typed in. */
  channelId: string;
  command: ChangeCommand;
  target: ResolvedTarget;
  /**
   * The target's ARN as resolved when the request was made; never changes. Key of the byTarget index,
   * so `status` finds the pending requests for a user or group (DynamoDB indexes top-level attributes only).
   */
  targetArn?: string;
  /**
   * The account the request works in, by name and id (and region for kms), as the slack function
   * resolved it; shown first on the card. Tasks take the id from their own config and refuse a mismatch.
   * Absent in records from before accounts: the hub.
   */
  account?: TargetAccount;
  status: RequestStatus;
  plan?: ChangePlan;
  requiredApprovals: number;
  approvals: Approval[];
  decision?: {
    outcome: 'approved' | 'denied' | 'expired' | 'cancelled';
    by: string[];
    at: string;
    reason?: string;
  };
  /** The approval card in the audit channel; the thread under it is the audit trail. */
  card?: { channel: string; ts: string };
  /** The hash of the plan the card shows (set with the card; the slack function may not write it). */
  planHash?: string;
  /** When a time-bound grant's access ends (set when it is applied). */
  accessExpiresAt?: string;
  /** For a grant a revoke of its tier ended (early, for a time-bound one): the revoke request. */
  endedBy?: string;
  /** When the approval wait times out (set when the card is posted). */
  approvalExpiresAt?: string;
  /** When the approvers got their one reminder DM (the remindApprovers function writes only this). */
  approversRemindedAt?: string;
  /** Step Functions task token; kept server side, never sent to Slack. */
  taskToken?: string;
  /**
   * The task token of "Hold until expiry" (a time-bound grant in effect); SendTaskSuccess on it can
   * only end the access early. Written by the askApproval function, never by slack.
   */
  holdToken?: string;
  /** Who gave a time-bound grant up early (from the run's own state; written by the expiry). */
  relinquishedBy?: string;
  /**
   * Set on an extension request: the grant it extends. Its `command` is a copy of that grant's
   * command (same tier and target, so the same approvers and counts) with the total duration.
   */
  extends?: GrantExtension;
  completedSteps: CompletedStep[];
  events: AuditEvent[];
}

/** What `status` shows of a pending request (the byTarget index projects these attributes). */
export interface RequestSummary {
  requestId: string;
  status: RequestStatus;
  createdAt: string;
  command: ChangeCommand;
  requester: { userId: string };
}

/** What the byStatus index projects (src/aws/requests-table.json): enough for the Home tab and reminders. */
export type RequestDigest = Pick<
  AccessRequest,
  | 'requestId'
  | 'status'
  | 'createdAt'
  | 'requester'
  | 'command'
  | 'target'
  | 'approvals'
  | 'requiredApprovals'
  | 'card'
  | 'accessExpiresAt'
  | 'approvalExpiresAt'
  | 'approversRemindedAt'
  /** Not projected by the index: readHomeData reads it from the record of a pending time-bound grant. */
  | 'extends'
  /** Not projected by the index: readHomeData derives it from the command and the configured accounts. */
  | 'account'
>;

/** Statuses of a request that is still going somewhere. */
export const PENDING_STATUSES: readonly RequestStatus[] = [
  'planning',
  'awaiting_approval',
  'approved',
  'applying',
];

/** Request ids look like REQ-7K3QX9M2PA; execution names and button values carry them. */
export const REQUEST_ID_PATTERN = /^REQ-[0-9A-Z]{10}$/;

/**
 * The attributes the internet-facing slack function writes when it creates a request. Its IAM role may
 * put no others (dynamodb:Attributes in serverless.yml; test/infra/template.test.ts checks they match):
 * never a plan, a card, a plan hash, a task token or a journal, so it cannot act as an approved run.
 */
export const REQUEST_CREATE_FIELDS = [
  'requestId',
  'version',
  'createdAt',
  'requester',
  'channelId',
  'command',
  'target',
  'targetArn',
  'account',
  'status',
  'approvals',
  'events',
  'extends',
] as const satisfies ReadonlyArray<keyof AccessRequest>;

/** The attributes a decision (a click) changes; with `version`, `requestId` and `events`, all the slack role may update. */
export const DECISION_FIELDS = ['status', 'approvals', 'decision'] as const satisfies ReadonlyArray<
  keyof AccessRequest
>;

/** The attributes the slack function's role may name in an UpdateItem. */
export const SLACK_UPDATE_FIELDS = ['requestId', 'version', 'events', ...DECISION_FIELDS] as const;

/** A field `save` may write (everything but the key and the append-only lists). */
export type SavableField = Exclude<keyof AccessRequest, 'requestId' | 'events' | 'completedSteps'>;

/**
 * Who may write which attribute of a request record, per function (its IAM role's dynamodb:Attributes in
 * serverless.yml must equal these; test/infra/template.test.ts checks it). No function but slack may
 * write approvals, and none may change `command` or `targetArn` after creation, so no single misbehaving
 * function can put an approved run together: the plan (plan), the hash the card shows (askApproval) and
 * the approvals of that hash (slack) each have one writer.
 */
export const RECORD_WRITES = {
  slackCreate: REQUEST_CREATE_FIELDS,
  slack: SLACK_UPDATE_FIELDS,
  plan: ['requestId', 'version', 'events', 'plan', 'target', 'requiredApprovals', 'status'],
  askApproval: [
    'requestId',
    'version',
    'events',
    'card',
    'taskToken',
    'approvalExpiresAt',
    'planHash',
    'holdToken',
  ],
  apply: ['requestId', 'events', 'completedSteps'],
  rollback: ['requestId', 'version', 'events', 'completedSteps', 'status', 'relinquishedBy'],
  verify: ['requestId', 'events'],
  report: [
    'requestId',
    'version',
    'events',
    'status',
    'accessExpiresAt',
    'decision',
    'taskToken',
    'card',
    'endedBy',
  ],
  /** The scheduled approver reminder: the one attribute that says it reminded them (no version bump). */
  remindApprovers: ['requestId', 'approversRemindedAt'],
} as const satisfies Record<string, ReadonlyArray<keyof AccessRequest>>;

/** The savable fields a function writes (RECORD_WRITES without the key, version and append-only lists). */
export const savableBy = (writer: keyof typeof RECORD_WRITES): SavableField[] =>
  (RECORD_WRITES[writer] as readonly string[]).filter(
    (field): field is SavableField =>
      field !== 'requestId' && field !== 'version' && field !== 'events' && field !== 'completedSteps',
  );
