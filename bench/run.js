// `npm run bench`: builds the benchmark (bench/*.ts, which imports src/ and test/helpers/) with esbuild
// into bench/out/, then runs bench/main.ts. Options: --quick, --rounds N, --requests N, --warmup N.

const path = require('node:path');
const esbuild = require('esbuild');

const root = path.join(__dirname, '..');

esbuild.buildSync({
  absWorkingDir: root,
  entryPoints: {
    main: 'bench/main.ts',
    warm: 'bench/warm.ts',
    cost: 'bench/cost.ts',
    'account-size': 'bench/account-size.ts',
    'ack-latency': 'bench/ack-latency.ts',
  },
  outdir: path.join(__dirname, 'out'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Dependencies load from node_modules as they do under jest; only our TypeScript is compiled.
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});

require('./out/main.js')
  .main(process.argv.slice(2))
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
