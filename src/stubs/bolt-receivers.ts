import { notBundled } from './not-bundled';

// Bolt's App builds an HTTPReceiver or a SocketModeReceiver only when it is given no receiver; the Lambda
// always gives it AwsLambdaReceiver (src/handlers/slack.ts). esbuild.config.js resolves App's two imports
// here for the Lambda bundles; App's `instanceof` check on them only runs in Socket Mode.
export default notBundled('@slack/bolt HTTPReceiver and SocketModeReceiver');
