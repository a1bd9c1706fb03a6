import { StateMachine } from 'aws-local-stepfunctions';
import type { WorkflowPort } from '../domain/ports';
import { makeTaskHandler } from '../handlers/task-handler';
import definition from '../workflows/access-request.asl.json';
import type { TaskDeps } from '../workflows/tasks/deps';
import { TASKS, type TaskDefinition, type TaskName } from '../workflows/tasks/registry';

/**
 * WorkflowPort on aws-local-stepfunctions: runs the SAME ASL file that serverless.yml deploys, with
 * every Task state bound to the same task code the Lambdas run (by the function its FunctionName
 * names). `.waitForTaskToken` is bridged: the approval task's promise resolves on sendDecision.
 *
 * Used by local mode and by the workflow tests; never bundled into a Lambda.
 */

type Execution = ReturnType<StateMachine['run']>;
type JSONValue = Parameters<StateMachine['run']>[0];
/** One entry of the local run's event log (StateEntered, StateRetried, ...). */
export type EventLog = Execution extends { eventLogs: AsyncGenerator<infer E> } ? E : never;

type AslState = {
  Type: string;
  Resource?: string;
  Parameters?: { FunctionName?: string };
  Retry?: unknown[];
};

export interface LocalWorkflowOptions {
  deps: () => Promise<TaskDeps> | TaskDeps;
  /** Milliseconds between retries, for every state (tests: 0). Default: the ASL's own backoff. */
  retryIntervalMs?: number;
  /** Wait state durations in ms, by state name (time-bound grants; "faster" local runs). */
  waitTimeOverrides?: Record<string, number>;
  /** Awaited before a Task state runs its task: lets a test hold a run at a chosen point. */
  beforeTask?: (stateName: string, requestId: string) => Promise<void>;
}

export interface RunRecord {
  requestId: string;
  result: Promise<{ status: 'SUCCEEDED' | 'FAILED'; output?: unknown; error?: string }>;
  events: EventLog[];
}

const FUNCTION_NAME = /^#\{(\w+)LambdaFunction\.Arn\}$/;

/** The task a Task state invokes, from its FunctionName placeholder. */
export function taskOfState(state: AslState): TaskName | undefined {
  const match = FUNCTION_NAME.exec(state.Parameters?.FunctionName ?? '');
  const name = match?.[1];
  return name !== undefined && name in TASKS ? (name as TaskName) : undefined;
}

/**
 * AWS reads TimeoutSecondsPath from the state input; aws-local-stepfunctions 3 reads it from the
 * input after Parameters (where lambda:invoke puts everything under Payload). The one deviation we
 * hit is bridged here, on a copy, so the deployed file stays what AWS documents.
 */
function adaptForLocalRunner(asl: typeof definition): typeof definition {
  // JSON round trip, not structuredClone: under jest the clone would come from another realm, and
  // the runner's plain-object check would then skip Parameters templates.
  const copy = JSON.parse(JSON.stringify(asl)) as { States: Record<string, Record<string, unknown>> };
  for (const state of Object.values(copy.States)) {
    const path = state.TimeoutSecondsPath;
    const payload = (state.Parameters as { Payload?: Record<string, unknown> } | undefined)?.Payload;
    // The Payload key that copies the same path (e.g. "secondsLeft.$": "$.hold.secondsLeft").
    const key = Object.entries(payload ?? {}).find(
      ([name, value]) => name.endsWith('.$') && value === path,
    )?.[0];
    if (typeof path === 'string' && path.startsWith('$.') && key !== undefined) {
      state.TimeoutSecondsPath = `$.Payload.${key.slice(0, -2)}`;
    }
  }
  return copy as unknown as typeof definition;
}

/** The definition from `start` on, without the states it cannot reach (the validator rejects those). */
function startingAt(asl: typeof definition, start: string): typeof definition {
  type Transitions = {
    Next?: string;
    Default?: string;
    Choices?: Array<{ Next?: string }>;
    Catch?: Array<{ Next?: string }>;
  };
  const states = asl.States as Record<string, Transitions>;
  const reachable = new Set<string>();
  const queue = [start];
  for (let name = queue.pop(); name !== undefined; name = queue.pop()) {
    const state = states[name];
    if (reachable.has(name) || !state) continue;
    reachable.add(name);
    for (const next of [
      state.Next,
      state.Default,
      ...(state.Choices ?? []).map((c) => c.Next),
      ...(state.Catch ?? []).map((c) => c.Next),
    ]) {
      if (next !== undefined) queue.push(next);
    }
  }
  const kept = Object.fromEntries(Object.entries(asl.States).filter(([name]) => reachable.has(name)));
  return { ...asl, StartAt: start, States: kept } as typeof definition;
}

export class LocalWorkflow implements WorkflowPort {
  private readonly machine = new StateMachine(adaptForLocalRunner(definition) as never, {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  /** Machines that start part-way (local mode resuming a time-bound grant's wait), by StartAt. */
  private readonly resumedMachines = new Map<string, StateMachine>();
  private readonly runs = new Map<string, RunRecord>();
  private readonly waiting = new Map<string, (output: unknown) => void>();
  private readonly cancels = new Map<string, () => void>();
  /** Tokens whose approval task has finished (card posted): a click can now be answered. */
  private readonly ready = new Set<string>();
  private readonly aborts = new Set<() => void>();

  constructor(private readonly options: LocalWorkflowOptions) {}

  /**
   * `startAt` runs the same definition from another state (local mode only: a restart resumes a
   * time-bound grant at its Wait, where Step Functions would still hold the run).
   */
  async start(
    requestId: string,
    input: unknown,
    options: { startAt?: string } = {},
  ): Promise<'started' | 'already_started'> {
    if (this.runs.has(requestId)) return 'already_started';
    const events: EventLog[] = [];
    const token = `local-task-token:${requestId}`;
    const machine = options.startAt === undefined ? this.machine : this.machineStartingAt(options.startAt);
    const execution = machine.run(input as JSONValue, {
      overrides: {
        taskResourceLocalHandlers: this.bindTasks(),
        ...(this.options.waitTimeOverrides ? { waitTimeOverrides: this.options.waitTimeOverrides } : {}),
        ...(this.options.retryIntervalMs !== undefined
          ? { retryIntervalOverrides: this.retryOverrides() }
          : {}),
      },
      context: { Task: { Token: token }, Execution: { Name: requestId } },
      noThrowOnAbort: true,
    });
    this.aborts.add(execution.abort);
    const collect = (async () => {
      for await (const event of execution.eventLogs) events.push(event);
    })();
    const result = execution.result
      .then((output) => ({ status: 'SUCCEEDED' as const, output }))
      .catch((error: unknown) => ({
        status: 'FAILED' as const,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      }))
      .then(async (outcome) => {
        this.aborts.delete(execution.abort);
        await collect;
        this.waiting.delete(token);
        return outcome;
      });
    this.runs.set(requestId, { requestId, result, events });
    return 'started';
  }

  private machineStartingAt(stateName: string): StateMachine {
    let machine = this.resumedMachines.get(stateName);
    if (!machine) {
      if (!(stateName in definition.States))
        throw new Error(`The workflow has no state named "${stateName}"`);
      machine = new StateMachine(startingAt(adaptForLocalRunner(definition), stateName) as never, {
        validationOptions: { checkArn: true, checkPaths: true },
      });
      this.resumedMachines.set(stateName, machine);
    }
    return machine;
  }

  async sendDecision(taskToken: string, output: unknown): Promise<'sent' | 'already_handled'> {
    const resolve = this.waiting.get(taskToken);
    if (!resolve) return 'already_handled';
    this.waiting.delete(taskToken);
    this.cancels.delete(taskToken);
    resolve(output);
    return 'sent';
  }

  /** The run of a request, for tests, local mode and the benchmark's cost count. */
  run(requestId: string): RunRecord | undefined {
    return this.runs.get(requestId);
  }

  /** Whether a run is waiting for an approval click. */
  isWaiting(requestId: string): boolean {
    return this.ready.has(`local-task-token:${requestId}`);
  }

  /** Aborts every run still going (Ctrl-C in local mode, the end of a test). */
  /**
   * Waits (at most `ms`) for the task code still running after stop(): a task mid-call (a Slack post
   * retrying) would otherwise go on after its callers have closed what it talks to.
   */
  async settle(ms = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    await Promise.race([Promise.allSettled([...this.inFlight]), limit]);
    clearTimeout(timer);
  }

  stop(): void {
    for (const abort of this.aborts) abort();
    this.aborts.clear();
    // Settle the approval waits too: the runner clears a Task's timeout timer only when the task
    // settles, and a 24 h timer would keep the process alive.
    for (const cancel of this.cancels.values()) cancel();
    this.cancels.clear();
    this.waiting.clear();
  }

  private readonly inFlight = new Set<Promise<unknown>>();

  private bindTasks(): Record<string, (input: JSONValue) => Promise<JSONValue>> {
    const handlers: Record<string, (input: JSONValue) => Promise<JSONValue>> = {};
    for (const [stateName, state] of Object.entries(definition.States as Record<string, AslState>)) {
      const taskName = taskOfState(state);
      if (state.Type !== 'Task' || taskName === undefined) continue;
      const invoke = async (payload: unknown): Promise<unknown> => {
        await this.options.beforeTask?.(stateName, String((payload as { requestId?: unknown }).requestId));
        // The Lambda's own entry point, so local logs carry the request id and failures as Lambda logs them.
        const running = makeTaskHandler(TASKS[taskName] as TaskDefinition, async () => this.options.deps())(
          payload,
        );
        this.inFlight.add(running);
        return running.finally(() => this.inFlight.delete(running));
      };
      if (state.Resource?.endsWith('.waitForTaskToken')) {
        handlers[stateName] = async (input) => {
          const payload = (input as { Payload: { taskToken: string } }).Payload;
          const decision = new Promise<unknown>((resolve) => {
            this.waiting.set(payload.taskToken, resolve);
            // Used by stop() after abort: the run ends at this state either way.
            this.cancels.set(payload.taskToken, () => resolve({ outcome: 'cancelled', by: [] }));
          });
          await invoke(payload);
          this.ready.add(payload.taskToken);
          // A hold's timeout shortened like a Wait's (tests, --fast): the same States.Timeout AWS raises.
          const shortened = this.options.waitTimeOverrides?.[stateName];
          let timer: NodeJS.Timeout | undefined;
          const timeout =
            shortened === undefined
              ? undefined
              : new Promise<never>((_, reject) => {
                  timer = setTimeout(() => {
                    const error = new Error('States.Timeout');
                    error.name = 'States.Timeout';
                    reject(error);
                  }, shortened);
                });
          try {
            return (await (timeout ? Promise.race([decision, timeout]) : decision)) as JSONValue;
          } finally {
            clearTimeout(timer);
            if (timeout) this.waiting.delete(payload.taskToken);
            this.ready.delete(payload.taskToken);
            this.cancels.delete(payload.taskToken);
          }
        };
      } else {
        // The lambda:invoke integration wraps the function's result in Payload.
        handlers[stateName] = async (input) =>
          ({ Payload: (await invoke((input as { Payload: unknown }).Payload)) ?? null }) as JSONValue;
      }
    }
    return handlers;
  }

  private retryOverrides(): Record<string, number> {
    const overrides: Record<string, number> = {};
    for (const [stateName, state] of Object.entries(definition.States as Record<string, AslState>)) {
      if (state.Retry) overrides[stateName] = this.options.retryIntervalMs ?? 0;
    }
    return overrides;
  }
}
