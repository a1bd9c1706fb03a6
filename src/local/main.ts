import { accessRulesEnvOfFile } from '../../scripts/access-rules-env';
import './polyfills';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { SFNClient } from '@aws-sdk/client-sfn';
import { accountContext, loadConfig } from '../config';
import { DEFAULTS } from '../domain/defaults';
import { type Clock, systemClock } from '../domain/ports';
import { liveSlackRuntime, makeSlackHandler } from '../handlers/slack';
import { lazy } from '../lazy';
import { type AwsPorts, inProcessTaskDeps, liveAwsPorts } from '../wiring';
import definition from '../workflows/access-request.asl.json';
import { describeStartup, type StartupInfo } from './banner';
import { CliArgsError, parseCliArgs, USAGE } from './cli-args';
import { ensureRequestsTable, LOCAL_REGION, scanRequests, startLocalDynamo } from './dynamo';
import type { LambdaHttpHandler } from './http/bot-endpoint';
import { LocalServer, type ModeInfo } from './http/server';
import { startLocalIndexRefresh } from './index-refresh';
import { LocalWorkflow } from './local-workflow';
import { planResume, type ResumePlan, resumeRuns } from './resume';
import { loadSandboxFixture, SandboxStore } from './sandbox/account';
import { deployBotStack } from './sandbox/bot-stack';
import { loadManagedPolicyDocument } from './sandbox/evaluate';
import { LocalOrganization, loadOrganizationFixture } from './sandbox/local-organization';
import { createSandboxClients } from './sandbox/plug';
import { startSocketMode } from './socket-mode';
import { lockStateDir } from './state-lock';
import {
  approverIdsOf,
  auditChannelOf,
  emailDomainsOf,
  loadWorkspaceFixture,
  type WorkspaceFixture,
} from './workspace/fixture';
import { LocalSlackClient } from './workspace/slack-client';
import { LocalSlackWebApi } from './workspace/slack-web-api';
import { WorkspaceState } from './workspace/state';

/**
 * `npm start`: the whole bot on one machine. The slack Lambda's handler serves /slack/events, the
 * deployed state machine runs on aws-local-stepfunctions with the Lambdas' task code, DynamoDB is
 * dynalite on disk, AWS is the sandbox account (or real AWS with --aws), and Slack is a local
 * workspace in the browser (or a real one over Socket Mode).
 */

export interface LocalOptions {
  /** Where state is kept (default: <repo>/.local). */
  stateDir?: string;
  /** 0 picks a free port (tests). Default 3000. */
  port?: number;
  /** Real AWS through the default credential chain instead of the sandbox account. */
  aws?: boolean;
  /** Wait states (a time-bound grant's reminder and expiry) last this long instead of their real time. */
  waitSeconds?: number;
  /** Folder with workspace.json and sandbox-account.json (default: <repo>/local/fixtures). */
  fixturesDir?: string;
  /** Folder with the page's static files (default: <repo>/local/web). */
  webRoot?: string;
  /** The environment to read SLACK_APP_TOKEN / SLACK_BOT_TOKEN and bot settings from. */
  env?: Record<string, string | undefined>;
  /** Default 86400 (or APPROVAL_TIMEOUT_SECONDS from env). */
  approvalTimeoutSeconds?: number;
  clock?: Clock;
  /** Terminal lines (deliveries, resumes, errors). Default: none. */
  log?: (line: string) => void;
}

export interface LocalHandle {
  /** The page (and bot) origin, e.g. http://127.0.0.1:3000. */
  url: string;
  port: number;
  signingSecret: string;
  stateDir: string;
  mode: ModeInfo;
  /** Runs restarted from the table at start-up. */
  resumed: ResumePlan[];
  workflow: LocalWorkflow;
  /** What runs where, for the start-up banner. */
  info: StartupInfo;
  stop(): Promise<void>;
}

export const REQUESTS_TABLE = 'requests';
export const FAST_WAIT_SECONDS = 10;

/** The repository root: the nearest folder above this file that holds local/fixtures. */
export function findRepoRoot(from: string = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'local', 'fixtures', 'workspace.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Cannot find the repository (local/fixtures) above ${from}`);
    dir = parent;
  }
}

/** Every Wait state of the deployed definition, shortened to `seconds`. */
export function waitOverrides(seconds: number): Record<string, number> {
  const overrides: Record<string, number> = {};
  for (const [name, state] of Object.entries(definition.States as Record<string, { Type: string }>)) {
    // The holds of a time-bound grant are waits too (they time out at the reminder and the end).
    if (state.Type === 'Wait' || name.startsWith('Hold until')) overrides[name] = Math.round(seconds * 1000);
  }
  return overrides;
}

/** Starts local mode; resolves once the page is served and every resumed run is back in place. */
export async function startLocal(options: LocalOptions = {}): Promise<LocalHandle> {
  const log = options.log ?? (() => {});
  const cleanups: Cleanup[] = [];
  try {
    return await bootLocal(options, cleanups, log);
  } catch (error) {
    await runCleanups(cleanups, log);
    throw error;
  }
}

/** Everything startLocal starts, each registering how to stop it in `cleanups`. */
async function bootLocal(
  options: LocalOptions,
  cleanups: Cleanup[],
  log: (line: string) => void,
): Promise<LocalHandle> {
  const root = findRepoRoot();
  const stateDir = resolve(options.stateDir ?? join(root, '.local'));
  const fixturesDir = options.fixturesDir ?? join(root, 'local', 'fixtures');
  const processEnv = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const socketMode = Boolean(processEnv.SLACK_APP_TOKEN && processEnv.SLACK_BOT_TOKEN);
  mkdirSync(stateDir, { recursive: true });

  cleanups.push(lockStateDir(stateDir));
  const dynamo = await startRequestsTable(stateDir, cleanups, log);

  const { sandboxStore, organization, sandbox, clients, realAws } = await openAws(
    options.aws === true,
    { stateDir, fixturesDir },
    dynamo.client,
    cleanups,
  );

  const mode = modeOf(options, socketMode, stateDir, organization);
  const fixture = socketMode ? undefined : loadWorkspaceFixture(join(fixturesDir, 'workspace.json'));
  const botToken = botTokenOf(socketMode, processEnv);
  const signingSecret = randomBytes(16).toString('hex');
  const state = fixture && WorkspaceState.open(join(stateDir, 'workspace.json'), fixture, clock);

  let ready!: () => void;
  const readyPromise = new Promise<void>((resolveReady) => {
    ready = resolveReady;
  });
  let bot: LambdaHttpHandler | undefined;
  // Called only once the server listens (it is declared below, so the client can be passed to it).
  const origin = (): string => server.origin;
  const client = state && localSlackClient(state, origin, signingSecret, clock, log);
  const server = new LocalServer({
    webRoot: options.webRoot ?? join(root, 'local', 'web'),
    mode,
    ...(state && client
      ? { workspace: { state, webApi: new LocalSlackWebApi(state, botToken), client } }
      : {}),
    bot: () => bot,
    ready: readyPromise,
    debug: debugViews(organization, dynamo.client),
    log,
  });
  await listenOrExplain(server, options.port ?? 3000);
  cleanups.push(() => server.close());

  const env = localEnv({
    processEnv,
    botToken,
    signingSecret,
    origin: server.origin,
    approvalTimeoutSeconds: options.approvalTimeoutSeconds,
    fixture,
    sandboxStore,
    organization,
    accessRulesFile: join(root, 'access-rules.yml'),
  });
  const config = loadConfig(env);
  await deployBotStackToSandbox(config, sandboxStore, sandbox);
  await organization?.deployMemberStacks(config.stage);
  // Member accounts through the organization's STS: each function assumes its member role, as in AWS.
  const base = liveAwsPorts(config, { ...clients, ...organization?.clients(config.stage) });
  const workflow = localWorkflow(() => ports, env, options.waitSeconds);
  const ports: AwsPorts = { ...base, workflow };
  // Runs stop before DynamoDB and the server close (cleanups run in reverse), and task code still running
  // (a Slack post, a DynamoDB write) finishes first: it would otherwise meet a closed server or table.
  cleanups.push(async () => {
    await workflow.stop();
    await workflow.settle();
  });

  if (socketMode) {
    const socket = await startSocketMode({
      appToken: String(processEnv.SLACK_APP_TOKEN),
      env,
      ports,
      clock,
    });
    cleanups.push(() => socket.stop());
  } else {
    bot = await startLocalBot(env, ports, clock);
  }
  // IAM_USER_MAPPING=tag: only the refresh scans IAM users (a miss asks it to), so local mode runs it too,
  // in every account of the organization (each member through its refreshUserIndex member role).
  cleanups.push(
    startLocalIndexRefresh(
      config.iamUserMapping,
      env,
      { ...clients, ...organization?.clients(config.stage) },
      log,
    ),
  );

  const resumed = planResume(await scanRequests(dynamo.client, REQUESTS_TABLE), clock.now(), {
    approvalTimeoutSeconds: config.approvalTimeoutSeconds,
    grantReminderSeconds: config.grantReminderSeconds,
  });
  await resumeRuns(resumed, { workflow, store: ports.store, log });
  ready();

  const info: StartupInfo = {
    url: `http://localhost:${server.listeningPort}`,
    mode,
    stateDir: relativeOrAbsolute(stateDir),
    signingSecret,
    ...fixtureInfo(fixture, fixturesDir),
    ...sandboxInfo(sandboxStore, organization),
    ...(realAws ? { realAws } : {}),
    approverIds: config.approverUserIds,
    iamUserEmailDomains: config.iamUserEmailDomains,
    auditChannelId: config.auditChannelId,
    resumed,
    fastWaitSeconds: options.waitSeconds,
  };
  return {
    url: server.origin,
    port: server.listeningPort,
    signingSecret,
    stateDir,
    mode,
    resumed,
    workflow,
    info,
    stop: () => runCleanups(cleanups, log),
  };
}

const relativeOrAbsolute = (path: string): string => {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') ? rel : path;
};

type Cleanup = () => Promise<void> | void;

/** Runs and forgets every cleanup, last registered first; one that fails is logged, not fatal. */
async function runCleanups(cleanups: Cleanup[], log: (line: string) => void): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch (error) {
      log(`while stopping: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** dynalite on disk with the requests table in place (rebuilt when its index is missing). */
async function startRequestsTable(stateDir: string, cleanups: Cleanup[], log: (line: string) => void) {
  const dynamo = await startLocalDynamo(join(stateDir, 'dynamodb'));
  cleanups.push(() => dynamo.stop());
  if ((await ensureRequestsTable(dynamo.client, REQUESTS_TABLE)) === 'migrated') {
    log(`rebuilt the ${REQUESTS_TABLE} table in ${stateDir} with its byTarget index, keeping every request`);
  }
  return dynamo;
}

/** The real app's bot token in Socket Mode; else a fresh one for the local workspace, never leaving this machine. */
const botTokenOf = (socketMode: boolean, processEnv: Record<string, string | undefined>): string =>
  socketMode ? String(processEnv.SLACK_BOT_TOKEN) : `xoxb-local-${randomBytes(12).toString('hex')}`;

/** The local workspace's Slack, delivering to this server's /slack/events once it listens. */
function localSlackClient(
  state: WorkspaceState,
  origin: () => string,
  signingSecret: string,
  clock: Clock,
  log: (line: string) => void,
): LocalSlackClient {
  return new LocalSlackClient({
    state,
    appUrl: () => `${origin()}/slack/events`,
    responseUrlBase: () => `${origin()}/local/response/`,
    signingSecret,
    clock,
    onDelivery: log,
  });
}

/** What the local debug pages show: the sandbox organization (if any) and the requests table. */
function debugViews(organization: LocalOrganization | undefined, dynamodb: DynamoDBClient) {
  return {
    ...(organization ? { sandbox: () => organization.toJSON() } : {}),
    requests: () => scanRequests(dynamodb, REQUESTS_TABLE),
  };
}

function modeOf(
  options: LocalOptions,
  socketMode: boolean,
  stateDir: string,
  organization: LocalOrganization | undefined,
): ModeInfo {
  return {
    aws: options.aws ? 'real' : 'sandbox',
    slack: socketMode ? 'socket' : 'local',
    fast: options.waitSeconds !== undefined,
    stateDir,
    ...(organization
      ? {
          accounts: [
            { name: organization.fixture.hubName, hub: true, memberStack: false },
            ...organization.fixture.members.map(({ name, memberStack }) => ({
              name,
              hub: false,
              memberStack,
            })),
          ],
        }
      : {}),
  };
}

/** What `serverless deploy` would have created in the sandbox: the stack's managed policies and the bot's roles. */
async function deployBotStackToSandbox(
  config: ReturnType<typeof loadConfig>,
  sandboxStore: SandboxStore | undefined,
  sandbox: ReturnType<typeof createSandboxClients> | undefined,
): Promise<void> {
  const account = accountContext(config);
  if (!sandboxStore || !sandbox || !account) return;
  await deployBotStack(sandboxStore.account, sandbox.iam, account);
  sandboxStore.saveIfChanged();
}

/** The deployed state machine on aws-local-stepfunctions, its waits shortened when asked (--fast). */
function localWorkflow(
  ports: () => AwsPorts,
  env: Record<string, string | undefined>,
  waitSeconds: number | undefined,
): LocalWorkflow {
  return new LocalWorkflow({
    deps: lazy(() => inProcessTaskDeps(env, ports())),
    ...(waitSeconds !== undefined ? { waitTimeOverrides: waitOverrides(waitSeconds) } : {}),
  });
}

/** The AWS that local mode talks to: the sandbox account, or real AWS (--aws) checked up front. */
async function openAws(
  realAwsWanted: boolean,
  dirs: { stateDir: string; fixturesDir: string },
  dynamodb: DynamoDBClient,
  cleanups: Cleanup[],
) {
  const sandboxStore = realAwsWanted ? undefined : openSandbox(dirs.stateDir, dirs.fixturesDir);
  if (sandboxStore) cleanups.push(() => sandboxStore.saveIfChanged());
  const organization = sandboxStore && openOrganization(sandboxStore, dirs.stateDir, dirs.fixturesDir);
  if (organization) cleanups.push(() => organization.save());
  const sandbox = sandboxStore ? createSandboxClients(sandboxStore) : undefined;
  const clients = localAwsClients(sandbox, dynamodb);
  cleanups.push(() => {
    for (const client of [clients.iam, clients.kms, clients.codebuild, clients.sfn]) client.destroy();
  });
  const realAws = realAwsWanted ? await describeRealAws(clients.iam) : undefined;
  return { sandboxStore, organization, sandbox, clients, realAws };
}

/** The sandbox account kept in the state folder, seeded from the fixture on first start. */
function openSandbox(stateDir: string, fixturesDir: string): SandboxStore {
  return SandboxStore.open(join(stateDir, 'sandbox-account.json'), {
    seed: () => loadSandboxFixture(join(fixturesDir, 'sandbox-account.json')),
  });
}

/**
 * The sandbox organization around the hub: the members of sandbox-organization.json, each kept in the
 * state folder and seeded from sandbox-member-account.json on first start.
 */
function openOrganization(hub: SandboxStore, stateDir: string, fixturesDir: string): LocalOrganization {
  return LocalOrganization.open({
    hub,
    stateDir,
    fixture: loadOrganizationFixture(join(fixturesDir, 'sandbox-organization.json')),
    memberSeed: () => JSON.parse(readFileSync(join(fixturesDir, 'sandbox-member-account.json'), 'utf8')),
  });
}

/** AWS clients: the sandbox's where there is one, else the default credential chain's. */
function localAwsClients(
  sandbox: ReturnType<typeof createSandboxClients> | undefined,
  dynamodb: DynamoDBClient,
) {
  // Not annotated: ports that need more clients (KMS) pick them up as the wiring grows.
  return {
    iam: sandbox?.iam ?? new IAMClient({}),
    kms: sandbox?.kms ?? new KMSClient({}),
    codebuild: sandbox?.codebuild ?? new CodeBuildClient({}),
    dynamodb,
    // Never called: the workflow runs locally. liveAwsPorts wants one.
    sfn: new SFNClient({
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  };
}

/** Listens on `port`, turning "in use" into a sentence that says what to do. */
async function listenOrExplain(server: LocalServer, port: number): Promise<void> {
  await server.listen(port).catch((error: unknown) => {
    if ((error as { code?: string }).code === 'EADDRINUSE') {
      throw new Error(`Port ${port} is in use; pick another with --port N`);
    }
    throw error;
  });
}

interface LocalEnvInput {
  processEnv: Record<string, string | undefined>;
  /** The repository's access-rules.yml (found from the repository root: this code runs bundled). */
  accessRulesFile: string;
  botToken: string;
  signingSecret: string;
  /** The local server's origin, where the local Slack Web API is served. */
  origin: string;
  approvalTimeoutSeconds: number | undefined;
  fixture: WorkspaceFixture | undefined;
  sandboxStore: SandboxStore | undefined;
  organization: LocalOrganization | undefined;
}

/** The bot's environment in local mode: the process's, with the local workspace and sandbox filled in. */
function localEnv(input: LocalEnvInput): Record<string, string | undefined> {
  return {
    ...input.processEnv,
    REQUESTS_TABLE,
    SLACK_BOT_TOKEN: input.botToken,
    APPROVAL_TIMEOUT_SECONDS: String(
      input.approvalTimeoutSeconds ??
        input.processEnv.APPROVAL_TIMEOUT_SECONDS ??
        DEFAULTS.approvalTimeoutSeconds,
    ),
    // Never the deployed machine: runs are local.
    STATE_MACHINE_ARN: undefined,
    // The repository's access-rules.yml, as a deploy loads it (docs/rules.md).
    ACCESS_RULES: input.processEnv.ACCESS_RULES ?? accessRulesEnvOfFile(input.accessRulesFile),
    ...(input.fixture
      ? {
          AUDIT_CHANNEL_ID: auditChannelOf(input.fixture).id,
          SLACK_SIGNING_SECRET: input.signingSecret,
          SLACK_SIGNING_SECRET_PARAMETER: undefined,
          SLACK_BOT_TOKEN_PARAMETER: undefined,
          SLACK_API_URL: `${input.origin}/api/`,
          SLACK_TEAM_ID: input.fixture.team.id,
          SLACK_APP_ID: input.fixture.app.id,
          APPROVER_USER_IDS: approverIdsOf(input.fixture).join(','),
          // Approvers are the fixture's `approver: true` people; a real user group id would not resolve here.
          APPROVER_USERGROUP_ID: undefined,
          IAM_USER_MAPPING: 'email',
          IAM_USER_EMAIL_DOMAINS: emailDomainsOf(input.fixture).join(','),
        }
      : {}),
    // The sandbox's account and region, for the commands that build ARNs and trust conditions.
    ...(input.sandboxStore
      ? {
          AWS_ACCOUNT_ID: input.sandboxStore.account.accountId,
          AWS_REGION: input.sandboxStore.account.region,
        }
      : {}),
    // The sandbox organization's accounts (ACCOUNTS, DEFAULT_ACCOUNT, HUB_ACCOUNT_NAME), over the process's.
    ...input.organization?.env(),
  };
}

/** The slack Lambda's handler over the local workspace, built once before the page is ready. */
async function startLocalBot(
  env: Record<string, string | undefined>,
  ports: AwsPorts,
  clock: Clock,
): Promise<LambdaHttpHandler> {
  const getRuntime = lazy(() => liveSlackRuntime(env, { ports, clock }));
  await getRuntime();
  return makeSlackHandler(getRuntime);
}

function fixtureInfo(fixture: WorkspaceFixture | undefined, fixturesDir: string): Partial<StartupInfo> {
  return fixture ? { fixture, fixturePath: relativeOrAbsolute(join(fixturesDir, 'workspace.json')) } : {};
}

function sandboxInfo(
  sandboxStore: SandboxStore | undefined,
  organization: LocalOrganization | undefined,
): Partial<StartupInfo> {
  return sandboxStore
    ? {
        sandbox: {
          account: sandboxStore.account,
          path: relativeOrAbsolute(sandboxStore.path),
          ...(organization ? { accounts: organization.describe() } : {}),
        },
      }
    : {};
}

/** Region and credentials of the default chain, checked before anything runs (--aws). */
async function describeRealAws(iam: IAMClient): Promise<{ region: string; accessKeyHint: string }> {
  let region: string;
  try {
    region = await iam.config.region();
  } catch (error) {
    throw new Error('--aws needs a region: set AWS_REGION or a region in your AWS profile', { cause: error });
  }
  try {
    const credentials = await iam.config.credentials();
    return {
      region,
      accessKeyHint: `${credentials.accessKeyId.slice(0, 4)}…${credentials.accessKeyId.slice(-4)}`,
    };
  } catch (error) {
    throw new Error(
      '--aws found no AWS credentials in the default chain (env, profile, SSO, instance role)',
      {
        cause: error,
      },
    );
  }
}

/** The `npm start` entry point: flags, banner, Ctrl-C. */
export async function runCli(argv: readonly string[]): Promise<void> {
  const startedAt = Date.now() - Math.round(process.uptime() * 1000);
  let args: ReturnType<typeof parseCliArgs>;
  try {
    args = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof CliArgsError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  // The Lambdas log every audit event as JSON; in a terminal that drowns the banner unless asked for.
  process.env.POWERTOOLS_LOG_LEVEL ??= args.verbose ? 'INFO' : 'WARN';
  process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= '1';
  // The SDK warns on every start under Node 20; the README already says Lambda runs 22.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)}  ${line}`);
  let handle: LocalHandle;
  try {
    handle = await startLocal({
      port: args.port,
      aws: args.aws,
      ...(args.fast ? { waitSeconds: FAST_WAIT_SECONDS } : {}),
      ...(args.stateDir ? { stateDir: args.stateDir } : {}),
      log,
    });
  } catch (error) {
    console.error(`Local mode did not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
    return;
  }
  console.log(describeStartup(handle.info, (Date.now() - startedAt) / 1000));
  // Load the managed-policy catalogue now, so the first "Verify access" does not wait for it.
  if (handle.mode.aws === 'sandbox') {
    void loadManagedPolicyDocument('arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess').catch(() => {});
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      console.log(`\n${signal} again: exiting without waiting.`);
      process.exit(130);
    }
    stopping = true;
    console.log(`\n${signal}: stopping the workflow runs, the server and DynamoDB…`);
    handle
      .stop()
      .then(() => {
        console.log(`Stopped. State is kept in ${handle.info.stateDir}/ (delete it to start over).`);
        process.exit(0);
      })
      .catch((error: unknown) => {
        console.error(`Stopped with an error: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
