// Bundles one TypeScript entry point of ours (packages stay in node_modules) with esbuild into
// .local/build/<name>.js and loads it. No ts-node, no compile step to remember; esbuild takes ~0.1 s.
// Used by `npm start` (local/start.js) and `npm run screenshot` (local/screenshot.js).

const path = require('node:path');

const root = path.resolve(__dirname, '..');

/** Bundles `entry` (relative to the repository root) and returns the loaded module. */
async function bundleAndLoad(entry, name) {
  const outfile = path.join(root, '.local', 'build', `${name}.js`);
  const { build } = require('esbuild');
  await build({
    entryPoints: [path.join(root, entry)],
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
  return require(outfile);
}

/** Runs `main`, printing any error and exiting non-zero. */
function run(main) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

module.exports = { bundleAndLoad, run };
