// `npm run docs`: compiles scripts/gen-docs.ts (which imports src/config.ts) with esbuild in memory, as
// bench/run.js does for the bench, and writes docs/configuration.md and docs/performance.md.

const path = require('node:path');
const Module = require('node:module');
const esbuild = require('esbuild');

const root = path.join(__dirname, '..');
const entry = path.join(__dirname, 'gen-docs.ts');

const { outputFiles } = esbuild.buildSync({
  absWorkingDir: root,
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  write: false,
  logLevel: 'warning',
});

const compiled = new Module(entry, module);
compiled.filename = entry;
compiled.paths = Module._nodeModulePaths(__dirname);
compiled._compile(outputFiles[0].text, entry);

for (const written of compiled.exports.writeGeneratedDocs(root)) console.log(`wrote ${written}`);
