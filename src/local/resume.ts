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
 * In AWS none of this is needed: Step Functions keeps the run itself.
 */

export interface ResumePlan {
  requestId: string;
  status: AccessRequest['status'];
  input: ExecutionInput;
  /** A decision already stored before the restart, handed to the run once it waits for it again. */
  decision?: DecisionOutput;
}

/**
 * Which runs to restart, and how. A wait for approval keeps its original deadline (a request that
 * expired while local mode was down times out at once and is reported as expired).
 */
export function planResume(
  requests: readonly AccessRequest[],
  now: Date,
  approvalTimeoutSeconds: number,
): ResumePlan[] {
  const plans: ResumePlan[] = [];
  for (const request of requests) {
    const input: ExecutionInput = { requestId: request.requestId, approvalTimeoutSeconds };
    switch (request.status) {
      case 'planning':
        plans.push({ requestId: request.requestId, status: request.status, input });
        break;
      case 'awaiting_approval': {
        const deadline = request.approvalExpiresAt ? Date.parse(request.approvalExpiresAt) : Number.NaN;
        const left = Number.isNaN(deadline)
          ? approvalTimeoutSeconds
          : Math.max(1, Math.ceil((deadline - now.getTime()) / 1000));
        plans.push({
          requestId: request.requestId,
          status: request.status,
          input: { ...input, approvalTimeoutSeconds: left },
        });
        break;
      }
      case 'approved':
      case 'applying':
        // Approved before the restart, maybe half applied: the stored decision is replayed.
        if (request.decision?.outcome === 'approved') {
          plans.push({
            requestId: request.requestId,
            status: request.status,
            input,
            decision: { outcome: 'approved', by: request.decision.by },
          });
        }
        break;
      default:
        // Finished (completed, no change, denied, expired, failed): nothing to run.
        break;
    }
  }
  return plans;
}

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
  await workflow.start(plan.requestId, plan.input);
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
