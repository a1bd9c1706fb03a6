import type { Operation, PrincipalRef } from './plan';
import type { AccessRequest, AuditEvent, CompletedStep } from './request';

/** The domain's view of IAM; src/aws/iam.ts implements it with the SDK. */
export interface IamPort {
  /** The principal's ARN, or undefined when IAM says NoSuchEntity. */
  findPrincipal(kind: 'user' | 'group', name: string): Promise<PrincipalRef | undefined>;
  /** The IAM user tagged SlackUserId=<id>, if exactly one is. */
  findUserByTag(key: string, value: string): Promise<PrincipalRef | undefined>;
  listAttachedPolicyArns(principal: PrincipalRef): Promise<string[]>;
  /** Runs one plan operation; 'unchanged' means AWS already was in the requested state. */
  run(op: Operation): Promise<'changed' | 'unchanged'>;
  simulate(principalArn: string, actions: string[]): Promise<Array<{ action: string; allowed: boolean }>>;
}

/** Durable request records; src/aws/request-store.ts implements it on DynamoDB. */
export interface RequestStore {
  /** Creates the record; 'exists' when a record with that id is already there (a replay). */
  create(request: AccessRequest): Promise<'created' | 'exists'>;
  get(requestId: string): Promise<AccessRequest | undefined>;
  /**
   * Replaces the mutable fields when the stored version still equals `expectedVersion`
   * (the caller bumps `version`); false when someone else wrote first.
   */
  save(request: AccessRequest, expectedVersion: number): Promise<boolean>;
  /** Appends to the audit trail without a version check: events never conflict. */
  appendEvent(requestId: string, event: AuditEvent): Promise<void>;
  /** Appends to the apply journal without a version check. */
  appendCompletedStep(requestId: string, step: CompletedStep): Promise<void>;
}

export interface SlackMessage {
  channel: string;
  text: string;
  blocks?: unknown[];
  threadTs?: string;
}

/** What the bot needs from the Slack Web API. */
export interface SlackPort {
  post(message: SlackMessage): Promise<{ channel: string; ts: string }>;
  update(message: SlackMessage & { ts: string }): Promise<void>;
  postEphemeral(message: { channel: string; user: string; text: string; threadTs?: string }): Promise<void>;
  /** The user's profile email and display name, or undefined when Slack does not know the user. */
  lookupUser(userId: string): Promise<{ email?: string; name: string; deleted: boolean } | undefined>;
}

/** Starts and answers the Step Functions workflow. */
export interface WorkflowPort {
  /** Starts the run named after the request; a replay of the same request starts nothing new. */
  start(requestId: string, input: unknown): Promise<'started' | 'already_started'>;
  /** Returns 'already_handled' when the token timed out or was used (TaskTimedOut, InvalidToken). */
  sendDecision(taskToken: string, output: unknown): Promise<'sent' | 'already_handled'>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Structured JSON logging (Powertools Logger in Lambda); fields must never hold secrets. */
export interface Log {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}
