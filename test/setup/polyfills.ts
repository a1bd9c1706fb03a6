// aws-local-stepfunctions 3 calls Promise.withResolvers, which Node 20 lacks; local mode needs it too.
import '../../src/local/polyfills';

// Tests talk to loopback only: no real AWS credentials or region lookups.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
// Structured logs are asserted where they matter; elsewhere they would drown the test output.
process.env.POWERTOOLS_LOG_LEVEL ??= 'CRITICAL';
// Lambda runs Node 22; the SDK's warning about this machine's Node 20 is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
