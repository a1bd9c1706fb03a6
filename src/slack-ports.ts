import { accountSetup, type Config } from './config';
import { type AccountAccess, accountContextIn } from './domain/accounts';
import type { UserIndexStore } from './domain/iam-user-index';
import type {
  CodeBuildPort,
  IamPort,
  PendingRequestFinder,
  RequestLister,
  RequestStore,
  WorkflowPort,
} from './domain/ports';

/**
 * The slack function's ports: only what its role allows (no KMS). The store also finds pending requests
 * by target and lists them by status, for the Home tab (src/slack/app-deps.ts looks for both).
 */
export interface SlackPorts {
  iam: IamPort;
  store: RequestStore & PendingRequestFinder & RequestLister;
  userIndex: UserIndexStore;
  /** `verify`'s ListBuilds with the bot's own credentials. */
  codebuildPort: CodeBuildPort;
  /** Present when config names the state machine (STATE_MACHINE_ARN). */
  workflow?: WorkflowPort;
  /** Present when config names the hub's region (accountSetup). */
  accounts?: AccountAccess;
}

/** The names of T's methods that return a promise: what a deferred port can stand in for. */
type AsyncMethods<T> = {
  [K in keyof T]-?: T[K] extends (...args: never[]) => Promise<unknown> ? K : never;
}[keyof T];

/**
 * A port whose every method first awaits the real one. `methods` must name every async method of T (the
 * compiler checks it), so the stand-in has exactly the methods of the real port and no others.
 */
function deferred<T>(real: () => Promise<T>, methods: Record<AsyncMethods<T>, true>): T {
  const port: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of Object.keys(methods)) {
    port[name] = async (...args) => {
      const target = (await real()) as Record<string, (...a: unknown[]) => Promise<unknown>>;
      return target[name]!.apply(target, args);
    };
  }
  return port as T;
}

/**
 * The slack function's ports, loaded on their first call: `load` brings in the AWS SDK clients and the
 * gateways over them (liveSlackPorts in slack-ports-live.ts), about half of the slack bundle. Until a command or click
 * needs AWS, none of that code is loaded or compiled, so `help`, a usage error or a refused signature
 * answers a cold start without it (docs/performance.md). Which ports exist follows from config alone, as
 * in liveSlackPorts; the accounts' directory and ARNs are config too, and need no SDK.
 */
export function deferredSlackPorts(config: Config, load: () => Promise<SlackPorts>): SlackPorts {
  const part =
    <K extends keyof SlackPorts>(key: K) =>
    async (): Promise<NonNullable<SlackPorts[K]>> => {
      const port = (await load())[key];
      // liveSlackPorts builds every port from the same config, so this is a wiring bug if it ever throws.
      if (port === undefined) throw new Error(`The slack function's ${key} port is missing`);
      return port;
    };
  const setup = accountSetup(config);
  return {
    iam: deferred(part('iam'), {
      findPrincipal: true,
      groupMemberNames: true,
      userWithTags: true,
      usersTagged: true,
      listAttachedPolicyArns: true,
      listInlinePolicies: true,
      getRole: true,
      run: true,
      simulate: true,
    }),
    store: deferred(part('store'), {
      create: true,
      get: true,
      save: true,
      appendEvent: true,
      appendCompletedStep: true,
      pendingFor: true,
      listByStatus: true,
    }),
    userIndex: deferred(part('userIndex'), {
      get: true,
      putAll: true,
      delete: true,
      requestScan: true,
      scanRequestedAt: true,
      lastPass: true,
      recordPass: true,
    }),
    codebuildPort: deferred(part('codebuildPort'), { listBuilds: true }),
    ...(config.stateMachineArn
      ? { workflow: deferred(part('workflow'), { start: true, sendDecision: true }) }
      : {}),
    ...(setup
      ? {
          accounts: {
            directory: setup.directory,
            context: (account) => accountContextIn(setup, account),
            ports: async (...args) => (await part('accounts')()).ports(...args),
          },
        }
      : {}),
  };
}
