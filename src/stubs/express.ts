import { notBundled } from './not-bundled';

// Bolt's ExpressReceiver calls express() and express.Router(); the Lambda uses AwsLambdaReceiver.
export const Router = notBundled('express');
export default notBundled('express');
