import { createHash } from 'node:crypto';
import { type AccessRules, checkRequest, type GroupMembership } from './access-rules';
import { type AccountAccess, accountNames } from './accounts';
import { auditEvent } from './audit-trail';
import type { ChangeCommand } from './command';
import { commandAccount } from './command-account';
import { BotError, NotAuthorizedError, TargetNotFoundError, WorkflowStartError } from './errors';
import type { AccountContext } from './plans';
import type { Clock, Log, RequestStore, WorkflowPort } from './ports';
import type { AccessRequest } from './request';
import { resolveChangeTarget } from './resolve-change-target';
import type { ResolveDeps } from './resolve-target';
import { retryTransient } from './retry';
import { noChange, updateRequest } from './update-request';

export interface SubmitDeps extends ResolveDeps {
  store: RequestStore;
  workflow: WorkflowPort;
  clock: Clock;
  log: Log;
  auditChannelId: string;
  approvalTimeoutSeconds: number;
  /** The longest time-bound grant (default 7 d). */
  maxGrantDurationSeconds?: number;
  /** When set, commands from another workspace or app are refused. */
  expectedTeamId?: string;
  expectedAppId?: string;
  /** Account id and region; service-role and kms requests need them to name their target. */
  account?: AccountContext;
  /** The rules per tier (access-rules.yml); absent, every tier keeps its defaults. */
  rules?: AccessRules;
  /** Membership of the user groups the rules name. */
  groups?: GroupMembership;
  /** The configured accounts (`in <account>`) and how to act in them; absent, the hub only. */
  accounts?: AccountAccess;
}

// Without a lookup, a rule naming a user group admits no one through the group (fails closed).
const NO_GROUPS: GroupMembership = { isMember: async () => false };

export interface Submission {
  command: ChangeCommand;
  requester: { userId: string; teamId: string; userName?: string };
  channelId: string;
  /** Slack's trigger_id: unique per invocation, identical in a replay of the same request. */
  triggerId: string;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A request id derived from the invocation, so a replayed slash command maps to the same request. */
export function requestIdFor(teamId: string, triggerId: string): string {
  const digest = createHash('sha256').update(`${teamId}:${triggerId}`).digest();
  let id = '';
  for (let i = 0; i < 10; i += 1) id += CROCKFORD[(digest[i] ?? 0) % 32];
  return `REQ-${id}`;
}

/**
 * Records a change request and starts its workflow. Returns the requester's acknowledgement.
 * A replay of the same invocation starts nothing new.
 */
export async function submitRequest(deps: SubmitDeps, submission: Submission): Promise<string> {
  const requestId = requestIdFor(submission.requester.teamId, submission.triggerId);
  deps.log.appendKeys({ requestId });
  const existing = await retryTransient(() => deps.store.get(requestId));
  if (existing) {
    await startWorkflow(deps, existing);
    return `Request ${requestId} was already received; it is ${existing.status.replace('_', ' ')}.`;
  }
  const allowed = await allowedByRules(deps, submission);
  // The target is resolved in the account the command names, through the slack function's role there.
  const { deps: inAccount, account } = await commandAccount(deps, allowed, submission.requester.userId);
  // The record names the account it resolved, so a later change of DEFAULT_ACCOUNT cannot move it.
  const command = account === undefined ? allowed : { ...allowed, account: account.name };
  const target = await retryTransient(() => resolveChangeTarget(inAccount, command)).catch(
    (error: unknown) => {
      if (!(account && deps.accounts && error instanceof TargetNotFoundError)) throw error;
      // Several accounts: say which one has no such target, and how to ask in another.
      const otherAccounts = accountNames(deps.accounts.directory).filter((name) => name !== account.name);
      throw new TargetNotFoundError(
        deps.wording.say({ kind: 'target_not_found_in', account, message: error.userMessage, otherAccounts }),
        { cause: error },
      );
    },
  );
  const now = deps.clock.now().toISOString();
  const request: AccessRequest = {
    requestId,
    version: 1,
    createdAt: now,
    requester: submission.requester,
    channelId: submission.channelId,
    command,
    target,
    targetArn: target.arn,
    ...(account ? { account } : {}),
    status: 'planning',
    requiredApprovals: 1,
    approvals: [],
    completedSteps: [],
    events: [
      auditEvent(
        deps.clock,
        'requested',
        deps.wording.say({
          kind: 'requested',
          requester: submission.requester.userId,
          command,
          targetArn: target.arn,
        }),
        submission.requester.userId,
      ),
    ],
  };
  if ((await retryTransient(() => deps.store.create(request))) === 'exists') {
    return `Request ${requestId} was already received.`;
  }
  deps.log.info('request received', { command, target: target.arn });
  await startWorkflow(deps, request);
  return deps.wording.say({
    kind: 'received',
    requestId,
    command,
    targetArn: target.arn,
    auditChannelId: deps.auditChannelId,
    ...(account ? { account } : {}),
  });
}

/**
 * The command as the access rules allow it (a break-glass grant without `for` gets the tier's longest
 * duration), or a NotAuthorizedError with the refusal the requester sees. Nothing is recorded before.
 */
async function allowedByRules(deps: SubmitDeps, submission: Submission): Promise<ChangeCommand> {
  const { command } = submission;
  if (!deps.rules) return command;
  const decision = await checkRequest(
    deps.rules,
    command,
    submission.requester.userId,
    deps.groups ?? NO_GROUPS,
    deps.wording,
  );
  if (!decision.allowed) {
    deps.log.info('request refused by the access rules', { command, reason: decision.reason });
    throw new NotAuthorizedError(decision.reason);
  }
  if (command.action === 'grant' && decision.durationSeconds !== undefined) {
    return { ...command, durationSeconds: decision.durationSeconds };
  }
  return command;
}

/**
 * Starts the request's run (its name is the request id); a failure marks the record failed and throws
 * a WorkflowStartError. `input` adds to the execution input (an extension's own approval wait).
 */
export async function startWorkflow(
  deps: SubmitDeps,
  request: AccessRequest,
  input: { approvalTimeoutSeconds?: number; extension?: true } = {},
): Promise<void> {
  try {
    await retryTransient(() =>
      deps.workflow.start(request.requestId, {
        requestId: request.requestId,
        approvalTimeoutSeconds: deps.approvalTimeoutSeconds,
        ...input,
      }),
    );
  } catch (error) {
    deps.log.error('could not start the workflow', {
      error,
    });
    // The record must not sit in "planning" forever: it says what happened.
    await markStartFailed(deps, request).catch((markError: unknown) => {
      // The user is told to run the command again either way; the record's status is only stale.
      deps.log.error('could not mark the request failed', { error: markError });
    });
    const reason = error instanceof BotError ? error.userMessage : 'The workflow could not be started.';
    throw new WorkflowStartError(
      `${reason} Nothing was changed; run the command again (ref ${request.requestId}).`,
      {
        cause: error,
      },
    );
  }
}

async function markStartFailed(deps: SubmitDeps, request: AccessRequest): Promise<void> {
  const result = await updateRequest(deps.store, request.requestId, ['status'], (current) =>
    current.status === 'planning' ? { ...current, status: 'failed' } : noChange('the workflow moved it on'),
  );
  if (!result.saved) return;
  await deps.store.appendEvent(
    request.requestId,
    auditEvent(deps.clock, 'failed', 'The workflow could not be started; nothing was changed.'),
  );
}
