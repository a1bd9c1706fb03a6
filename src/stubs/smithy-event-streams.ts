import { notBundled } from './not-bundled';

// @smithy/core loads its event-stream support (~16 KB) with a dynamic import that runs only for an
// operation with an event-stream member; none of the bot's clients (IAM, KMS, STS, DynamoDB, Step
// Functions, CodeBuild) has one. esbuild.config.js resolves that import here for the Lambda bundles.
export const EventStreamSerde = notBundled('@smithy/core/event-streams');
export const eventStreamSerdeProvider = notBundled('@smithy/core/event-streams');
