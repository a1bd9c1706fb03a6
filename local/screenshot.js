#!/usr/bin/env node
// `npm run screenshot`: bundles local/screenshot.ts (local/bundle.js), then writes
// docs/local-workspace.png (the README's picture). The only thing that writes that file.

const path = require('node:path');
const { bundleAndLoad, run } = require('./bundle');

run(async () => {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  const written = await (await bundleAndLoad('local/screenshot.ts', 'screenshot')).takeScreenshot();
  console.log(`Wrote ${path.relative(process.cwd(), written)}`);
});
