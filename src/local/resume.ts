import { heldWindow, remindedOfCurrentEnd } from '../domain/grant-ledger';
import type { RequestStore } from '../domain/ports';
import type { AccessRequest } from '../domain/request';
import type { DecisionOutput, ExecutionInput } from '../workflows/state';
import type { LocalWorkflow } from './local-workflow';

/**
 * Local mode keeps requests in DynamoDB (dynalite on disk) but runs the state machine in memory, so a
 * restart loses the runs, not the requests. On start, each unfinished request gets its run back: the
 * same state machine from the top with the same input. The tasks are idempotent, so a resumed run
 * catches up without repeating anything visible:
 *   - "Plan the change" keeps the stored plan (the one the approver is looking at);
 *   - "Ask for approval" finds the card, refreshes the stored task token and posts no second card;
 *   - "Apply the change" skips the steps already in the journal.
 * A time-bound grant that is in effect (status active) resumes at its hold instead (before its reminder),
 * or at the reminder (which does not remind twice and computes the time left), so it is still revoked
 * on time and can still be relinquished; an instant that passed while local mode was down ends at once.
 * In AWS none of this is needed: Step Functions keeps the run itself.
 */

/** The Wait states of a time-bound grant in access-request.asl.json (the fallback when a hold cannot start). */
export const REMINDER_WAIT_STATE = 'Wait until the reminder';
export const EXPIRY_WAIT_STATE = 'Wait until expiry';
/** Where a time-bound grant in effect resumes: its first hold, or (once reminded) the reminder, which reminds once. */
export const REMINDER_HOLD_STATE = 'Hold until the reminder';
export const REMINDER_STATE = 'Remind the requester';
export const EXPIRY_HOLD_STATE = 'Hold until expiry';

export interface ResumeSettings {
  /** APPROVAL_TIMEOUT_SECONDS: a run restarted before its card was posted waits this long. */
  approvalTimeoutSeconds: number;
  /** GRANT_REMINDER_SECONDS: how long before a time-bound grant ends the requester is reminded. */
  grantReminderSeconds: number;
}

export interface ResumePlan {
  requestId: string;
  status: AccessRequest['status'];
  input: ExecutionInput;
  /** A decision already stored before the restart, handed to the run once it waits for it again. */
  decision?: DecisionOutput;
  /** The state to start at, when not the first one. */
  startAt?: string;
}

/** The input the slash command gave the run (an extension's run ends at "Extension approved"). */
const runInput = (request: AccessRequest, settings: ResumeSettings): ExecutionInput => ({
  requestId: request.requestId,
  approvalTimeoutSeconds: settings.approvalTimeoutSeconds,
  ...(request.extends ? { extension: true as const } : {}),
});

/** Who approved, when the approval is one to replay: not an extension's (it was passed to its grant's hold when it was clicked). */
const approvalToReplay = (request: AccessRequest): string[] | undefined =>
  request.decision?.outcome === 'approved' && request.extends === undefined ? request.decision.by : undefined;

/**
 * Which runs to restart, and how: with the input the slash command gave the run. A wait for approval keeps its original deadline (a request that expired
 * while local mode was down times out at once and is reported as expired).
 */
export function planResume(
  requests: readonly AccessRequest[],
  now: Date,
  settings: ResumeSettings,
): ResumePlan[] {
  const plans: ResumePlan[] = [];
  for (const request of requests) {
    const { requestId, status } = request;
    const input = runInput(request, settings);
    switch (status) {
      case 'planning':
        plans.push({ requestId, status, input });
        break;
      case 'awaiting_approval': {
        const left = secondsUntil(request.approvalExpiresAt, now);
        plans.push({
          requestId,
          status,
          input: {
            ...input,
            approvalTimeoutSeconds: left === undefined ? input.approvalTimeoutSeconds : Math.max(1, left),
          },
        });
        break;
      }
      case 'approved':
      case 'applying': {
        // Approved before the restart, maybe half applied: the stored decision is replayed.
        const by = approvalToReplay(request);
        if (by) plans.push({ requestId, status, input, decision: { outcome: 'approved', by } });
        break;
      }
      case 'active': {
        const timeBound = heldWindow(request, settings.grantReminderSeconds, now);
        if (!timeBound) break;
        const reminded = remindedOfCurrentEnd(request.events);
        plans.push({
          requestId,
          status,
          input: {
            ...input,
            // Step Functions would still hold what apply returned; the restarted run gets it from the journal.
            applied: {
              changed: request.completedSteps.filter((step) => step.outcome === 'changed').length,
              attached: request.completedSteps.flatMap((step) =>
                step.stepId.startsWith('attach:') && step.undo?.type === 'detachPolicy'
                  ? [step.undo.policyArn]
                  : [],
              ),
              timeBound,
            },
          },
          startAt: reminded ? REMINDER_STATE : REMINDER_HOLD_STATE,
        });
        break;
      }
      default:
        // Finished (completed, no change, denied, expired, failed, revoked): nothing to run.
        break;
    }
  }
  return plans;
}

const secondsUntil = (iso: string | undefined, now: Date): number | undefined => {
  const at = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.ceil((at - now.getTime()) / 1000);
};

export interface ResumeOptions {
  workflow: LocalWorkflow;
  store: RequestStore;
  /** How long to wait for each run to reach its approval wait before giving up on it. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

/**
 * Restarts the runs and waits until each one is back where it was: waiting for a click, or past the
 * approval with its stored decision handed over. Local mode opens the bot endpoint only afterwards,
 * so no click can arrive while a run has not yet reached its wait.
 */
export async function resumeRuns(plans: readonly ResumePlan[], options: ResumeOptions): Promise<void> {
  await Promise.all(plans.map((plan) => resumeOne(plan, options)));
}

async function resumeOne(plan: ResumePlan, options: ResumeOptions): Promise<void> {
  const { workflow, store } = options;
  await workflow.start(plan.requestId, plan.input, plan.startAt ? { startAt: plan.startAt } : {});
  // A grant in effect is resumed at its Wait: nothing to wait for here.
  if (plan.startAt) return;
  const settled = { done: false };
  void workflow.run(plan.requestId)?.result.then(() => {
    settled.done = true;
  });
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  while (!workflow.isWaiting(plan.requestId) && !settled.done) {
    if (Date.now() > deadline) {
      options.log?.(`${plan.requestId}: the resumed run did not reach its approval wait in time`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  if (!plan.decision || settled.done) return;
  // The click was recorded before the restart; hand it to the new run as the click would have.
  const token = (await store.get(plan.requestId))?.taskToken;
  if (token) await workflow.sendDecision(token, plan.decision);
}
