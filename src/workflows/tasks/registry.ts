import * as z from 'zod';
import {
  ApproveByRuleInput,
  AskApprovalInput,
  CheckExtensionInput,
  HoldInput,
  HoldOutput,
  ReportInput,
  RollbackInput,
  TaskInput,
} from '../state';
import { applyChange } from './apply-change';
import { approveByRule, askApproval, holdGrant } from './ask-approval';
import type { TaskDeps } from './deps';
import { expireGrant } from './expire-grant';
import { checkExtension } from './extend-grant';
import { inRequestAccount } from './in-account';
import { planChange } from './plan-change';
import { reportOutcome } from './report-outcome';
import { rollBack } from './roll-back';
import { verifyAccess } from './verify-access';

export interface TaskDefinition<S extends z.ZodType = z.ZodType, R = unknown> {
  schema: S;
  run: (deps: TaskDeps, input: z.infer<S>) => Promise<R>;
}

const task = <S extends z.ZodType, R>(
  schema: S,
  run: (deps: TaskDeps, input: z.infer<S>) => Promise<R>,
): TaskDefinition<S, R> => ({ schema, run });

/**
 * Every workflow task, keyed by its Lambda's logical name in serverless.yml (PlanLambdaFunction ->
 * Plan). The ASL names the function; local runs bind each Task state here by that same name.
 */
export const TASKS = {
  // The tasks that act in AWS do so in the request's account (inRequestAccount), each as its own role.
  Plan: task(TaskInput, async (deps, input) =>
    planChange(await inRequestAccount(deps, input.requestId, 'plan'), input.requestId),
  ),
  AskApproval: task(
    z.union([ApproveByRuleInput, HoldInput, AskApprovalInput]),
    async (deps, input): Promise<{ outcome: 'approved'; by: string[] } | undefined> =>
      'byRule' in input
        ? approveByRule(deps, input)
        : 'hold' in input
          ? holdGrant(deps, input).then(() => undefined)
          : askApproval(deps, input).then(() => undefined),
  ),
  // "Check the extension" runs here because apply's role owns how long a grant lasts (the journal).
  Apply: task(
    TaskInput,
    async (deps, input): Promise<unknown> =>
      'check' in input
        ? checkExtension(deps, CheckExtensionInput.parse(input))
        : applyChange(await inRequestAccount(deps, input.requestId, 'apply'), input.requestId),
  ),
  Rollback: task(RollbackInput, async (base, input) => {
    const deps = await inRequestAccount(base, input.requestId, 'rollback');
    return input.mode === 'expire'
      ? expireGrant(
          deps,
          input.requestId,
          input.attached ?? [],
          HoldOutput.safeParse(input.held).data?.relinquishedBy,
        )
      : rollBack(deps, input.requestId);
  }),
  Verify: task(TaskInput, async (deps, input) =>
    verifyAccess(await inRequestAccount(deps, input.requestId, 'verify'), input.requestId),
  ),
  Report: task(ReportInput, (deps, input) => reportOutcome(deps, input)),
} as const;

export type TaskName = keyof typeof TASKS;
