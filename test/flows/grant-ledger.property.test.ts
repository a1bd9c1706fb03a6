/**
 * Property (issue 10) on the REAL definition: src/workflows/access-request.asl.json run by
 * aws-local-stepfunctions (LocalWorkflow, as local mode and the flow tests run it), every Task state
 * bound to the real task code, on in-memory ports (test/helpers/ledger-world.ts) with injected faults.
 * For random sequences of grant / time-bound grant / revoke / expiry on one target, after every run
 * ends (or holds at its time limit), alice's attached tier policies are exactly what her grants still
 * in effect need (AmazonS3ReadOnlyAccess included); once all have ended, each request's last thread
 * message matches its final status. Retries and Wait states take no time (overrides 0). A run that ends
 * FAILED gets what the EventBridge stopped-run rule would send it (reportStopped).
 *
 * It replaces the earlier version that drove the task functions in a hand-written copy of the ASL's
 * routing: this one follows the deployed routing itself (pointing the "Time-bound despite the failed
 * check?" Choice at a missing variable makes it fail with a time-bound admin grant left attached), and
 * runs 500 sequences in about 5 s on 2 cores. ASL_PROPERTY_RUNS=N runs N instead.
 */
import fc from 'fast-check';
import { LocalWorkflow } from '../../src/local/local-workflow';
import { reportStopped } from '../../src/workflows/tasks/report-stopped';
import { INSTANT_WAITS } from '../helpers/harness';
import { commandOf, type Fault, LedgerPorts, type Step, stepArb } from '../helpers/ledger-world';

const NUM_RUNS = Number(process.env.ASL_PROPERTY_RUNS ?? 500);
jest.setTimeout(180_000);

/** Lets queued promise callbacks and timers of 0 ms run, between polls. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

type RunResult = { status: string; error?: string };

/**
 * One runner for every property run (building the state machine validates the whole definition, which
 * costs more than a run): its tasks use the ports of the world in progress, and request ids never
 * repeat across worlds.
 */
let current: AslWorld | undefined;
let nextNumber = 0;
const workflow = new LocalWorkflow({
  deps: () => {
    if (!current) throw new Error('no world in progress');
    return current.deps;
  },
  retryIntervalMs: 0,
  waitTimeOverrides: INSTANT_WAITS,
  beforeTask: (state, requestId) =>
    state === 'Revoke expired access' && current ? current.hold(requestId) : Promise.resolve(),
});

class AslWorld extends LedgerPorts {
  /** Time-bound runs held before "Revoke expired access", with the gate that lets them go. */
  readonly held = new Map<string, () => void>();
  readonly workflow = workflow;
  private readonly settled = new Map<string, RunResult>();

  constructor() {
    super(nextNumber);
    nextNumber += 100;
    current = this;
  }

  /** Holds a run at its time limit until expire() picks it. */
  hold(requestId: string): Promise<void> {
    return new Promise<void>((resolve) => this.held.set(requestId, resolve));
  }

  private async until(what: string, check: () => boolean): Promise<void> {
    for (let i = 0; i < 10_000; i += 1) {
      if (check()) return;
      await turn();
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  private async startRun(requestId: string, input: object): Promise<void> {
    await this.workflow.start(requestId, input);
    void this.workflow.run(requestId)?.result.then((result) => this.settled.set(requestId, result));
  }

  /** After a run ended: a FAILED run gets the stopped-run rule's event, as EventBridge sends it. */
  private async afterEnd(requestId: string): Promise<void> {
    if (this.settled.get(requestId)?.status !== 'FAILED') return;
    // The error name EventBridge carries is the Fail state's Error, from the run's own event log.
    const failed = this.workflow.run(requestId)?.events.find((event) => event.type === 'ExecutionFailed');
    await reportStopped(this.deps, {
      'detail-type': 'Step Functions Execution Status Change',
      detail: {
        name: requestId,
        status: 'FAILED',
        error: failed && 'Error' in failed ? String(failed.Error) : null,
      },
    });
  }

  /** One request: the real ASL from "Plan the change" until it ends or holds at its time limit. */
  async run(step: Exclude<Step, { kind: 'expire' }>): Promise<void> {
    const command = commandOf(step);
    const requestId = await this.newRequest(command);
    // A time-bound grant's Wait instants come from "Apply the change", not from the input.
    await this.startRun(requestId, { requestId, approvalTimeoutSeconds: 86_400 });
    const ended = () => this.settled.has(requestId);
    await this.until(`${requestId} to ask or end`, () => ended() || this.workflow.isWaiting(requestId));
    if (!ended()) {
      const by = await this.approve(requestId);
      this.arm(step.fault);
      try {
        await this.workflow.sendDecision(`local-task-token:${requestId}`, { outcome: 'approved', by });
        await this.until(`${requestId} to end or hold`, () => ended() || this.held.has(requestId));
      } finally {
        this.arm('none');
      }
    }
    await this.afterEnd(requestId);
  }

  /** Lets one held run reach its expiry: "Revoke expired access" ▶ … ▶ its end. */
  async expire(pick: number): Promise<void> {
    const ids = [...this.held.keys()];
    const requestId = ids[pick % Math.max(ids.length, 1)];
    if (requestId === undefined) return;
    const open = this.held.get(requestId);
    this.held.delete(requestId);
    open?.();
    await this.until(`${requestId} to end`, () => this.settled.has(requestId));
    await this.afterEnd(requestId);
  }

  private arm(fault: Fault): void {
    this.iam.arm(fault);
    this.slack.down = fault === 'slackDownOnSuccess';
  }

  /** Every run ended, and no run is left waiting anywhere. */
  async allEnded(): Promise<boolean> {
    return [...this.store.records.keys()].every((id) => this.settled.has(id));
  }
}

describe('the grant ledger (property, the real ASL on aws-local-stepfunctions)', () => {
  it('leaves exactly what the grants still in effect need, and ends each thread with its final status', async () => {
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 7 }), async (steps) => {
        const world = new AslWorld();
        try {
          for (const step of steps) {
            if (step.kind === 'expire') await world.expire(step.pick);
            else await world.run(step);
            expect([...world.iam.attached].sort()).toEqual(world.needed());
          }
          while (world.held.size > 0) await world.expire(0);
          expect(await world.allEnded()).toBe(true);
          expect([...world.iam.attached].sort()).toEqual(world.needed());
          world.expectThreadsMatchStatus();
        } finally {
          world.workflow.stop();
        }
      }),
      { numRuns: NUM_RUNS },
    );
    // Printed so the run time stays visible (the brief: about 60 s on 2 cores).
    process.stdout.write(`ASL property: ${NUM_RUNS} runs in ${Date.now() - started} ms\n`);
  });
});
