/**
 * `npm run docs`: renders the two generated pages of docs/ from their sources, so they cannot drift:
 * - docs/configuration.md from the zod schema in src/config.ts (variables, defaults, constraints, and the
 *   `.describe()` text of each field);
 * - docs/performance.md from bench/results.json (written by `npm run bench`).
 * test/docs/generated-docs.test.ts fails when a checked-in page differs from what this renders.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { globalRegistry } from 'zod/mini';
import type { $ZodType } from 'zod/v4/core';
// Types only (erased when compiled): the shapes bench/ writes into bench/results.json.
import type { AccountSizeRow } from '../bench/account-size';
import type { AckLatencyResult } from '../bench/ack-latency';
import type { FlowCost } from '../bench/cost';
import type { ColdResult, NetworkAttempt } from '../bench/lib/cold';
import { median } from '../bench/lib/stats';
import type { LatencyResult } from '../bench/warm';
import { EnvSchema, MAX_EXECUTION_SECONDS, STEPS_ALLOWANCE_SECONDS } from '../src/config';
import { MIN_SCAN_TIME_MS } from '../src/domain/iam-user-index';

export const REGENERATE_COMMAND = 'npm run docs';

const GENERATED_NOTE = (source: string): string =>
  `<!-- Generated from ${source} by \`${REGENERATE_COMMAND}\`. Do not edit by hand. -->`;

const BACK_LINK = '[← README](../README.md)';

/** 1234567 → "1,234,567" without depending on the ICU data of the Node build. */
export const thousands = (value: number): string => {
  const [whole = '', fraction] = String(value).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
};

/** A table cell: pipes escaped, newlines flattened. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

const table = (header: readonly string[], rows: readonly (readonly string[])[]): string =>
  [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');

// ---------------------------------------------------------------------------------------------------
// docs/configuration.md

export interface VariableDoc {
  name: string;
  /** How the default reads in the table: "—" when there is none. */
  defaultText: string;
  required: boolean;
  constraint: string;
  description: string;
}

type AnySchema = $ZodType;
interface Def {
  type: string;
  innerType?: AnySchema;
  defaultValue?: unknown;
  in?: AnySchema;
  out?: AnySchema;
  element?: AnySchema;
  entries?: Record<string, string>;
  checks?: { _zod: { def: CheckDef } }[];
  format?: string;
}
interface CheckDef {
  check: string;
  format?: string;
  pattern?: RegExp;
  minimum?: number;
  value?: number;
  inclusive?: boolean;
  error?: () => unknown;
}

const defOf = (schema: AnySchema): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

interface Walk {
  defaultValue?: unknown;
  optional: boolean;
  constraints: string[];
}

/** A format check: a pattern (with its message), a URL, an integer. */
const formatCheckText = (check: CheckDef): string | undefined => {
  if (check.check === 'number_format') return check.format === 'safeint' ? 'an integer' : undefined;
  if (check.check !== 'string_format') return undefined;
  if (check.format === 'url') return 'a URL';
  if (check.format !== 'regex' || !check.pattern) return undefined;
  const message = typeof check.error === 'function' ? check.error() : undefined;
  return `${typeof message === 'string' ? `${message}: ` : ''}\`${check.pattern.source}\``;
};

/** A bound: a string's least length, a number's lower or upper limit. */
const boundCheckText = (check: CheckDef, type: string): string | undefined => {
  if (check.check === 'min_length')
    return `at least ${check.minimum} character${check.minimum === 1 ? '' : 's'}`;
  if (type !== 'number') return undefined;
  if (check.check === 'greater_than') return `${check.inclusive ? '≥' : '>'} ${thousands(check.value ?? 0)}`;
  if (check.check === 'less_than') return `${check.inclusive ? '≤' : '<'} ${thousands(check.value ?? 0)}`;
  return undefined;
};

const checkText = (check: CheckDef, type: string): string | undefined =>
  formatCheckText(check) ?? boundCheckText(check, type);

/** Walks the wrappers of one field (default, optional, pipe, transform) down to what the value must be. */
function walk(schema: AnySchema, into: Walk): void {
  const def = defOf(schema);
  switch (def.type) {
    case 'default':
      into.defaultValue = def.defaultValue;
      walk(def.innerType!, into);
      return;
    case 'optional':
      into.optional = true;
      walk(def.innerType!, into);
      return;
    case 'pipe':
      walk(def.in!, into);
      walk(def.out!, into);
      return;
    case 'transform':
      return;
    case 'array': {
      const element: Walk = { optional: false, constraints: [] };
      walk(def.element!, element);
      into.constraints.push(`comma-separated list; ${element.constraints.join(', ')}`);
      return;
    }
    case 'enum':
      into.constraints.push(
        `one of ${Object.values(def.entries ?? {})
          .map((value) => `\`${value}\``)
          .join(', ')}`,
      );
      return;
    case 'string':
    case 'number': {
      const found = (def.checks ?? []).map((check) => checkText(check._zod.def, def.type));
      if (def.type === 'string' && def.format === 'url') found.push('a URL');
      into.constraints.push(...found.filter((text): text is string => text !== undefined));
      return;
    }
    default:
      throw new Error(
        `gen-docs: no rendering for a zod ${def.type} in src/config.ts; teach scripts/gen-docs.ts`,
      );
  }
}

const defaultText = (value: unknown): string => {
  if (value === undefined) return '—';
  if (value === '') return 'empty';
  if (typeof value === 'number') return `\`${value}\``;
  return `\`${String(value)}\``;
};

/** One entry per variable of EnvSchema, in the schema's order. */
export function variableDocs(): VariableDoc[] {
  return Object.entries(EnvSchema.shape).map(([name, field]) => {
    const walked: Walk = { optional: false, constraints: [] };
    walk(field, walked);
    // Set by z.describe() in src/config.ts (zod's mini build), which records it in zod's global registry.
    const description = globalRegistry.get(field)?.description;
    if (description === undefined || description.trim() === '') {
      throw new Error(`gen-docs: ${name} in src/config.ts has no .describe() text`);
    }
    return {
      name,
      defaultText: defaultText(walked.defaultValue),
      required: !walked.optional && walked.defaultValue === undefined,
      constraint: walked.constraints.join(', ') || 'any text',
      description,
    };
  });
}

/** Variables read by libraries (the AWS SDK, Powertools), not by src/config.ts. */
const LIBRARY_VARIABLES: readonly (readonly [string, string, string])[] = [
  ['`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`', '—', "the AWS SDK's own endpoint overrides"],
  ['`POWERTOOLS_LOG_LEVEL`', '`INFO`', 'log level of the JSON logs (Powertools Logger)'],
];

export function renderConfiguration(): string {
  const rows = variableDocs().map((doc) => [
    `\`${doc.name}\``,
    doc.required ? '**required**' : doc.defaultText,
    doc.constraint,
    doc.description,
  ]);
  return [
    GENERATED_NOTE('the zod schema in src/config.ts'),
    '# Configuration',
    '',
    BACK_LINK,
    '',
    'Environment variables, read and validated once in `src/config.ts` (a bad value fails with its name, at',
    'the first invocation rather than at import). `serverless.yml` sets them from stage params; local mode',
    '([local-mode.md](local-mode.md)) sets them itself.',
    '',
    table(['variable', 'default', 'must be', 'meaning'], rows),
    '',
    '## Rules across variables',
    '',
    `- \`APPROVAL_TIMEOUT_SECONDS\` + \`MAX_GRANT_DURATION_SECONDS\` must be at most ${thousands(
      MAX_EXECUTION_SECONDS - STEPS_ALLOWANCE_SECONDS,
    )} s: one Step Functions Standard execution lasts at most ${thousands(MAX_EXECUTION_SECONDS)} s (one year), and`,
    `  ${thousands(STEPS_ALLOWANCE_SECONDS)} s of that are kept for planning, applying, verifying and revoking. Otherwise the configuration is refused.`,
    '- A secret is given either as its value or as the name of an SSM parameter: `SLACK_SIGNING_SECRET` or',
    '  `SLACK_SIGNING_SECRET_PARAMETER`, `SLACK_BOT_TOKEN` or `SLACK_BOT_TOKEN_PARAMETER`; the value wins when both are set.',
    '',
    '## IAM_USER_MAPPING=tag in big accounts: the IAM user index',
    '',
    "- Finding the IAM user tagged `SlackUserId=<U…>` needs every user's tags (IAM has no search by tag), so the",
    '  bot keeps an index, Slack user id → IAM user name, per AWS account, in the requests table under keys',
    '  `iamuser#<account>#<U…>` (`src/aws/user-index-store.ts`; the roles may write only those keys and attributes).',
    '- **Only `refreshUserIndex` scans** (`ListUsers`, then `ListUserTags` per user: about one IAM call per user).',
    '  It runs every minute, one at a time, and scans an account when a miss asked for it since its last scan, or',
    '  when its last scan is an hour old; otherwise it reads two items per account and stops. The slack function',
    '  never lists IAM users.',
    '- **Every account of `ACCOUNTS`:** each has its own index (keys carry the account id), so the same Slack id',
    '  may be a different IAM user in the hub and in `prod`. The refresh scans the hub with its own role and each',
    "  member account through the member stack's role `codebuild-access-<stage>-member-refreshUserIndex`",
    '  (session `index-refresh`; `iam:ListUsers` and `iam:ListUserTags` only). Due accounts are scanned one at',
    `  a time, the hub first, then the one waiting longest; a tick starts no scan with less than ${MIN_SCAN_TIME_MS / 1000} s of its`,
    '  5 minutes left, and the accounts it leaves are still due a minute later. A member without the member',
    '  stack (or whose trust does not name this hub) is logged each tick with the account and what to deploy,',
    '  and the other accounts are still scanned; mentions there answer "not indexed yet" until it is deployed.',
    "- **Hit:** one DynamoDB read and one `iam:GetUser`, which returns the user's tags: the entry is used only if",
    '  the user still carries the tag. A mention, a click and a grant cost the same at 100 or 10,000 users',
    '  ([performance.md](performance.md)).',
    '- **Miss or stale entry** (a new tag, a tag moved, a user deleted): the entry is dropped, a re-scan is asked',
    '  for (one conditional write, at most once per `IAM_USER_INDEX_RESCAN_SECONDS` per account, or again as soon',
    '  as a scan has served the last request), and the person is told at once that the account is being re-indexed,',
    '  when it was last indexed, and to try again in a minute or two. A miss makes no IAM call, whatever the size',
    "  of the account, so it always answers within Slack's 3 s.",
    '- **Two IAM users with one tag:** the index keeps both names (up to 5), each is confirmed by `GetUser`, and a',
    '  mention is refused naming them; the bot never picks one.',
    "- **Self-approval** of a change to an IAM user never relies on the index: the target user's own tag is read",
    "  (`GetUser`) and compared with the clicker's Slack id. For a group of at most 100 members, each member's tag",
    "  is read the same way (a tag added since the last scan counts); for a bigger group, the clicker's index entry",
    '  (confirmed by its tag) is compared with the members, and a clicker the index does not know is refused.',
    '- **Caching:** `SLACK_CACHE_SECONDS` (per warm slack function instance) covers user group members and IAM',
    '  name → ARN and group member reads; never the tag check, "not found", or an error.',
    '',
    '## Read by libraries, not by src/config.ts',
    '',
    table(['variable', 'default', 'meaning'], LIBRARY_VARIABLES),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------
// docs/performance.md

interface BundleResult {
  bytes: number;
  /** The handler and the chunks it imports: what loads before its first answer (absent in older results). */
  startBytes?: number;
  gzipBytes: number;
  largest: [string, number][];
  forbidden: string[];
}
const calls = (byOperation: Record<string, number>): string =>
  Object.entries(byOperation)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');

/** "Calls per request vs account size" (bench/account-size.ts), when the results have it. */
function accountSizeSection(results: BenchResults): string[] {
  const rows = results.accountSize?.rows ?? [];
  if (rows.length === 0) return [];
  return [
    '### Calls per request vs account size',
    '',
    `An approved \`developer\` grant for a Slack mention (IAM_USER_MAPPING=tag) in sandbox accounts with ` +
      `${rows[0]?.groups.toLocaleString('en-US')} groups, IAM served over HTTP on loopback and counted there. ` +
      'The IAM user index is built first by the scheduled refreshUserIndex code; its scan grows with the ' +
      'account, and runs in the refreshUserIndex function (hourly, or the minute after a miss asks), never on the Slack path.',
    '',
    table(
      [
        'IAM users',
        'Slack path calls',
        'workflow calls',
        'Slack path',
        'workflow',
        'index refresh IAM calls',
        'outcome',
      ],
      rows.map((row) => [
        row.users.toLocaleString('en-US'),
        String(row.slackPathCalls),
        String(row.workflowCalls),
        calls(row.slackPath),
        calls(row.workflow),
        row.indexRefreshIamCalls.toLocaleString('en-US'),
        row.outcome,
      ]),
    ),
    '',
  ];
}

/** "Ack under latency" and the slack bundle's bytes by package, when the results have them (issue 13). */
function latencySection(results: BenchResults): string[] {
  const latency = results.ackLatency;
  if (!latency) return [];
  return [
    '### Ack under realistic latency',
    '',
    `The deployed slack bundle, with ${latency.awsDelayMs} ms added to every AWS call (IAM and Step Functions ` +
      'answered late by `bench/lib/loopback-aws.ts`, DynamoDB behind a delaying proxy, and the secrets ' +
      `extension's first read of each parameter) and ${latency.slackDelayMs} ms to every Slack call, answers ` +
      `\`${latency.command}\` for a mention among ${thousands(latency.users)} IAM users (IAM_USER_MAPPING=tag). The ` +
      'IAM user index is **warm**: built first, off the clock, by the refreshUserIndex code, as its hourly run ' +
      `keeps it. ${latency.rounds} fresh processes: require, read both secrets, answer the first command (cold); ` +
      `then ${latency.warmRequestsPerRound} more commands each on the warm handler.`,
    '',
    table(
      ['what', 'samples', 'median / p50', 'p99', 'max', 'AWS + Slack calls per ack'],
      [
        [
          'cold: require + both secrets + first command',
          String(latency.cold.length),
          `**${ms(latency.coldMedianMs)}** (init ${ms(median(latency.cold.map((c) => c.initMs)))}, first ${ms(
            median(latency.cold.map((c) => c.firstMs)),
          )})`,
          '—',
          ms(latency.coldMaxMs),
          '',
        ],
        [
          'warm: the next commands, same process',
          thousands(latency.warm.requests),
          ms(latency.warm.p50Ms),
          `**${ms(latency.warm.p99Ms)}**`,
          ms(latency.warm.maxMs),
          String(latency.calls.perAck),
        ],
      ],
    ),
    '',
    `Calls over the run: AWS (IAM, Step Functions) ${thousands(latency.calls.aws)}, DynamoDB ${thousands(
      latency.calls.dynamodb,
    )}, Slack ${thousands(latency.calls.slack)}, secrets extension ${latency.calls.secretsExtension} ` +
      '(two per process: each secret is read once per container).',
    '',
  ];
}

/** Every package (and our own folders) in the slack bundle with the bytes it adds. */
function slackBytesSection(results: BenchResults): string[] {
  const parts = results.slackBundleByPackage;
  if (!parts) return [];
  const total = bundle(results, 'slack').bytes;
  const shown = parts.filter(([, bytes]) => bytes >= 1000);
  const rest = parts.filter(([, bytes]) => bytes < 1000);
  const restBytes = rest.reduce((sum, [, bytes]) => sum + bytes, 0);
  return [
    '### What each kilobyte of the slack bundle is for',
    '',
    `From esbuild's metafile (bytes each input adds to the minified output), by package or our own folder; ${thousands(
      total,
    )} bytes in all.`,
    '',
    table(
      ['package or folder', 'bytes', 'share'],
      [
        ...shown.map(([name, bytes]) => [name, thousands(bytes), `${((bytes / total) * 100).toFixed(1)} %`]),
        [
          `${rest.length} more under 1 KB each`,
          thousands(restBytes),
          `${((restBytes / total) * 100).toFixed(1)} %`,
        ],
      ],
    ),
    '',
    'Measured one at a time on this branch, slack bundle bytes before → after each change:',
    '',
    table(
      ['change', 'slack bundle', 'kept behaviour'],
      [
        [
          'secrets through the Parameters and Secrets Lambda Extension (`src/aws/secrets.ts`), no SSM client nor Powertools Parameters',
          '977,774 → 879,741',
          'same parameter names, permission and 5 min cache (`SSM_PARAMETER_STORE_TTL`); values in env (local mode, tests) unchanged',
        ],
        [
          "the credential chain Lambda uses (environment, then the container endpoint; `src/stubs/lambda-credentials.ts`) in place of the SDK's default chain and its STS/SSO clients",
          '879,741 → 756,448',
          'Lambda always sets the role credentials in the environment; tests and local mode keep the full chain',
        ],
        [
          "zod's mini build (`zod/mini`, English messages) for the slack path's config and rules file",
          '757,954 → 687,079',
          'same checks, defaults and messages: docs/configuration.md renders identically from the schema',
        ],
        [
          "Bolt's `App` and `AwsLambdaReceiver` from their own modules, not Bolt's index (every receiver, Assistant); App's two default receivers and @smithy/core's event streams as throwing stand-ins (the `lambda-only-modules` plugin in `esbuild.config.js`)",
          '737,730 → 667,712',
          'the Lambda always gives Bolt its AwsLambdaReceiver, and no client of ours has an event-stream operation; test/infra/bundle.test.ts answers a signed command from the built bundle',
        ],
        ['KMS off the slack path', 'already absent', 'the slack function makes no KMS call'],
        [
          'the AWS SDK clients and the gateways over them in a chunk the slack function loads on its first port call (`src/slack-ports.ts`; built as ES modules with splitting, then turned into CommonJS: the `lazy-chunks` plugin)',
          '673,470 → 687,120 in all; 339,715 loaded at start',
          '`help`, a usage error or a refused request answer without the chunk; the first command that calls AWS loads it, so a cold AWS command is no faster (it compiles the chunk in the request instead of at init; the grant row above). test/infra/bundle.test.ts and packaged-artifacts.test.ts run both from the built and the packaged bundle',
        ],
      ],
    ),
    '',
  ];
}

/** The parts of bench/results.json (bench/main.ts) that the page shows. */
export interface BenchResults {
  generatedAt: string;
  command: string;
  environment: { node: string; platform: string; arch: string; cpus: number; loadAverage?: number };
  options: { rounds: number; requests: number; warmup: number };
  durationSeconds: number;
  bundles: Record<string, BundleResult>;
  cold: ColdResult[];
  networkAtImportOfTaskBundles: Record<string, NetworkAttempt[]>;
  warm: { results: LatencyResult[]; store: string };
  cost: { flows: FlowCost[]; timeBound: { command: string; pending: string } | null };
  /** Calls per request vs account size; absent in results written before issue 13. */
  accountSize?: { rows: AccountSizeRow[] };
  /** Ack under latency and the slack bundle by package; absent in results written before them. */
  ackLatency?: AckLatencyResult;
  slackBundleByPackage?: [string, number][];
  targets: { target: string; value: string; met: boolean }[];
}

const ms = (value: number): string => `${value} ms`;
const kb = (bytes: number): string => `${Math.round(bytes / 1000)} KB`;
const mb = (bytes: number): string => `${(bytes / 1_000_000).toFixed(2)} MB`;

const cold = (results: BenchResults, id: string): ColdResult => {
  const found = results.cold.find((entry) => entry.id === id);
  if (!found) throw new Error(`gen-docs: bench/results.json has no cold result "${id}"`);
  return found;
};

const bundle = (results: BenchResults, name: string): BundleResult => {
  const found = results.bundles[name];
  if (!found) throw new Error(`gen-docs: bench/results.json has no bundle "${name}"`);
  return found;
};

const largestOf = (entry: BundleResult, module: string): number =>
  entry.largest.find(([name]) => name === module)?.[1] ?? Number.NaN;

const network = (events: readonly NetworkAttempt[]): string =>
  events.length === 0 ? 'none' : events.map((event) => `${event.kind} ${event.target}`).join(', ');

export function renderPerformance(results: BenchResults): string {
  // The reference is the faster way to run the typical app, as bench/main.ts takes it for the target.
  const typical = [cold(results, 'typical-bundle'), cold(results, 'typical-node-modules')].sort(
    (a, b) => a.totalMs - b.totalMs,
  )[0]!;
  const slackBundle = bundle(results, 'slack');
  const typicalBundle = bundle(results, 'typical-app');
  const taskNames = Object.keys(results.networkAtImportOfTaskBundles);
  const taskBytes = taskNames.map((name) => bundle(results, name).bytes);
  const grantAck = results.cost.flows[0]?.phases[0];
  const { environment: env, options } = results;

  const coldRows = results.cold.map((entry) => [
    entry.label,
    ms(entry.initMs),
    ms(entry.firstMs),
    `**${ms(entry.totalMs)}**`,
    entry.id === typical.id ? '1 ×' : `${(entry.totalMs / typical.totalMs).toFixed(2)} ×`,
    String(entry.modulesLoaded),
    network(entry.networkAtImport),
  ]);
  const warmRows = results.warm.results.map((entry) => [
    entry.path,
    thousands(entry.requests),
    ms(entry.p50Ms),
    `**${ms(entry.p99Ms)}**`,
    ms(entry.maxMs),
    ms(entry.meanMs),
  ]);
  const bundleRows = Object.entries(results.bundles).map(([name, entry]) => [
    name,
    thousands(entry.bytes),
    thousands(entry.startBytes ?? entry.bytes),
    thousands(entry.gzipBytes),
    entry.forbidden.length === 0 ? 'none' : entry.forbidden.join(', '),
    entry.largest
      .slice(0, 3)
      .map(([module, bytes]) => `${module} ${kb(bytes)}`)
      .join(', '),
  ]);
  const flowRows = results.cost.flows.map((flow) => [
    flow.flow,
    `\`${flow.command}\``,
    flow.outcome,
    String(flow.stateTransitions),
    String(flow.lambdaInvocations),
    String(flow.awsCalls),
    String(flow.slackCalls),
    String(flow.retries),
  ]);
  const phaseRows = results.cost.flows.flatMap((flow) =>
    flow.phases.map((phase) => [flow.flow, phase.phase, String(phase.awsCalls), String(phase.slackCalls)]),
  );
  const taskNetwork = taskNames.map((name) => [
    name,
    network(results.networkAtImportOfTaskBundles[name] ?? []),
  ]);

  return [
    GENERATED_NOTE('bench/results.json'),
    '# Performance',
    '',
    BACK_LINK,
    '',
    '```',
    `npm run bench            # ~${Math.round(results.durationSeconds)} s on ${env.cpus} cores; \`npm run bench -- --quick\` for a 10 s smoke run`,
    `${REGENERATE_COMMAND}             # then re-renders this page from bench/results.json`,
    '```',
    '',
    'The bench builds every function with `esbuild.config.js`, the same file serverless-esbuild deploys with,',
    'so the bundles it measures are byte for byte the deployed ones. Every figure is measured in the same run',
    "as two references: a **typical Bolt app** (`bench/typical-app/`: Bolt's deploy-aws-lambda example plus",
    'the five SDK clients, run from node_modules as the example deploys it and as one esbuild bundle built with',
    'our options minus the three that make our bundles lean: the aliases, the "module" field preference and the',
    'plugins) and the **floor** (`bench/floor/`: an HMAC check on `node:crypto`). Ratios are to the faster way',
    'of running the typical app. It prints the table and writes',
    '`bench/results.json`, from which this page is rendered.',
    '',
    `## Latest run`,
    '',
    `${results.generatedAt.slice(0, 10)}, node ${env.node} on ${env.platform}/${env.arch}, ${env.cpus} CPUs, ` +
      `${results.durationSeconds} s; ${options.rounds} cold processes per figure, ${thousands(options.requests)} warm ` +
      `requests per path after ${thousands(options.warmup)} warm-up.` +
      (env.loadAverage === undefined
        ? ''
        : ` The machine is shared: its 1-minute load average was ${env.loadAverage} on ${env.cpus} CPUs during ` +
          'the latency measurement, so absolute times are inflated; the ratios to the references, measured in ' +
          'the same run, are not.'),
    '',
    table(
      ['target', 'measured', 'met'],
      results.targets.map((entry) => [entry.target, entry.value, entry.met ? 'yes' : '**no**']),
    ),
    '',
    `### Cold load (require + first response), median of ${options.rounds} processes`,
    '',
    table(
      [
        'what',
        'init',
        'first response',
        'total',
        '× typical app (the faster way)',
        'modules loaded',
        'network at import',
      ],
      coldRows,
    ),
    '',
    `### Warm acks in one process (store: ${results.warm.store})`,
    '',
    table(['path', 'requests', 'p50', 'p99', 'max', 'mean'], warmRows),
    '',
    '### Bundles, minified',
    '',
    'Bytes are every file of the function (its zip); *at start* is the handler and the chunks it imports, which',
    'load before its first answer. The slack function loads the rest, the AWS SDK and the gateways over it, on the',
    "first port call (`src/slack-ports.ts`; esbuild.config.js's `lazy-chunks`).",
    '',
    table(
      ['bundle', 'bytes', 'at start', 'gzip bytes', 'forbidden modules found', 'largest modules'],
      bundleRows,
    ),
    '',
    `Task bundles: ${kb(Math.min(...taskBytes))}–${kb(Math.max(...taskBytes))}. Network at import of the task bundles:`,
    '',
    table(['bundle', 'network at import'], taskNetwork),
    '',
    '### Cost of one request (the real ASL, task code, loopback AWS and Slack)',
    '',
    table(
      [
        'flow',
        'command',
        'outcome',
        'state transitions',
        'Lambda invokes',
        'AWS calls',
        'Slack calls',
        'retries',
      ],
      flowRows,
    ),
    '',
    ...(results.cost.timeBound
      ? [`Not measured: \`${results.cost.timeBound.command}\` (${results.cost.timeBound.pending}).`, '']
      : []),
    table(['flow', 'phase', 'AWS calls', 'Slack calls'], phaseRows),
    '',
    ...accountSizeSection(results),
    ...latencySection(results),
    ...slackBytesSection(results),
    '## How the slack function gets there',
    '',
    "- Bolt's index loads every receiver (and with them Express, raw-body, OAuth and Socket Mode: about 1.3 MB)",
    '  for a Lambda that only ever runs AwsLambdaReceiver. The Lambda build resolves our `@slack/bolt` imports',
    "  to `src/stubs/slack-bolt-lambda.ts` (App and AwsLambdaReceiver from their own modules), and App's two",
    '  default receivers to a stand-in that throws if built (`esbuild.config.js`, plugin `lambda-only-modules`).',
    `- SDK clients are bundled from their ES-module builds, so only the commands we use are kept (IAM ${kb(
      largestOf(typicalBundle, '@aws-sdk/client-iam'),
    )} in the typical app → ${kb(largestOf(slackBundle, '@aws-sdk/client-iam'))}). zod is imported as a namespace, which drops its`,
    `  40 locales (about 470 KB → 100 KB), and the slack path uses its mini build (${kb(largestOf(slackBundle, 'zod'))}).`,
    '- Secrets come through the Parameters and Secrets Lambda Extension over localhost, not an SSM client; the',
    "  credentials from the environment Lambda sets, not the SDK's whole default chain (see the table above).",
    '- Each task bundles only the clients its role allows (report and askApproval have no IAM client).',
    '- Bolt gets the bot token through `authorize`, so it never calls `auth.test`: given `token` with',
    '  `tokenVerificationEnabled: false` it called `auth.test` before *every* event, a Slack round trip',
    '  before each ack.',
    '- Nothing runs at import; clients are built on the first request.',
    '- The AWS SDK half of the slack bundle loads on the first port call, not with the handler. esbuild splits',
    '  code only in ES module output, so the build splits as ES modules and turns each file back into CommonJS',
    "  (`import()` becomes the chunk's `require()`); chunks are named after their function, which is how",
    '  serverless-esbuild packs them with that function alone; only the slack function splits. This shortens',
    '  the cold answers that need no AWS call; a cold command that calls AWS compiles the chunk in the request',
    '  instead, so it is no faster. (Before splitting, one CommonJS file had inlined',
    '  the `import()`: 0.96 → 1.12 MB, init 58 → 91 ms, so it was rejected then.)',
    '',
    `The slack bundle is ${mb(slackBundle.bytes)} against the typical app's ${mb(typicalBundle.bytes)}.`,
    '`test/infra/bundle.test.ts` holds these rules on every `npm test`: contents, size, no network at import,',
    'and a cold start of the slack bundle with a signed command.',
    '',
    '## Caveats',
    '',
    `- The bench runs on Node ${env.node.replace(/^v/, '').split('.')[0]} (Lambda runs 22).`,
    '- The loopback fakes answer in well under a millisecond, so real AWS and Slack latency comes on top' +
      (grantAck ? ` (a grant makes ${grantAck.awsCalls} AWS calls before its ack).` : '.'),
    '- A deployed cold start also starts the secrets extension (a Lambda layer) and the runtime itself, which',
    '  no local process measures; the extension reads each parameter from SSM once per container.',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------

export const ROOT = join(__dirname, '..');

export interface GeneratedDoc {
  /** Path from the repository root. */
  path: string;
  render: () => string;
}

export const GENERATED_DOCS: readonly GeneratedDoc[] = [
  { path: 'docs/configuration.md', render: renderConfiguration },
  {
    path: 'docs/performance.md',
    render: () =>
      renderPerformance(
        JSON.parse(readFileSync(join(ROOT, 'bench', 'results.json'), 'utf8')) as BenchResults,
      ),
  },
];

/** Writes every generated page; returns the paths written. */
export function writeGeneratedDocs(root: string = ROOT): string[] {
  return GENERATED_DOCS.map((doc) => {
    writeFileSync(join(root, doc.path), doc.render());
    return doc.path;
  });
}
