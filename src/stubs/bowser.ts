import { notBundled } from './not-bundled';

// @aws-sdk/core's browser user-agent provider parses `navigator.userAgent` with bowser, loaded by a
// dynamic import that runs only in a browser; in Node the SDK builds its user agent without it. Split
// into chunks (esbuild.config.js, lazy-chunks), that import would still ship bowser (47 KB) as a chunk
// nothing loads, so the Lambda bundles resolve it here.
export const parse = notBundled('bowser');
