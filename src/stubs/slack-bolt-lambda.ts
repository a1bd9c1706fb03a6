/**
 * `@slack/bolt` as the slack Lambda sees it: the three things src imports from it at run time, each from
 * its own module. Bolt's index loads every receiver, Assistant and the HTTP helpers (~30 KB the Lambda
 * never runs); esbuild.config.js points the Lambda bundles' `@slack/bolt` here, and tests and local mode
 * load the real index. A new runtime import from '@slack/bolt' fails the Lambda build until it is added
 * here, which is the point: each one is a choice about the cold start.
 */
export { default as App, LogLevel } from '@slack/bolt/dist/App';
export { default as AwsLambdaReceiver } from '@slack/bolt/dist/receivers/AwsLambdaReceiver';
