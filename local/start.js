#!/usr/bin/env node
// `npm start`: bundles src/local/main.ts (local/bundle.js), then runs the local bot.

const { bundleAndLoad, run } = require('./bundle');

run(async () => {
  const local = await bundleAndLoad('src/local/main.ts', 'main');
  await local.runCli(process.argv.slice(2));
});
