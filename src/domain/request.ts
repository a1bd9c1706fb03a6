import type { ChangeCommand, ResolvedTarget } from './command';
import type { ChangePlan, Operation } from './plan';

export type RequestStatus =
  | 'planning'
  | 'awaiting_approval'
  | 'approved'
  | 'denied'
  | 'expired'
  | 'applying'
  | 'completed'
  | 'no_change'
  | 'failed';

export interface Approval {
  userId: string;
  at: string;
}

/** A step the apply task finished, with the undo it recorded; rollback walks these in reverse. */
export interface CompletedStep {
  stepId: string;
  description: string;
  /** 'unchanged' when AWS already was as requested, so there is nothing to undo. */
  outcome: 'changed' | 'unchanged';
  undo: Operation | null;
  at: string;
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
  | 'no_change'
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
  status: RequestStatus;
  plan?: ChangePlan;
  requiredApprovals: number;
  approvals: Approval[];
  decision?: { outcome: 'approved' | 'denied' | 'expired'; by: string[]; at: string; reason?: string };
  /** The approval card in the audit channel; the thread under it is the audit trail. */
  card?: { channel: string; ts: string };
  /** When the approval wait times out (set when the card is posted). */
  approvalExpiresAt?: string;
  /** Step Functions task token; kept server side, never sent to Slack. */
  taskToken?: string;
  completedSteps: CompletedStep[];
  events: AuditEvent[];
}

/** Request ids look like REQ-7K3QX9M2PA; execution names and button values carry them. */
export const REQUEST_ID_PATTERN = /^REQ-[0-9A-Z]{10}$/;
