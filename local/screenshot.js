#!/usr/bin/env node
// `npm run screenshot`: bundles local/screenshot.ts like local/start.js bundles local mode, then
// writes docs/local-workspace.png (the README's picture). The only thing that writes that file.

const path = require('node:path');

const root = path.resolve(__dirname, '..');
const outfile = path.join(root, '.local', 'build', 'screenshot.js');

async function main() {
  const { build } = require('esbuild');
  await build({
    entryPoints: [path.join(root, 'local', 'screenshot.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
  process.setSourceMapsEnabled(true);
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  const written = await require(outfile).takeScreenshot();
  console.log(`Wrote ${path.relative(process.cwd(), written)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
