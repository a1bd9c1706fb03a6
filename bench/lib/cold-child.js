// One cold start, in a fresh `node` process: require() a Lambda bundle, then call its handler once with
// the event in BENCH_EVENT. Prints one JSON line: init (require) and first response times, the
// response, and every network connection or DNS lookup attempted in each phase. Plain JavaScript with
// no imports beyond node:*, so that nothing but the bundle itself is loaded before the clock starts.
// Used by bench/lib/cold.ts and test/infra/bundle.test.ts. With BENCH_MORE_EVENTS (a JSON file of events),
// the same warm handler then answers each of them in turn, and warmMs holds their times (bench/ack-latency.ts).
// loadedFiles names the files of the bundle's folder loaded by the end: the handler and the chunks it used.

const dns = require('node:dns');
const net = require('node:net');
const { performance } = require('node:perf_hooks');

const bundlePath = process.argv[2];
const event = JSON.parse(process.env.BENCH_EVENT ?? 'null');

let phase = 'import';
const network = [];
const record = (kind, target) => network.push({ phase, kind, target });

// fetch (undici), http, https and the AWS SDK all open sockets through net.Socket#connect.
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function benchConnect(...args) {
  const [first] = args;
  const options = Array.isArray(first) ? first[0] : first;
  const target =
    typeof options === 'object' && options !== null
      ? `${options.host ?? options.path ?? 'localhost'}:${options.port ?? ''}`
      : `${String(args[1] ?? 'localhost')}:${String(first)}`;
  record('connect', target);
  return connect.apply(this, args);
};
const lookup = dns.lookup;
dns.lookup = function benchLookup(hostname, ...rest) {
  record('dns', String(hostname));
  return lookup.call(this, hostname, ...rest);
};
const promisesLookup = dns.promises.lookup;
dns.promises.lookup = function benchPromisesLookup(hostname, ...rest) {
  record('dns', String(hostname));
  return promisesLookup.call(this, hostname, ...rest);
};

async function main() {
  const modulesBefore = Object.keys(require.cache).length;
  const t0 = performance.now();
  const mod = require(bundlePath);
  const initMs = performance.now() - t0;
  const modulesLoaded = Object.keys(require.cache).length - modulesBefore;
  // Work an import starts but does not finish (a pending promise, e.g. Bolt's auth.test) opens its socket
  // a tick later; it still counts as network at import. These two ticks are in neither figure.
  for (let tick = 0; tick < 2; tick += 1) await new Promise((resolve) => setImmediate(resolve));
  phase = 'first-response';
  let response;
  let firstMs;
  if (event !== null) {
    const context = {
      functionName: 'bench',
      awsRequestId: 'bench-request',
      getRemainingTimeInMillis: () => 10_000,
    };
    const t1 = performance.now();
    // Bolt's example handler takes (event, context, callback); ours ignores the callback.
    response = await mod.handler(event, context, () => undefined);
    firstMs = performance.now() - t1;
  }
  phase = 'warm';
  const warmMs = [];
  const warmResponses = [];
  const more = process.env.BENCH_MORE_EVENTS
    ? JSON.parse(require('node:fs').readFileSync(process.env.BENCH_MORE_EVENTS, 'utf8'))
    : [];
  for (const [index, next] of more.entries()) {
    const context = {
      functionName: 'bench',
      awsRequestId: `bench-request-${index}`,
      getRemainingTimeInMillis: () => 10_000,
    };
    const t = performance.now();
    const answer = await mod.handler(next, context, () => undefined);
    warmMs.push(performance.now() - t);
    warmResponses.push(answer);
  }
  phase = 'after';
  const warm = more.length ? { warmMs, warmResponses } : {};
  // The files of the bundle's folder that were loaded by now: its handler and the chunks it needed.
  const folder = require('node:path').dirname(bundlePath);
  const loadedFiles = Object.keys(require.cache)
    .filter((file) => require('node:path').dirname(file) === folder)
    .map((file) => require('node:path').basename(file))
    .sort();
  process.stdout.write(
    `${JSON.stringify({ initMs, firstMs, modulesLoaded, loadedFiles, response, network, ...warm })}\n`,
  );
}

main().then(
  // A bundle may keep sockets or timers alive (keep-alive agents, Bolt's auth.test); the sample is done.
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
