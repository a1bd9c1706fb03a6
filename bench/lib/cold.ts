import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createRequestsTable, startDynalite } from '../../test/helpers/dynalite';
import { LocalSlack } from '../../test/helpers/local-slack';
import { slashCommandEvent } from '../../test/helpers/signed-event';
import { ROOT } from './bundles';
import { startLoopbackAws } from './loopback-aws';
import { median, round } from './stats';

const run = promisify(execFile);

export const BENCH_SECRET = 'bench-signing-secret-0123456789abcdef';
export const BENCH_BOT_TOKEN = 'xoxb-bench-token';
const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:111122223333:stateMachine:access-request';
const CHILD = join(ROOT, 'bench', 'lib', 'cold-child.js');

export interface ColdVariant {
  id: string;
  label: string;
  bundle: string;
  /** The slash command text sent once per process. */
  text: string;
  /** Environment beyond the shared one (loopback endpoints, fixed credentials). */
  env: Record<string, string>;
  /** A problem with the response, or undefined when it is the expected answer. */
  check(response: { statusCode?: number; body?: string } | undefined): string | undefined;
}

export interface NetworkAttempt {
  phase: string;
  kind: string;
  target: string;
}

export interface ChildResult {
  initMs: number;
  firstMs: number;
  modulesLoaded: number;
  /** The files of the bundle's folder loaded by the end: the handler and the chunks it used. */
  loadedFiles: string[];
  response?: { statusCode?: number; body?: string };
  network: NetworkAttempt[];
}

export interface ColdResult {
  id: string;
  label: string;
  samples: number;
  initMs: number;
  firstMs: number;
  /** Median of init + first response of the same process. */
  totalMs: number;
  initSamples: number[];
  firstSamples: number[];
  modulesLoaded: number;
  /** Connections and DNS lookups during require(), from the first sample (they repeat in every one). */
  networkAtImport: NetworkAttempt[];
  networkAtFirstResponse: NetworkAttempt[];
}

export interface ColdFakes {
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Loopback Slack, DynamoDB (dynalite), IAM (the sandbox account) and Step Functions for the cold-start children. */
export async function startColdFakes(): Promise<ColdFakes> {
  const [slack, dynalite, aws] = await Promise.all([
    LocalSlack.start({ botToken: BENCH_BOT_TOKEN }),
    startDynalite(),
    startLoopbackAws(),
  ]);
  await createRequestsTable(dynalite.endpoint, 'requests');
  return {
    env: {
      SLACK_API_URL: slack.url,
      AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
      AWS_ENDPOINT_URL_IAM: aws.endpoint,
      AWS_ENDPOINT_URL_SFN: aws.endpoint,
    },
    async stop() {
      await Promise.all([slack.stop(), dynalite.stop(), aws.stop()]);
    },
  };
}

/** The environment every cold child gets: no real credentials, and every other AWS endpoint dead. */
export function baseChildEnv(fakes: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_EC2_METADATA_DISABLED: 'true',
    // Any service without a fake goes to a port nobody listens on (connection refused), never to AWS.
    AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
    AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    SLACK_SIGNING_SECRET: BENCH_SECRET,
    SLACK_BOT_TOKEN: BENCH_BOT_TOKEN,
    ...fakes,
  };
}

/** Our slack function's variables (secrets directly in env, so no SSM). */
export const SLACK_FUNCTION_ENV: Record<string, string> = {
  REQUESTS_TABLE: 'requests',
  AUDIT_CHANNEL_ID: 'C0AUDIT',
  STATE_MACHINE_ARN,
  APPROVER_USER_IDS: 'U0APPROVER1,U0APPROVER2',
  APPROVAL_TIMEOUT_SECONDS: '86400',
  // Every function gets these from serverless.yml (provider environment); apply checks plans against them.
  AWS_ACCOUNT_ID: '111122223333',
  AWS_REGION: 'us-east-1',
  STAGE: 'dev',
};

/** One fresh `node` process: require the bundle, then answer one signed slash command (if text is given). */
export async function coldSample(
  bundle: string,
  text: string | undefined,
  env: Record<string, string>,
): Promise<ChildResult> {
  const event = text === undefined ? null : slashCommandEvent({ secret: BENCH_SECRET, text });
  const { stdout } = await run(process.execPath, [CHILD, bundle], {
    env: { ...env, BENCH_EVENT: JSON.stringify(event) },
    maxBuffer: 16 * 1024 * 1024,
  });
  // Structured logs come first; the child's result is the last line.
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as ChildResult;
}

/**
 * Interleaves the variants (one process of each per round, in a rotating order) so that machine noise
 * falls on all of them alike, and reports medians.
 */
export async function measureCold(variants: ColdVariant[], rounds: number, baseEnv: Record<string, string>) {
  const samples = new Map<string, ChildResult[]>(variants.map((v) => [v.id, []]));
  for (let roundIndex = 0; roundIndex < rounds; roundIndex += 1) {
    const order = variants.map((_, i) => variants[(i + roundIndex) % variants.length]!);
    for (const variant of order) {
      const result = await coldSample(variant.bundle, variant.text, { ...baseEnv, ...variant.env });
      const problem = variant.check(result.response);
      if (problem !== undefined) {
        throw new Error(
          `${variant.label}: unexpected response (${problem}): ${JSON.stringify(result.response)}`,
        );
      }
      samples.get(variant.id)!.push(result);
    }
  }
  return variants.map((variant): ColdResult => {
    const results = samples.get(variant.id)!;
    const initSamples = results.map((r) => r.initMs);
    const firstSamples = results.map((r) => r.firstMs);
    const first = results[0]!;
    return {
      id: variant.id,
      label: variant.label,
      samples: results.length,
      initMs: round(median(initSamples)),
      firstMs: round(median(firstSamples)),
      totalMs: round(median(results.map((r) => r.initMs + r.firstMs))),
      initSamples: initSamples.map((v) => round(v, 2)),
      firstSamples: firstSamples.map((v) => round(v, 2)),
      modulesLoaded: first.modulesLoaded,
      networkAtImport: first.network.filter((n) => n.phase === 'import'),
      networkAtFirstResponse: first.network.filter((n) => n.phase === 'first-response'),
    };
  });
}

const bodyOf = (response: { body?: string } | undefined): string => response?.body ?? '';

/** Expected answers: a 200 whose body shows the command was understood. */
export const expect200With =
  (needle: string) =>
  (response: { statusCode?: number; body?: string } | undefined): string | undefined => {
    if (response?.statusCode !== 200) return `status ${response?.statusCode}`;
    return bodyOf(response).includes(needle) ? undefined : `body lacks ${JSON.stringify(needle)}`;
  };
