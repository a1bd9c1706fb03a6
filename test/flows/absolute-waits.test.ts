/**
 * A time-bound grant's two Wait states wait until absolute instants (TimestampPath on
 * $.applied.timeBound, which "Apply the change" returns), here with NO wait overrides: the real ASL on
 * aws-local-stepfunctions, every Task bound to the real task code, on the in-memory ports of
 * test/helpers/ledger-world.ts. Nothing sleeps for real time: the tasks' clock is injected, an instant
 * already past ends its Wait at once, and a run held at a future instant is stopped, not waited out.
 */
import type { ChangeCommand } from '../../src/domain/command';
import { grantWindow } from '../../src/domain/grant-ledger';
import { POLICY_ARNS } from '../../src/domain/tiers';
import { type EventLog, LocalWorkflow } from '../../src/local/local-workflow';
import { EXPIRY_WAIT_STATE, planResume, REMINDER_WAIT_STATE, resumeRuns } from '../../src/local/resume';
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

/** A world whose tasks read `now` from the given clock, and a runner without wait overrides. */
function worldAt(now: () => Date, beforeTask?: (state: string) => Promise<void>) {
  const world = new LedgerPorts();
  const deps: TaskDeps = { ...world.deps, clock: { now } };
  const workflow = new LocalWorkflow({
    deps: () => deps,
    retryIntervalMs: 0,
    ...(beforeTask ? { beforeTask } : {}),
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
  it('holds a grant at its reminder Wait until the instant apply returned: the recorded expiry less the reminder lead', async () => {
    const { world, workflow } = worldAt(() => new Date());
    const requestId = await approvedRun(world, workflow, grantFor(2 * 3600));
    const run = workflow.run(requestId);
    await until('the reminder Wait', () => entered(run?.events ?? []).includes(REMINDER_WAIT_STATE));
    for (let i = 0; i < 50; i += 1) await turn();

    expect(entered(run?.events ?? [])).not.toContain('Remind the requester');
    const record = await world.store.get(requestId);
    expect(record?.status).toBe('active');
    expect(world.iam.attached.has(POLICY_ARNS.codeBuildDeveloper)).toBe(true);
    const expiresAt = record?.accessExpiresAt ?? '';
    expect(expiresAt).toMatch(RFC3339_SECONDS);
    // About two hours from the completed apply; whole seconds, as TimestampPath takes them.
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(2 * HOUR - 60_000);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(2 * HOUR + 1000);
    const remindAt = new Date(Date.parse(expiresAt) - HOUR).toISOString().replace('.000Z', 'Z');
    expect(inputOf(run?.events ?? [], REMINDER_WAIT_STATE)).toMatchObject({
      applied: { timeBound: { remindAt, expiresAt } },
    });
  });

  it('runs a grant whose instants have passed through both Waits at once: reminded, revoked, reported', async () => {
    // The tasks' clock is three hours behind: the one-hour grant was applied "three hours ago".
    const { world, workflow } = worldAt(() => new Date(Date.now() - 3 * HOUR));
    const requestId = await approvedRun(world, workflow, grantFor(3600));
    await expect(workflow.run(requestId)?.result).resolves.toMatchObject({ status: 'SUCCEEDED' });

    const events = workflow.run(requestId)?.events ?? [];
    expect(entered(events).slice(-6)).toEqual([
      'Time-bound?',
      REMINDER_WAIT_STATE,
      'Remind the requester',
      EXPIRY_WAIT_STATE,
      'Revoke expired access',
      'Report the end of access',
    ]);
    const record = await world.store.get(requestId);
    expect(record && grantWindow(record, 3600)).toEqual({
      remindAt: expect.stringMatching(RFC3339_SECONDS),
      expiresAt: record?.accessExpiresAt,
    });
    expect(inputOf(events, EXPIRY_WAIT_STATE)).toMatchObject({
      applied: { timeBound: record && grantWindow(record, 3600) },
    });
    expect(record?.events.map((event) => event.type)).toEqual(
      expect.arrayContaining(['reminder', 'access_expired']),
    );
    expect([...world.iam.attached]).toEqual([]);
  });

  it('a grant whose run was lost after its reminder resumes at the expiry Wait and, its expiry past, is revoked at once', async () => {
    // The run is held at its time limit and lost there, as when local mode is stopped (Ctrl-C): the
    // held task fails once the run is aborted, so the aborted run goes no further.
    let loseRun: () => void = () => undefined;
    const held = new Promise<void>((_, reject) => {
      loseRun = () => reject(new Error('local mode stopped'));
    });
    const { world, deps, workflow } = worldAt(
      () => new Date(Date.now() - 3 * HOUR),
      (state) => (state === 'Revoke expired access' ? held : Promise.resolve()),
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

    const restarted = new LocalWorkflow({ deps: () => deps, retryIntervalMs: 0 });
    workflows.push(restarted);
    const plans = planResume([...world.store.records.values()], new Date(), {
      approvalTimeoutSeconds: 86_400,
      grantReminderSeconds: 3600,
    });
    expect(plans).toEqual([expect.objectContaining({ requestId, startAt: EXPIRY_WAIT_STATE })]);
    await resumeRuns(plans, { workflow: restarted, store: world.store });

    await expect(restarted.run(requestId)?.result).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(entered(restarted.run(requestId)?.events ?? [])).toEqual([
      EXPIRY_WAIT_STATE,
      'Revoke expired access',
      'Report the end of access',
    ]);
    expect([...world.iam.attached]).toEqual([]);
    expect((await world.store.get(requestId))?.events.map((event) => event.type)).toContain('access_expired');
  });
});
