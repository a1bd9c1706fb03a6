// The "typical app" reference of `npm run bench`: a Bolt app on Lambda the way Bolt's own example
// builds it (slackapi/bolt-js, examples/deploy-aws-lambda/app.js: App and AwsLambdaReceiver created at
// module scope, processBeforeResponse, the receiver started inside the handler; Serverless deploys it
// with node_modules and no bundler), plus the five AWS SDK clients this bot needs, created at module
// scope as such apps usually do. bench/ runs it as deployed (node_modules) and as one esbuild bundle.
// Two changes, marked BENCH, keep it on loopback and give it the same command as ours.

const { App, AwsLambdaReceiver } = require('@slack/bolt');
const { CodeBuildClient } = require('@aws-sdk/client-codebuild');
const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
const { IAMClient } = require('@aws-sdk/client-iam');
const { KMSClient } = require('@aws-sdk/client-kms');
const { SFNClient } = require('@aws-sdk/client-sfn');

const clients = {
  iam: new IAMClient({}),
  kms: new KMSClient({}),
  sfn: new SFNClient({}),
  codebuild: new CodeBuildClient({}),
  dynamodb: new DynamoDBClient({}),
};

const awsLambdaReceiver = new AwsLambdaReceiver({
  signingSecret: process.env.SLACK_SIGNING_SECRET,
});

const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  receiver: awsLambdaReceiver,
  processBeforeResponse: true,
  // BENCH: the Slack Web API is the loopback fake; the example talks to slack.com.
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
});

// BENCH: the example listens to messages; this answers our slash command, as our `help` does.
app.command('/codebuild-access', async ({ ack }) => {
  await ack({ response_type: 'ephemeral', text: 'Usage: /codebuild-access grant|revoke|help' });
});

module.exports.clients = clients;
module.exports.handler = async (event, context, callback) => {
  const handler = await awsLambdaReceiver.start();
  return handler(event, context, callback);
};
