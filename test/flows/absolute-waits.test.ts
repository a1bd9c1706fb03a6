/**
 * A time-bound grant is held until instants "Apply the change" returns ($.applied.timeBound): its two
 * holds time out after the seconds the tasks compute from those absolute instants (apply, then the
 * reminder), and the fallback Wait states wait until them (TimestampPath). Here with NO Wait overrides
 * (only the holds' relative timeouts are shortened where a test needs a past instant): the real ASL on
 * aws-local-stepfunctions, every Task bound to the real task code, on the in-memory ports of
 * test/helpers/ledger-world.ts. Nothing sleeps for real time: the tasks' clock is injected, an instant
 * already past ends its Wait at once, and a run held at a future instant is stopped, not waited out.
 */
import type { ChangeCommand } from '../../src/domain/command';
import { grantWindow } from '../../src/domain/grant-ledger';
import { POLICY_ARNS } from '../../src/domain/tiers';
import { type EventLog, LocalWorkflow } from '../../src/local/local-workflow';
import {
  EXPIRY_HOLD_STATE,
  planResume,
  REMINDER_HOLD_STATE,
  REMINDER_STATE,
  resumeRuns,
} from '../../src/local/resume';
import type { TaskDeps } from '../../src/workflows/tasks/deps';
import { LedgerPorts } from '../helpers/ledger-world';

const HOUR = 3600_000;
const RFC3339_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const grantFor = (durationSeconds: number): ChangeCommand => ({
  action: 'grant',
  target: { kind: 'user', name: 'alice' },
  tier: 'developer',
  durationSeconds,
});

const turn = () => new Promise((resolve) => setImmediate(resolve));
async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 10_000; i += 1) {
    if (await check()) return;
    await turn();
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The states a run entered, in order, with the input each was given. */
const enteredStates = (events: readonly EventLog[]): Array<{ name: string; input: unknown }> =>
  events.flatMap((event) => (event.type === 'StateEntered' && 'state' in event ? [event.state] : []));
const entered = (events: readonly EventLog[]): string[] => enteredStates(events).map((state) => state.name);
const inputOf = (events: readonly EventLog[], name: string): unknown =>
  enteredStates(events).find((state) => state.name === name)?.input;

let workflows: LocalWorkflow[] = [];
afterEach(() => {
  for (const workflow of workflows) workflow.stop();
  workflows = [];
});

/**
 * The holds' timeouts are relative (seconds computed by the tasks from the absolute instants); a test
 * whose tasks' clock is in the past ends them at once instead of after real seconds.
 */
const PAST_HOLDS = { [REMINDER_HOLD_STATE]: 0, [EXPIRY_HOLD_STATE]: 0 };

/** A world whose tasks read `now` from the given clock, and a runner without Wait overrides. */
function worldAt(
  now: () => Date,
  beforeTask?: (state: string) => Promise<void>,
  holds?: Record<string, number>,
) {
  const world = new LedgerPorts();
  const deps: TaskDeps = { ...world.deps, clock: { now } };
  const workflow = new LocalWorkflow({
    deps: () => deps,
    retryIntervalMs: 0,
    ...(beforeTask ? { beforeTask } : {}),
    ...(holds ? { waitTimeOverrides: holds } : {}),
  });
  workflows.push(workflow);
  return { world, deps, workflow };
}

/** Submits a request on alice, approves it as the click would, and returns its id. */
async function approvedRun(
  world: LedgerPorts,
  workflow: LocalWorkflow,
  command: ChangeCommand,
): Promise<string> {
  const requestId = await world.newRequest(command);
  await workflow.start(requestId, { requestId, approvalTimeoutSeconds: 86_400 });
  await until(`${requestId} to ask for approval`, () => workflow.isWaiting(requestId));
  const by = await world.approve(requestId);
  await workflow.sendDecision(`local-task-token:${requestId}`, { outcome: 'approved', by });
  return requestId;
}

describe('time-bound waits on absolute instants (no wait overrides)', () => {
  it('holds a grant until the instant apply returned (the recorded expiry less the reminder lead), timing out after the seconds to it', async () => {
    const { world, workflow } = worldAt(() => new Date());
    const requestId = await approvedRun(world, workflow, grantFor(4 * 3600));
    const run = workflow.run(requestId);
    await until('the reminder hold', () => entered(run?.events ?? []).includes(REMINDER_HOLD_STATE));
    for (let i = 0; i < 50; i += 1) await turn();

    expect(entered(run?.events ?? [])).not.toContain('Remind the requester');
    const record = await world.store.get(requestId);
    expect(record?.status).toBe('active');
    expect(world.iam.attached.has(POLICY_ARNS.codeBuildDeveloper)).toBe(true);
    const expiresAt = record?.accessExpiresAt ?? '';
    expect(expiresAt).toMatch(RFC3339_SECONDS);
    // About four hours from the completed apply (four leads: the full hour's lead applies); whole seconds,
    // as TimestampPath takes them.
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(4 * HOUR - 60_000);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(4 * HOUR + 1000);
    const remindAt = new Date(Date.parse(expiresAt) - HOUR).toISOString().replace('.000Z', 'Z');
    const held = inputOf(run?.events ?? [], REMINDER_HOLD_STATE) as {
      applied: { timeBound: { untilReminder: number } };
    };
    expect(held).toMatchObject({ applied: { timeBound: { remindAt, expiresAt } } });
    expect(held.applied.timeBound.untilReminder).toBeGreaterThan(3 * 3600 - 60);
    expect(held.applied.timeBound.untilReminder).toBeLessThanOrEqual(3 * 3600 + 1);
  });

  it('runs a grant whose instants have passed through both holds: reminded, revoked, reported', async () => {
    // The tasks' clock is three hours behind: the one-hour grant was applied "three hours ago".
    const { world, workflow } = worldAt(() => new Date(Date.now() - 3 * HOUR), undefined, PAST_HOLDS);
    const requestId = await approvedRun(world, workflow, grantFor(3600));
    await expect(workflow.run(requestId)?.result).resolves.toMatchObject({ status: 'SUCCEEDED' });

    const events = workflow.run(requestId)?.events ?? [];
    // The cap's Pass state runs when the reminder's count, rounded up, is a second over apply's: either way.
    const path = entered(events).filter((name) => name !== 'Hold for the time apply allows');
    expect(path.slice(-7)).toEqual([
      'Time-bound?',
      REMINDER_HOLD_STATE,
      REMINDER_STATE,
      'Hold no longer than apply allows',
      EXPIRY_HOLD_STATE,
      'Revoke expired access',
      'Report the end of access',
    ]);
    const record = await world.store.get(requestId);
    expect(record && grantWindow(record, 3600)).toEqual({
      remindAt: expect.stringMatching(RFC3339_SECONDS),
      expiresAt: record?.accessExpiresAt,
    });
    expect(inputOf(events, EXPIRY_HOLD_STATE)).toMatchObject({
      applied: { timeBound: record && grantWindow(record, 3600) },
    });
    expect(record?.events.map((event) => event.type)).toEqual(
      expect.arrayContaining(['reminder', 'access_expired']),
    );
    expect([...world.iam.attached]).toEqual([]);
  });

  it('a report function that moves the end a year away cannot hold the grant past the time apply set', async () => {
    // The attack: the reminder task (report's role may write accessExpiresAt) says a year is left.
    const YEAR_SECONDS = 365 * 24 * 3600;
    let world: LedgerPorts | undefined;
    const lie = async (state: string) => {
      if (state !== REMINDER_STATE || !world) return;
      for (const record of world.store.records.values()) {
        record.accessExpiresAt = new Date(Date.now() + YEAR_SECONDS * 1000).toISOString();
      }
    };
    const made = worldAt(() => new Date(Date.now() - 3 * HOUR), lie, PAST_HOLDS);
    world = made.world;
    const requestId = await approvedRun(made.world, made.workflow, grantFor(3600));
    await expect(made.workflow.run(requestId)?.result).resolves.toMatchObject({ status: 'SUCCEEDED' });

    const events = made.workflow.run(requestId)?.events ?? [];
    expect(entered(events)).toContain('Hold for the time apply allows');
    const hold = inputOf(events, EXPIRY_HOLD_STATE) as {
      hold: { secondsLeft: number };
      applied: { timeBound: { afterReminder: number } };
    };
    // The hold lasts what apply allowed (the hour from reminder to end), not the year the report claimed.
    expect(hold.hold.secondsLeft).toBe(hold.applied.timeBound.afterReminder);
    expect(hold.applied.timeBound.afterReminder).toBeLessThanOrEqual(3600);
    expect([...made.world.iam.attached]).toEqual([]);
  });

  it('a grant whose run was lost after its reminder resumes at the reminder (which does not remind twice) and, its expiry past, is revoked', async () => {
    // The run is held at its time limit and lost there, as when local mode is stopped (Ctrl-C): the
    // held task fails once the run is aborted, so the aborted run goes no further.
    let loseRun: () => void = () => undefined;
    const held = new Promise<void>((_, reject) => {
      loseRun = () => reject(new Error('local mode stopped'));
    });
    const { world, deps, workflow } = worldAt(
      () => new Date(Date.now() - 3 * HOUR),
      (state) => (state === 'Revoke expired access' ? held : Promise.resolve()),
      PAST_HOLDS,
    );
    const requestId = await approvedRun(world, workflow, grantFor(3600));
    const run = workflow.run(requestId);
    await until('the run to reach its expiry', () =>
      entered(run?.events ?? []).includes('Revoke expired access'),
    );
    workflow.stop();
    loseRun();
    await run?.result;
    expect((await world.store.get(requestId))?.status).toBe('active');
    expect(world.iam.attached.has(POLICY_ARNS.codeBuildDeveloper)).toBe(true);

    const restarted = new LocalWorkflow({
      deps: () => deps,
      retryIntervalMs: 0,
      waitTimeOverrides: PAST_HOLDS,
    });
    workflows.push(restarted);
    const plans = planResume([...world.store.records.values()], new Date(), {
      approvalTimeoutSeconds: 86_400,
      grantReminderSeconds: 3600,
    });
    expect(plans).toEqual([expect.objectContaining({ requestId, startAt: REMINDER_STATE })]);
    await resumeRuns(plans, { workflow: restarted, store: world.store });

    await expect(restarted.run(requestId)?.result).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(
      entered(restarted.run(requestId)?.events ?? []).filter(
        (name) => name !== 'Hold for the time apply allows',
      ),
    ).toEqual([
      REMINDER_STATE,
      'Hold no longer than apply allows',
      EXPIRY_HOLD_STATE,
      'Revoke expired access',
      'Report the end of access',
    ]);
    expect([...world.iam.attached]).toEqual([]);
    const types = (await world.store.get(requestId))?.events.map((event) => event.type) ?? [];
    expect(types).toContain('access_expired');
    expect(types.filter((type) => type === 'reminder')).toHaveLength(1);
  });
});
