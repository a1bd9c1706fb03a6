import type { TargetAccount } from './accounts';
import type { TaggedUserReader } from './iam-user-index';
import type { AutoApproval, CardStatus, DirectMessage, Notice, RenderedMessage } from './notices';
import type { IamOperation, KeyFacts, KmsOperation, PrincipalRef, RoleFacts } from './plans';
import type {
  AccessRequest,
  AuditEvent,
  CompletedStep,
  RequestDigest,
  RequestStatus,
  RequestSummary,
  SavableField,
} from './request';

/** The domain's view of IAM; src/aws/iam.ts implements it with the SDK. */
export interface IamPort extends TaggedUserReader {
  /** The principal's ARN, or undefined when IAM says NoSuchEntity. */
  findPrincipal(kind: 'user' | 'group', name: string): Promise<PrincipalRef | undefined>;
  /** The names of the IAM users in a group (GetGroup, every page); undefined when IAM says NoSuchEntity. */
  groupMemberNames(groupName: string): Promise<string[] | undefined>;
  listAttachedPolicyArns(principal: PrincipalRef): Promise<string[]>;
  /** Inline policy name -> document text (decoded), for quota counts, held tiers and role comparisons. */
  listInlinePolicies(principal: PrincipalRef): Promise<Record<string, string>>;
  /** The role with its trust policy and inline policies, or undefined when IAM says NoSuchEntity. */
  getRole(roleName: string): Promise<RoleFacts | undefined>;
  /** Runs one plan operation; 'unchanged' means AWS already was in the requested state. */
  run(op: IamOperation): Promise<'changed' | 'unchanged'>;
  simulate(principalArn: string, actions: string[]): Promise<Array<{ action: string; allowed: boolean }>>;
}

/** The domain's view of KMS; src/aws/kms.ts implements it with the SDK. */
export interface KmsPort {
  /** The key an id, key ARN, alias/NAME or alias ARN names, with its policy; undefined when KMS says NotFound. */
  describeKey(keyRef: string): Promise<KeyFacts | undefined>;
  /**
   * Runs one plan operation. `keyArn` is the key a createKey made, so the apply step can bind the steps
   * that refer to "the new key" and record the real undo.
   */
  run(op: KmsOperation): Promise<{ outcome: 'changed' | 'unchanged'; keyArn?: string }>;
}

/** CodeBuild, called with the bot's own credentials: the seed's `aws codebuild list-builds` check. */
export interface CodeBuildPort {
  listBuilds(): Promise<string[]>;
}

/** Finds requests still in flight for a target (status command); DynamoDB GSI byTarget. */
export interface PendingRequestFinder {
  pendingFor(targetArn: string): Promise<RequestSummary[]>;
}

/**
 * Every request recorded for a target (DynamoDB GSI byTarget), so revoke and expiry can tell which of
 * its grants are still in effect and what each needs.
 */
export interface ActiveGrantFinder {
  requestsFor(targetArn: string): Promise<RequestSummary[]>;
}

/** Requests by status (DynamoDB GSI byStatus), newest first: the Home tab and the approver reminder. */
export interface RequestLister {
  /** At most `limit` requests in `status`; with `createdBefore`, only those created before that instant. */
  listByStatus(
    status: RequestStatus,
    options?: { createdBefore?: string; limit?: number },
  ): Promise<RequestDigest[]>;
}

/** Records the approver reminder, once: false when it was recorded already or the request moved on. */
export interface ReminderMarker {
  markApproversReminded(requestId: string, at: string): Promise<boolean>;
}

/** Durable request records; src/aws/request-store.ts implements it on DynamoDB. */
export interface RequestStore {
  /** Creates the record; 'exists' when a record with that id is already there (a replay). */
  create(request: AccessRequest): Promise<'created' | 'exists'>;
  get(requestId: string): Promise<AccessRequest | undefined>;
  /**
   * Replaces `fields` and sets `version` to `expectedVersion + 1` when the stored version still equals
   * `expectedVersion` (`request.version` is ignored); false when someone else wrote first. Each function
   * passes the fields its IAM role may write (savableBy / DECISION_FIELDS): naming another is refused by
   * IAM. Callers use updateRequest (domain/update-request.ts), which owns the read-retry protocol.
   */
  save(request: AccessRequest, expectedVersion: number, fields: readonly SavableField[]): Promise<boolean>;
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
  /**
   * Starts the message with `<!here>`. Only break-glass sets it (docs/rules.md): every other text is
   * stripped of broadcasts on its way out.
   */
  here?: true;
}

/** What the bot needs from the Slack Web API. */
export interface SlackPort {
  post(message: SlackMessage): Promise<{ channel: string; ts: string }>;
  update(message: SlackMessage & { ts: string }): Promise<void>;
  postEphemeral(message: {
    channel: string;
    user: string;
    text: string;
    threadTs?: string;
    /** Block Kit blocks built in src/slack/blocks; `text` stays the notification's fallback. */
    blocks?: unknown[];
  }): Promise<void>;
  /** A direct message from the bot to one user (conversations.open, then chat.postMessage). */
  postDirect(userId: string, text: string, blocks?: unknown[]): Promise<void>;
  /**
   * Opens a modal for the user who triggered `triggerId` (valid for 3 s after the click). The view is
   * built and typed (@slack/types ModalView) in src/slack/blocks; the domain only passes it through.
   */
  openModal(triggerId: string, view: object): Promise<void>;
  /**
   * Replaces an open modal's view (views.update). With `hash` (the view's hash in the interaction),
   * Slack refuses the update if the view changed since: the caller's view is stale, and a SlackApiError
   * with code `hash_conflict` says so.
   */
  updateModal(viewId: string, view: object, hash?: string): Promise<void>;
  /** The user's profile email and display name, or undefined when Slack does not know the user. */
  lookupUser(userId: string): Promise<{ email?: string; name: string; deleted: boolean } | undefined>;
  /** A link to a message (chat.getPermalink), for DMs that point at the approval card. */
  permalink(channel: string, ts: string): Promise<string>;
  /** Replaces a person's App Home tab (views.publish); the view is a @slack/types HomeView built in src/slack/blocks. */
  publishHome(userId: string, view: object): Promise<void>;
}

/**
 * Words what the bot tells people: the domain and the tasks pass domain values, src/slack/blocks/
 * (slackWording) decides the text, mentions, dates and Block Kit. Pure: it calls nothing.
 */
export interface Wording {
  /** The text of a notice: a thread reply and its audit event, or an answer to one person. */
  say(notice: Notice): string;
  /** The approval card of a request waiting for approval until `expiresAt`. */
  approvalCard(request: AccessRequest, expiresAt: string): RenderedMessage;
  /** The card of a request once it is closed, ending with its status (and the rule that approved it, if one did). */
  closedCard(request: AccessRequest, status: CardStatus, autoApproved?: AutoApproval): RenderedMessage;
  /** The card of a grant the access rules approved without a human (posted already decided). */
  autoApprovedCard(request: AccessRequest, by: AutoApproval): RenderedMessage;
  /** A direct message to one person (requester news, approver asks and reminders, failed-DM notes). */
  direct(message: DirectMessage): RenderedMessage;
  /** The tag every thread reply of a request in that account starts with; absent, replies are untagged. */
  accountTag?(account: TargetAccount): string;
}

/**
 * Publishes and refreshes Home tabs (src/slack/home-tabs.ts). A failure is logged, never thrown: the
 * tab is a view of the records, not a record.
 */
export interface HomeTabs {
  /** Publishes one person's Home tab, with an optional answer on top (to a click made there). */
  publish(userId: string, notice?: string): Promise<void>;
  /**
   * Republishes the tabs a change to this request shows in: its requester, its target and the approvers
   * of its command. With `answer`, that person's tab (first) carries the answer on top: the reply to a
   * click made in their Home tab.
   */
  refreshFor(
    request: Pick<RequestDigest, 'requester' | 'target' | 'command'>,
    answer?: { userId: string; notice: string },
  ): Promise<void>;
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

/** The Lambda invocation a log line belongs to (the fields Powertools' addContext reads). */
export interface InvocationContext {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  /** Lambda's time left for this invocation (a scheduled function stops starting work when it is short). */
  getRemainingTimeInMillis?(): number;
}

/**
 * Structured JSON logging (Powertools Logger in Lambda); fields must never hold secrets. An error goes
 * in as the object itself (`{ error }`), so its name, stack and cause are kept.
 */
export interface Log {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** Starts an invocation: drops the keys the last one appended and, in Lambda, adds its context. */
  startInvocation(context?: InvocationContext): void;
  /** Adds keys (the request id being handled) to every later line of this invocation. */
  appendKeys(keys: Record<string, string | undefined>): void;
}
