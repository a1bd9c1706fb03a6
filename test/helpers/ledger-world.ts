/**
 * The in-memory world of the grant-ledger property test (test/flows/grant-ledger.property.test.ts):
 * one fake per port (store, IAM, Slack) with injectable faults, the random steps, and the two checks
 * (IAM equals what the grants still in effect need; each thread ends with its final status).
 */
import fc from 'fast-check';
import { writeFields } from '../../bench/lib/memory-store';
import { applyClick } from '../../src/domain/approval';
import { type ChangeCommand, isTierCommand } from '../../src/domain/command';
import { AwsOperationError } from '../../src/domain/errors';
import { grantInEffect } from '../../src/domain/grant-ledger';
import type { IamOperation, PrincipalRef } from '../../src/domain/plans';
import type {
  ActiveGrantFinder,
  IamPort,
  RequestStore,
  SlackMessage,
  SlackPort,
} from '../../src/domain/ports';
import {
  type AccessRequest,
  type AuditEvent,
  type CompletedStep,
  DECISION_FIELDS,
  type RequestSummary,
  type SavableField,
} from '../../src/domain/request';
import { isManagedTier, type ManagedTier, TIER_SPECS } from '../../src/domain/tiers';
import { slackWording } from '../../src/slack/blocks/wording';
import type { TaskDeps } from '../../src/workflows/tasks/deps';
import { testAccountContext } from './harness';

export const ARN = 'arn:aws:iam::111122223333:user/alice';
const PRINCIPAL: PrincipalRef = { kind: 'user', name: 'alice', arn: ARN };
export const TIERS: ManagedTier[] = ['admin', 'developer', 'readonly'];

export class MemoryStore implements RequestStore, ActiveGrantFinder {
  readonly records = new Map<string, AccessRequest>();
  async create(request: AccessRequest) {
    if (this.records.has(request.requestId)) return 'exists' as const;
    this.records.set(request.requestId, structuredClone(request));
    return 'created' as const;
  }
  async get(requestId: string) {
    const found = this.records.get(requestId);
    return found ? structuredClone(found) : undefined;
  }
  async save(request: AccessRequest, expectedVersion: number, fields: readonly SavableField[]) {
    const current = this.records.get(request.requestId);
    if (!current || current.version !== expectedVersion) return false;
    // Like DynamoDB's UpdateItem: only the named fields change; the append-only lists stay as stored.
    this.records.set(request.requestId, writeFields(current, request, expectedVersion, fields));
    return true;
  }
  async appendEvent(requestId: string, event: AuditEvent) {
    this.records.get(requestId)?.events.push(event);
  }
  async appendCompletedStep(requestId: string, step: CompletedStep) {
    this.records.get(requestId)?.completedSteps.push(structuredClone(step));
  }
  async requestsFor(targetArn: string): Promise<RequestSummary[]> {
    return [...this.records.values()].filter((r) => r.targetArn === targetArn);
  }
}

export type Fault = 'none' | 'applyDenied' | 'crash' | 'verifyFails' | 'slackDownOnSuccess';

export class MemoryIam implements IamPort {
  readonly attached = new Set<string>();
  fault: Fault = 'none';
  private calls = 0;
  async findPrincipal() {
    return PRINCIPAL;
  }
  async userWithTags() {
    return undefined;
  }
  async usersTagged() {
    return [];
  }
  async listAttachedPolicyArns() {
    return [...this.attached].sort();
  }
  async listInlinePolicies() {
    return {};
  }
  async getRole() {
    return undefined;
  }
  async groupMemberNames() {
    return [];
  }
  async run(op: IamOperation): Promise<'changed' | 'unchanged'> {
    if (op.type !== 'attachPolicy' && op.type !== 'detachPolicy') throw new Error(`unexpected ${op.type}`);
    this.calls += 1;
    // The second IAM write of an apply fails for good; with 'crash' the first acts, then the task dies.
    if (this.fault === 'applyDenied' && this.calls === 2) throw new AwsOperationError('AWS denied the bot.');
    const had = this.attached.has(op.policyArn);
    if (op.type === 'attachPolicy') this.attached.add(op.policyArn);
    else this.attached.delete(op.policyArn);
    if (this.fault === 'crash' && this.calls === 1) throw new Error('Task timed out after 60.00 seconds');
    return had === (op.type === 'attachPolicy') ? 'unchanged' : 'changed';
  }
  async simulate(_: string, actions: string[]) {
    const allowed = new Set(
      TIERS.filter((tier) => this.attached.has(TIER_SPECS[tier].primary)).flatMap(
        (tier) => TIER_SPECS[tier].expectedActions,
      ),
    );
    return actions.map((action) => ({
      action,
      allowed: this.fault !== 'verifyFails' && allowed.has(action),
    }));
  }
  arm(fault: Fault) {
    this.fault = fault;
    this.calls = 0;
  }
}

export class MemorySlack implements SlackPort {
  readonly posts: Array<SlackMessage & { ts: string }> = [];
  down = false;
  private ts = 0;
  async post(message: SlackMessage) {
    if (this.down && message.text.startsWith(':white_check_mark: Done')) throw new Error('is_archived');
    this.ts += 1;
    const ts = `${this.ts}`;
    this.posts.push({ ...message, ts });
    return { channel: message.channel, ts };
  }
  async update() {}
  async postEphemeral() {}
  async postDirect() {}
  async openModal() {}
  async updateModal() {}
  async permalink(channel: string, ts: string) {
    return `https://local/${channel}/${ts}`;
  }
  async publishHome() {}
  async lookupUser() {
    return undefined;
  }
  lastInThread(card: { ts: string } | undefined): string | undefined {
    return this.posts.filter((post) => post.threadTs === card?.ts).at(-1)?.text;
  }
}

export type Step =
  | { kind: 'grant'; tier: ManagedTier; timeBound: boolean; fault: Fault }
  | { kind: 'revoke'; tier: ManagedTier; fault: Fault }
  | { kind: 'expire'; pick: number };

export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('grant' as const),
    tier: fc.constantFrom(...TIERS),
    timeBound: fc.boolean(),
    fault: fc.constantFrom<Fault>(
      'none',
      'none',
      'applyDenied',
      'crash',
      'verifyFails',
      'slackDownOnSuccess',
    ),
  }),
  fc.record({
    kind: fc.constant('revoke' as const),
    tier: fc.constantFrom(...TIERS),
    fault: fc.constantFrom<Fault>('none', 'none', 'applyDenied', 'crash', 'verifyFails'),
  }),
  fc.record({ kind: fc.constant('expire' as const), pick: fc.nat(5) }),
);

/** What the last message in a request's thread must say for its final status. */
export function expectedLastMessage(record: AccessRequest): RegExp {
  const timeBound = record.command.action === 'grant' && record.command.durationSeconds !== undefined;
  if (record.status === 'revoked_early' || (timeBound && record.endedBy !== undefined))
    return /^:hourglass: Time limit reached; REQ-\d+ already ended this grant/;
  if (record.endedBy !== undefined) return /^:scissors: Ended by REQ-\d+/;
  switch (record.status) {
    case 'completed':
      return timeBound
        ? /^:hourglass: Time limit reached for /
        : /^(:rotating_light: The workflow for REQ-\d+ stopped: Slack refused its outcome at the time\. From its record:\n)?:white_check_mark: Done\. /;
    case 'failed':
      return /^:x: Failed: /;
    case 'no_change':
      return /^:information_source: Nothing to change: /;
    default:
      return /^never$/;
  }
}

/** The ports of one world, and the record of a new request on alice as the slack function writes it. */
export class LedgerPorts {
  readonly store = new MemoryStore();
  readonly iam = new MemoryIam();
  readonly slack = new MemorySlack();
  /** `firstNumber`: where request numbers start (worlds that share one workflow runner need distinct ids). */
  constructor(private count = 0) {}
  private clockMs = Date.parse('2026-11-29T00:00:00Z');
  readonly deps: TaskDeps = {
    iam: this.iam,
    store: this.store,
    grants: this.store,
    slack: this.slack,
    log: { info() {}, warn() {}, error() {}, startInvocation() {}, appendKeys() {} },
    clock: { now: () => this.tick() },
    wording: slackWording,
    auditChannelId: 'C0AUDIT',
    grantReminderSeconds: 3600,
    account: testAccountContext(),
  };

  private tick(): Date {
    this.clockMs += 1000;
    return new Date(this.clockMs);
  }

  /** Stores a new request on alice (status planning) and returns its id. */
  async newRequest(command: ChangeCommand): Promise<string> {
    this.count += 1;
    const requestId = `REQ-${String(this.count).padStart(10, '0')}`;
    await this.store.create({
      requestId,
      version: 1,
      createdAt: new Date(this.clockMs).toISOString(),
      requester: { userId: 'U0REQUESTER', teamId: 'T0' },
      channelId: 'C0CHAN',
      command,
      target: { kind: 'user', name: 'alice', arn: ARN },
      targetArn: ARN,
      status: 'planning',
      requiredApprovals: 1,
      approvals: [],
      completedSteps: [],
      events: [],
    });
    return requestId;
  }

  /**
   * Approves a request waiting for approval the way clicks do (the same pure rule, applyClick), by as
   * many approvers as its plan needs; returns who approved.
   */
  async approve(requestId: string): Promise<string[]> {
    const asked = await this.store.get(requestId);
    if (!asked) throw new Error(`no record for ${requestId}`);
    let approved = asked;
    for (const userId of ['U0APPROVER1', 'U0APPROVER2']) {
      const click = applyClick(
        approved,
        { userId, teamId: 'T0', appId: undefined, choice: 'approve' },
        { isApprover: true, now: asked.createdAt },
      );
      if (click.kind !== 'recorded' && click.kind !== 'decided') break;
      approved = click.request;
    }
    await this.store.save(approved, asked.version, DECISION_FIELDS);
    return approved.approvals.map((approval) => approval.userId);
  }

  /** What the grants still in effect need, per policy ARN. */
  needed(): string[] {
    const arns = new Set<string>();
    for (const record of this.store.records.values()) {
      const tier = isTierCommand(record.command) ? record.command.tier : undefined;
      if (tier && isManagedTier(tier) && grantInEffect(record)) {
        for (const arn of TIER_SPECS[tier].policyArns) arns.add(arn);
      }
    }
    return [...arns].sort();
  }

  /** Checks every request's thread: its last message matches its final status. */
  expectThreadsMatchStatus(): void {
    for (const record of this.store.records.values()) {
      const last = this.slack.lastInThread(record.card);
      expect({ id: record.requestId, status: record.status, last }).toEqual({
        id: record.requestId,
        status: record.status,
        last: expect.stringMatching(expectedLastMessage(record)),
      });
    }
  }
}

/** The change command of a grant or revoke step on alice. */
export function commandOf(step: Exclude<Step, { kind: 'expire' }>): ChangeCommand {
  return step.kind === 'grant'
    ? {
        action: 'grant',
        target: { kind: 'user', name: 'alice' },
        tier: step.tier,
        ...(step.timeBound ? { durationSeconds: 3600 } : {}),
      }
    : { action: 'revoke', target: { kind: 'user', name: 'alice' }, tier: step.tier };
}
