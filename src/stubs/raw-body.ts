import { notBundled } from './not-bundled';

// Bolt's HTTPReceiver and ExpressReceiver read request bodies with it; AwsLambdaReceiver gets the body
// in the event.
export default notBundled('raw-body');
