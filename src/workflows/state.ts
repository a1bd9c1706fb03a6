import * as z from 'zod';
import { REQUEST_ID_PATTERN } from '../domain/request';

/**
 * The workflow's state is small on purpose: the request id and what each task returned. The record in
 * DynamoDB holds everything else, so a task reads current facts, not a copy made hours earlier.
 */
export const RequestIdSchema = z.string().regex(REQUEST_ID_PATTERN);

/** Execution input, written by the slack function. */
export const ExecutionInput = z.object({
  requestId: RequestIdSchema,
  approvalTimeoutSeconds: z.number().int().min(1),
  /** An extension request's run: once approved it ends at "Extension approved" (nothing to apply). */
  extension: z.literal(true).optional(),
  /**
   * What "Apply the change" returned. Step Functions keeps it in the run's state; a local run resumed at
   * a Wait state (src/local/resume.ts) is given it again from the journal.
   */
  applied: z
    .object({
      changed: z.number().int().min(0),
      attached: z.array(z.string()),
      /** Only for `grant … for 8h`: the instants its two Wait states wait until (TimestampPath). */
      timeBound: z
        .object({
          remindAt: z.iso.datetime(),
          expiresAt: z.iso.datetime(),
          /** Seconds from apply to the reminder: "Hold until the reminder" times out after them. */
          untilReminder: z.number().int().min(1),
          /** Seconds from the reminder to the end: the most "Hold until expiry" may last. */
          afterReminder: z.number().int().min(1),
        })
        .nullable(),
    })
    .optional(),
});
export type ExecutionInput = z.infer<typeof ExecutionInput>;

export const TaskInput = z.object({ requestId: RequestIdSchema }).loose();

export const AskApprovalInput = z.object({
  requestId: RequestIdSchema,
  taskToken: z.string().min(1),
  approvalTimeoutSeconds: z.number().int().min(1),
});

/**
 * "Hold until the reminder" / "Hold until expiry": the same function stores the hold's task token on the
 * record, so the holder can relinquish the grant (the token can only end it early).
 */
export const HoldInput = z.object({
  requestId: RequestIdSchema,
  taskToken: z.string().min(1),
  hold: z.enum(['reminder', 'expiry']),
  secondsLeft: z.number().int().min(1),
});

/** What a relinquish sends to a hold token (SendTaskSuccess); ResultPath $.held. Anything else ends it too. */
export const HoldOutput = z.object({ relinquishedBy: z.string().regex(/^[UW][A-Z0-9]{2,30}$/) });

/**
 * What the slack function sends to a hold token once an extension is approved: only its id
 * (`{ extension }`, at $.held). The run's check reads everything else from the records.
 */
export const TimeBoundState = z.object({
  remindAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  untilReminder: z.number().int().min(1),
  afterReminder: z.number().int().min(1),
});

/**
 * "Check the extension" (the apply function): the grant, the extension id the hold was given (not
 * trusted: anything), and the grant's window from the run's own state ($.applied.timeBound).
 */
export const CheckExtensionInput = z.object({
  requestId: RequestIdSchema,
  check: z.literal('extension'),
  extension: z.unknown(),
  timeBound: TimeBoundState,
});

/** "Approve by rule": the same function, invoked without a token for a request the rules auto-approve. */
export const ApproveByRuleInput = z.object({
  requestId: RequestIdSchema,
  byRule: z.literal(true),
});

/** What an Approve/Deny click sends back through SendTaskSuccess; ResultPath $.decision. */
export const DecisionOutput = z.object({
  outcome: z.enum(['approved', 'denied', 'cancelled']),
  by: z.array(z.string()),
});
export type DecisionOutput = z.infer<typeof DecisionOutput>;

/** The error object a Catch puts at $.error: Cause is the Lambda error JSON in AWS, a message locally. */
export const CaughtError = z.object({ Error: z.string(), Cause: z.string().optional() });

export const ReportInput = z.object({
  requestId: RequestIdSchema,
  /**
   * unverified: a time-bound grant applied but not confirmed (it still ends at its time limit);
   * ended: after the expiry, the card's final state; stopped: the execution itself ended abnormally.
   */
  outcome: z.enum([
    'completed',
    'no_change',
    'denied',
    'expired',
    'failed',
    'reminder',
    'unverified',
    'ended',
    'extended',
  ]),
  error: CaughtError.optional(),
  /** For `extended`: the extension the hold was given (the report reads the journal to see if it counted). */
  extension: z.unknown().optional(),
});
export type ReportInput = z.infer<typeof ReportInput>;

/** The user-facing message inside a caught error: our errors carry it as errorMessage in Cause. */
export function causeMessage(error: z.infer<typeof CaughtError> | undefined): string {
  if (!error) return 'an unknown error';
  const cause = error.Cause ?? '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not JSON: a local run or a States.* error, whose Cause is plain text.
  }
  return cause === '' ? error.Error : cause;
}

/** Rollback after a failed apply, or the revoke at the end of a time-bound grant. */
export const RollbackInput = z.object({
  requestId: RequestIdSchema,
  mode: z.enum(['rollback', 'expire']).default('rollback'),
  /** For expire: the policies apply attached, from the run's own state (the record may have been overwritten). */
  attached: z.array(z.string()).optional(),
  /**
   * For expire: how the hold ended ($.held): a relinquish's output, a States.Timeout error, or {}. Only
   * its `relinquishedBy` is read, and only for the wording: every path revokes the same closed set.
   */
  held: z.unknown().optional(),
});
