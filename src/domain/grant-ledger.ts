/**
 * What the bot's own records say a target holds: which grants are still in effect, what each one needs
 * per policy ARN, and which tier policies the bot attached or was asked to remove. Revoke and expiry
 * decide from this, not from the journal of one request alone.
 */

import { isTierCommand } from './command';
import type { AccessRequest, CompletedStep } from './request';
import { isManagedTier, TIER_SPECS } from './tiers';

// An undo is journaled under its apply step's id with this prefix; undoStepId and undoneStepId are the
// only code that reads or writes it (the stored journals of past requests use it too).
const UNDO_PREFIX = 'undo:';

/** The journal id under which the undo of apply step `stepId` is recorded. */
export const undoStepId = (stepId: string): string => `${UNDO_PREFIX}${stepId}`;

/** The id of the apply step a journal entry undid, or undefined when the entry is not an undo. */
export const undoneStepId = (step: CompletedStep): string | undefined =>
  step.stepId.startsWith(UNDO_PREFIX) ? step.stepId.slice(UNDO_PREFIX.length) : undefined;

export interface JournalSummary {
  /** Steps that changed AWS and are still in effect. */
  inEffect: CompletedStep[];
  /** Steps whose undo ran. */
  rolledBack: CompletedStep[];
  /**
   * Steps journaled as 'started' with no answer and no undo since: the call may have acted (a crash
   * between the IAM call and its journal entry), so they may still be in effect.
   */
  uncertain: CompletedStep[];
}

/** Reads the apply journal: what changed AWS, what was undone since, and what may have acted unrecorded. */
export function summarizeJournal(steps: CompletedStep[]): JournalSummary {
  const undoOutcome = new Map(
    steps.flatMap((step) => {
      const undone = undoneStepId(step);
      return undone === undefined ? [] : [[undone, step.outcome] as const];
    }),
  );
  const applySteps = steps.filter((step) => undoneStepId(step) === undefined);
  const finished = new Set(
    applySteps.filter((step) => step.outcome !== 'started').map((step) => step.stepId),
  );
  const changes = applySteps.filter((step) => step.outcome === 'changed');
  // Started and never answered: the rollback checked it by running its undo ('changed' = it had acted).
  const unanswered = applySteps.filter(
    (step, index) =>
      step.outcome === 'started' &&
      !finished.has(step.stepId) &&
      applySteps.findIndex((other) => other.stepId === step.stepId) === index,
  );
  return {
    inEffect: changes.filter((step) => !undoOutcome.has(step.stepId)),
    rolledBack: [
      ...changes.filter((step) => undoOutcome.has(step.stepId)),
      ...unanswered.filter((step) => undoOutcome.get(step.stepId) === 'changed'),
    ],
    uncertain: unanswered.filter((step) => !undoOutcome.has(step.stepId)),
  };
}

/** The journal entry the expiry appends once a time-bound grant's time limit has been handled. */
export const EXPIRED_STEP_ID = 'expired';

/** The journal entry apply appends once every step of an approved plan has run. */
export const APPLIED_STEP_ID = 'applied';

/** The two instants the workflow's Wait states wait until (TimestampPath), as RFC 3339 UTC seconds. */
export interface GrantWindow {
  /** When the requester is reminded that the access ends (it may already be past: then at once). */
  remindAt: string;
  /** When the expiry revokes what the grant applied. */
  expiresAt: string;
}

/** Whole seconds, rounded up, with no fraction: the form Step Functions' TimestampPath takes everywhere. */
const rfc3339Seconds = (ms: number): string =>
  new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * When a time-bound grant ends and when its requester is reminded (`reminderLeadSeconds` before the
 * end). The end is the one the record already shows, else the grant's duration counted from its
 * completed apply (the APPLIED_STEP_ID marker). Undefined for a grant with no time limit, or one not
 * yet applied.
 */
export function grantWindow(request: AccessRequest, reminderLeadSeconds: number): GrantWindow | undefined {
  const { command } = request;
  if (command.action !== 'grant' || command.durationSeconds === undefined) return undefined;
  const applied = request.completedSteps.find((step) => step.stepId === APPLIED_STEP_ID);
  const end = request.accessExpiresAt
    ? Date.parse(request.accessExpiresAt)
    : applied
      ? Date.parse(applied.at) + command.durationSeconds * 1000
      : Number.NaN;
  if (Number.isNaN(end)) return undefined;
  // An extension the workflow accepted (a journal marker only apply writes) moves the end later.
  const extended = Math.max(end, ...extensionsOf(request).map((step) => Date.parse(step.expiresAt)));
  return windowEndingAt(extended, reminderLeadFor(reminderLeadSeconds, totalGrantSeconds(request)));
}

/**
 * How long before its end a grant of `grantSeconds` in all is reminded: GRANT_REMINDER_SECONDS, but never
 * more than its last quarter, so a 1h grant is reminded 15 min before its end, not the moment it starts.
 */
export const reminderLeadFor = (leadSeconds: number, grantSeconds: number): number =>
  Math.min(leadSeconds, Math.floor(grantSeconds / 4));

/** The window of a grant that ends at `endMs`: its reminder `reminderLeadSeconds` before. */
export const windowEndingAt = (endMs: number, reminderLeadSeconds: number): GrantWindow => ({
  remindAt: rfc3339Seconds(endMs - reminderLeadSeconds * 1000),
  expiresAt: rfc3339Seconds(endMs),
});

// An accepted extension is journaled on the grant it extends under this prefix and the extension's id.
const EXTENSION_PREFIX = 'extended:';

/** The journal id of the marker that records extension `extensionId` as accepted. */
export const extensionStepId = (extensionId: string): string => `${EXTENSION_PREFIX}${extensionId}`;

/** The extensions the workflow accepted for this grant, from its journal (in the order accepted). */
export function extensionsOf(
  request: Pick<AccessRequest, 'completedSteps'>,
): Array<{ requestId: string; seconds: number; expiresAt: string }> {
  return request.completedSteps.flatMap((step) =>
    step.stepId.startsWith(EXTENSION_PREFIX) && step.extension ? [step.extension] : [],
  );
}

/** The grant's whole length: its own duration and every accepted extension (what a tier's limit bounds). */
export const totalGrantSeconds = (request: AccessRequest): number =>
  (request.command.action === 'grant' ? (request.command.durationSeconds ?? 0) : 0) +
  extensionsOf(request).reduce((sum, extension) => sum + extension.seconds, 0);

/**
 * A grant window with the seconds from `now` until its reminder, for "Hold until the reminder" (≥ 1),
 * and the seconds from then until the end (`afterReminder`, ≥ 1): the longest "Hold until expiry" may
 * last, whatever the reminder task says (the state machine keeps the smaller of the two), so no
 * function but apply decides how long access is held.
 */
export interface HeldWindow extends GrantWindow {
  untilReminder: number;
  afterReminder: number;
}

/** Whole seconds from `now` until `iso`, at least 1 (a task timeout must be a positive integer). */
export const secondsUntil = (iso: string, now: Date): number =>
  Math.max(1, Math.ceil((Date.parse(iso) - now.getTime()) / 1000));

/** The window of a time-bound grant and the hold's first timeout, or undefined (see grantWindow). */
export function heldWindow(
  request: AccessRequest,
  reminderLeadSeconds: number,
  now: Date,
): HeldWindow | undefined {
  const window = grantWindow(request, reminderLeadSeconds);
  return window && heldFrom(window, now);
}

/** A window with the hold timeouts counted from `now` (see HeldWindow). */
export function heldFrom(window: GrantWindow, now: Date): HeldWindow {
  const untilReminder = secondsUntil(window.remindAt, now);
  const afterReminder = Math.max(1, secondsUntil(window.expiresAt, now) - untilReminder);
  return { ...window, untilReminder, afterReminder };
}

/** A journal entry that records a milestone of the run (APPLIED_STEP_ID, EXPIRED_STEP_ID), not an AWS call. */
export const journalMarker = (stepId: string, description: string, at: Date): CompletedStep => ({
  stepId,
  description,
  outcome: 'unchanged',
  undo: null,
  at: at.toISOString(),
});

/**
 * A tier grant is in effect while nothing ended it. Only evidence the workflow alone writes counts (the
 * slack function may write a status, a decision or a whole new record, so those never do): the apply
 * journal holds an attach of this grant (changed, or already so when apply ran it: apply runs only an
 * approved plan) that no undo reversed, and the expiry has not run (EXPIRED_STEP_ID). A request that
 * found everything in place (no steps, no approval) grants nothing. A revoke of its tier (endedBy,
 * written by the report function) ends it too.
 */
export function grantInEffect(request: AccessRequest): boolean {
  const { command } = request;
  if (command.action !== 'grant' || request.endedBy !== undefined) return false;
  const steps = request.completedSteps;
  if (steps.some((step) => step.stepId === EXPIRED_STEP_ID)) return false;
  const undone = new Set(steps.flatMap((step) => undoneStepId(step) ?? []));
  // A completed apply vouches for every attach of its plan, also one AWS already had; a failed one only
  // for what it changed and no rollback undid.
  const completed = steps.some((step) => step.stepId === APPLIED_STEP_ID);
  return steps.some(
    (step) =>
      step.stepId.startsWith('attach:') &&
      (step.outcome === 'changed' || (completed && step.outcome === 'unchanged')) &&
      !undone.has(step.stepId),
  );
}

/** One policy a grant still in effect needs. */
export interface PolicyNeed {
  policyArn: string;
  requestId: string;
  tier: string;
}

/** Per policy ARN, the grants still in effect that need it (managed tiers only). */
export function policyNeeds(requests: AccessRequest[]): PolicyNeed[] {
  return requests.filter(grantInEffect).flatMap((request) => {
    const tier = isTierCommand(request.command) ? request.command.tier : undefined;
    if (tier === undefined || !isManagedTier(tier)) return [];
    return TIER_SPECS[tier].policyArns.map((policyArn) => ({
      policyArn,
      requestId: request.requestId,
      tier,
    }));
  });
}

/** The policies a grant of the bot attached: the undo of each step that changed something. */
const policiesAttachedBy = (request: AccessRequest): string[] =>
  request.completedSteps.flatMap((step) =>
    step.outcome === 'changed' && step.undo?.type === 'detachPolicy' ? [step.undo.policyArn] : [],
  );

/**
 * The managed tier's policies an approved revoke covered, once it ran: its apply journaled what it
 * detached (the workflow alone writes that).
 */
function policiesCoveredByRevoke(request: AccessRequest): readonly string[] {
  const { command } = request;
  if (command.action !== 'revoke' || !isManagedTier(command.tier)) return [];
  const ran = request.completedSteps.some(
    (step) => step.outcome === 'changed' && step.undo?.type === 'attachPolicy',
  );
  return ran ? TIER_SPECS[command.tier].policyArns : [];
}

/**
 * Tier policies the bot is responsible for on this target: those a grant of the bot attached, and
 * those an approved revoke covered but kept only because another tier needed them then. Once nothing
 * needs them any more, an expiry removes them; a policy attached by hand that the bot never touched stays.
 */
export function botManagedPolicies(requests: AccessRequest[]): string[] {
  const arns = new Set<string>();
  for (const request of requests) {
    const owned =
      request.command.action === 'grant' ? policiesAttachedBy(request) : policiesCoveredByRevoke(request);
    for (const arn of owned) arns.add(arn);
  }
  return [...arns].sort();
}

/**
 * Whether the requester was reminded of the grant's current end: a reminder after its latest extension
 * (an extension moves the end, so its new end is reminded of too).
 */
export const remindedOfCurrentEnd = (events: ReadonlyArray<{ type: string }>): boolean =>
  events.findLastIndex((event) => event.type === 'reminder') >
  events.findLastIndex((event) => event.type === 'extended');
