/**
 * Stand-ins for packages that Bolt requires when it loads, but only uses in receivers the Lambda never
 * builds (Express, HTTP, Socket Mode, OAuth). esbuild.config.js aliases those packages here for the
 * Lambda bundles only; tests and local mode load the real ones. Calling a stub is a bundling bug.
 */
export class NotBundledError extends Error {
  override readonly name = 'NotBundledError';
}

/** A function (also usable with `new`) that throws NotBundledError naming the missing package. */
export function notBundled(pkg: string): (...args: unknown[]) => never {
  return function notBundledStub(): never {
    throw new NotBundledError(
      `${pkg} is not in the Lambda bundle (esbuild.config.js aliases it to a stub): ` +
        'only AwsLambdaReceiver works there',
    );
  };
}
