import { emailUserNames } from '../domain/resolve-target';
import { SLASH_COMMAND } from '../slack/ids';
import type { ModeInfo } from './http/server';
import type { ResumePlan } from './resume';
import type { SandboxAccount } from './sandbox/account';
import type { AccountSummary } from './sandbox/local-organization';
import type { WorkspaceFixture } from './workspace/fixture';

/** What local mode prints at start-up: what runs where, where state is kept, who can do what. */

export interface StartupInfo {
  url: string;
  mode: ModeInfo;
  stateDir: string;
  signingSecret: string;
  fixture?: WorkspaceFixture;
  fixturePath?: string;
  /** The hub's sandbox account, and with a sandbox organization every account. */
  sandbox?: { account: SandboxAccount; path: string; accounts?: AccountSummary[] };
  realAws?: { region: string; accessKeyHint: string };
  approverIds: string[];
  /** IAM_USER_EMAIL_DOMAINS, for the IAM user shown next to each person. */
  iamUserEmailDomains: readonly string[];
  auditChannelId: string;
  resumed: ResumePlan[];
  fastWaitSeconds: number | undefined;
}

const pad = (text: string, width: number): string => text.padEnd(width);

/** The IAM user a Slack profile email maps to (IAM_USER_MAPPING=email), as resolveTarget maps it. */
export function iamUserFor(
  email: string | undefined,
  account: SandboxAccount | undefined,
  domains: readonly string[],
): string | undefined {
  if (!email || !account) return undefined;
  for (const name of emailUserNames(email, domains)) {
    const user = account.findUser(name);
    if (user) return user.name;
  }
  return undefined;
}

/** The start-up banner. */
export function describeStartup(info: StartupInfo, seconds: number): string {
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`  ${pad(label, 16)}${value}`);
  lines.push('', `codebuild-access local mode is up (${seconds.toFixed(1)} s)`, '');
  for (const [label, value] of slackRows(info)) row(label, value);
  for (const [label, value] of awsRows(info)) row(label, value);
  row('DynamoDB', `dynalite, table "requests" in ${info.stateDir}/dynamodb/`);
  row(
    'Workflow',
    `src/workflows/access-request.asl.json on aws-local-stepfunctions; Wait states ${
      info.fastWaitSeconds ? `shortened to ${info.fastWaitSeconds} s (--fast)` : 'in real time'
    }`,
  );
  if (info.mode.slack === 'local') row('Workspace', `${info.stateDir}/workspace.json (messages, threads)`);
  if (info.resumed.length > 0) {
    row(
      'Resumed',
      info.resumed.map((plan) => `${plan.requestId} (${plan.status.replace('_', ' ')})`).join(', '),
    );
  }

  if (info.fixture) lines.push(...describePeople(info, info.fixture));
  lines.push('', `  Ctrl-C stops everything. State stays in ${info.stateDir}/; delete it to start over.`, '');
  return lines.join('\n');
}

/** The fixture's people, who approves, and a first request to try. */
function describePeople(info: StartupInfo, fixture: NonNullable<StartupInfo['fixture']>): string[] {
  const lines: string[] = [];
  lines.push('', `  People (${info.fixturePath ?? 'fixture'}):`);
  for (const user of fixture.users) {
    const iamUser = iamUserFor(user.email, info.sandbox?.account, info.iamUserEmailDomains);
    lines.push(
      `    ${pad(`@${user.name}`, 9)}${pad(user.realName, 14)}${pad(user.title, 19)}${
        user.approver ? 'approver' : pad('member', 8)
      }${iamUser ? `  -> IAM user ${iamUser}` : ''}`,
    );
  }
  const approvers = fixture.users
    .filter((user) => info.approverIds.includes(user.id))
    .map((user) => `@${user.name}`);
  const audit = fixture.channels.find((channel) => channel.id === info.auditChannelId);
  lines.push(
    '',
    `  Approvers: ${approvers.join(', ') || 'nobody'}. Cards go to #${audit?.name ?? info.auditChannelId}.`,
    `  Try it: pick @alice, type  ${SLASH_COMMAND} grant @alice developer because first build`,
    `  then pick @${fixture.users.find((user) => user.approver)?.name ?? 'an approver'}, open #${audit?.name ?? 'the audit channel'} and click Approve.`,
  );
  const deployed = (info.sandbox?.accounts ?? []).filter(
    (summary) => !summary.hub && summary.memberStack === 'deployed',
  );
  const member = deployed.find((summary) => summary.name === 'prod') ?? deployed[deployed.length - 1];
  if (member) {
    lines.push(
      `  In another account: ${SLASH_COMMAND} grant @alice developer in ${member.name} because release`,
    );
  }
  return lines;
}

type Row = [label: string, value: string];

/** "prod     444455556666  member stack deployed" (the hub: where the bot is). */
function accountRow(summary: AccountSummary): string {
  const what = summary.hub
    ? 'hub: the bot is deployed here'
    : summary.memberStack === 'deployed'
      ? 'member stack deployed'
      : `NO member stack (${summary.memberStack}): the bot's AssumeRole is refused`;
  return `${pad(summary.name, 9)}${summary.accountId}  ${what}${summary.default ? ' (the default account)' : ''}`;
}

/** Where Slack is: the local workspace page and its bot endpoint, or a real workspace over Socket Mode. */
function slackRows(info: StartupInfo): Row[] {
  if (info.mode.slack !== 'local') {
    return [
      ['Slack', 'your workspace, over Socket Mode (SLACK_APP_TOKEN); no public URL needed'],
      ['Debug', `${info.url}/local/requests`],
    ];
  }
  return [
    ['Slack', `${info.url}   local workspace: open it in your browser`],
    ['Bot endpoint', `${info.url}/slack/events   (the slack Lambda's handler, behind its signature check)`],
    ['Signing secret', `${info.signingSecret}   (new at every start; the page signs with it)`],
  ];
}

/** Where AWS is: the sandbox account, or real AWS with the key it will use. */
function awsRows(info: StartupInfo): Row[] {
  if (info.sandbox) {
    const { account, path } = info.sandbox;
    const members = (info.sandbox.accounts ?? []).filter((summary) => !summary.hub);
    if (members.length === 0) {
      return [
        ['AWS', `sandbox account ${account.accountId} (${account.region}), nothing leaves this machine`],
        ['', `state ${path}; view it at ${info.url}/local/sandbox`],
      ];
    }
    return [
      ['AWS', `sandbox organization in ${account.region}, nothing leaves this machine`],
      ...(info.sandbox.accounts ?? []).map((summary): Row => ['', accountRow(summary)]),
      ['', `state ${path} and sandbox-accounts/; view it at ${info.url}/local/sandbox`],
    ];
  }
  if (info.realAws) {
    return [
      [
        'AWS',
        `REAL AWS in ${info.realAws.region} (default credential chain, key ${info.realAws.accessKeyHint})`,
      ],
    ];
  }
  return [];
}
