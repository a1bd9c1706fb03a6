// zod's mini build, with only its English messages (what `zod` itself loads): the same checks and messages
// at 32 KB instead of 100 KB, since this file is on the slack function's path (docs/performance.md).
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { parseAccessRules } from './access-rules-file';
import { type AccessRules, defaultAccessRules } from './domain/access-rules';
import {
  ACCOUNT_NAME,
  type AccountDirectory,
  type AccountSetup,
  accountContextIn,
  accountNames,
} from './domain/accounts';
import { DEFAULTS } from './domain/defaults';
import type { AccountContext } from './domain/plans';

/**
 * Every environment variable the bot reads, in one place, validated once. A missing or malformed
 * value fails fast with the variable's name, at the first invocation rather than at import.
 */

z.config(en());

/** A comma list: split, each item normalized, empty items dropped, then each checked by `item`. */
const commaList = (normalize: (item: string) => string, item: z.ZodMiniType<string, string>) =>
  z.pipe(
    z.pipe(
      z._default(z.string(), ''),
      z.transform((value: string) =>
        value
          .split(',')
          .map(normalize)
          .filter((entry) => entry !== ''),
      ),
    ),
    z.array(item),
  );

const slackUserIdList = commaList(
  (id) => id.trim(),
  z.string().check(z.regex(/^[UW][A-Z0-9]{2,30}$/, 'each id must look like U0123ABCD')),
);

const optionalText = z.pipe(
  z.optional(z.string()),
  z.transform((value: string | undefined) =>
    value === undefined || value.trim() === '' ? undefined : value.trim(),
  ),
);

/** The environment the bot reads. Its `.check(z.describe())` texts are rendered into docs/configuration.md (`npm run docs`). */
export const EnvSchema = z.object({
  REQUESTS_TABLE: z
    .string()
    .check(z.minLength(1))
    .check(
      z.describe(
        'The DynamoDB table of requests (key `requestId`, index `byTarget`; defined in `src/aws/requests-table.json`).',
      ),
    ),
  AUDIT_CHANNEL_ID: z
    .string()
    .check(z.regex(/^[CG][A-Z0-9]{2,30}$/, 'must be a Slack channel id like C0123ABCD'))
    .check(z.describe('The channel where approval cards and audit threads go.')),
  SLACK_SIGNING_SECRET: optionalText.check(
    z.describe(
      'The Slack signing secret itself (local runs, tests). The slack function needs it or its _PARAMETER.',
    ),
  ),
  SLACK_SIGNING_SECRET_PARAMETER: optionalText.check(
    z.describe(
      'The name of an SSM SecureString parameter holding the signing secret, read at runtime and cached 5 min.',
    ),
  ),
  SLACK_BOT_TOKEN: optionalText.check(z.describe('The `xoxb-` bot token itself (local runs, tests).')),
  SLACK_BOT_TOKEN_PARAMETER: optionalText.check(
    z.describe(
      'The name of an SSM SecureString parameter holding the bot token, read at runtime and cached 5 min.',
    ),
  ),
  PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: z
    ._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(65535)), 2773)
    .check(
      z.describe(
        'The port of the AWS Parameters and Secrets Lambda Extension (a layer in serverless.yml), which reads ' +
          'the _PARAMETER secrets; its own default is 2773.',
      ),
    ),
  AWS_SESSION_TOKEN: optionalText.check(
    z.describe(
      "Set by Lambda: the function's session token, which the secrets extension requires in a header. Never logged.",
    ),
  ),
  SLACK_API_URL: z
    .pipe(optionalText, z.optional(z.url()))
    .check(
      z.describe("Override of the Slack Web API base URL (local mode, tests); unset means Slack's own."),
    ),
  SLACK_TEAM_ID: optionalText.check(
    z.describe('When set, commands and clicks from another Slack workspace are refused.'),
  ),
  SLACK_APP_ID: optionalText.check(
    z.describe('When set, commands and clicks from another Slack app are refused.'),
  ),
  STATE_MACHINE_ARN: optionalText.check(z.describe('The workflow the slack function starts.')),
  APPROVER_USER_IDS: slackUserIdList.check(
    z.describe(
      'Comma list of Slack user ids who may approve; empty approves nobody (unless APPROVER_USERGROUP_ID is set).',
    ),
  ),
  IAM_USER_MAPPING: z
    ._default(z.enum(['email', 'tag']), 'email')
    .check(
      z.describe(
        'How a Slack user (a mention or a clicker) becomes an IAM user: `email` (the IAM user is named as the ' +
          'Slack email; only the part before the @ at IAM_USER_EMAIL_DOMAINS) or `tag` (the IAM user tagged ' +
          '`SlackUserId=<U…>`).',
      ),
    ),
  IAM_USER_INDEX_RESCAN_SECONDS: z
    ._default(z.coerce.number().check(z.int(), z.minimum(0), z.maximum(86_400)), 60)
    .check(
      z.describe(
        'IAM_USER_MAPPING=tag: a Slack user missing from the IAM user index (or whose entry IAM no longer ' +
          'confirms) asks the refreshUserIndex function for a re-scan of the account at most once per this many ' +
          'seconds (default 60); the slack function itself never scans. The refresh runs every minute and scans each ' +
          'account of ACCOUNTS (a member through its refreshUserIndex member role) when asked, or hourly. Every ' +
          'entry is confirmed by GetUser before it is used.',
      ),
    ),
  SLACK_CACHE_SECONDS: z
    ._default(z.coerce.number().check(z.int(), z.minimum(0), z.maximum(3600)), 60)
    .check(
      z.describe(
        'How long one warm slack function instance keeps the members of an approver or rules user group ' +
          "(usergroups.users.list) and IAM reads on the Slack path (a user or group name -> ARN, a group's " +
          'members), default 60 s: a removal takes effect within it. Never cached: "not found", errors, and ' +
          'the tag check behind the IAM user index. 0 turns caching off.',
      ),
    ),
  IAM_USER_EMAIL_DOMAINS: commaList(
    (domain) => domain.trim().toLowerCase(),
    z
      .string()
      .check(
        z.regex(
          /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
          'each must be a domain like example.com (no @)',
        ),
      ),
  ).check(
    z.describe(
      'Comma list of email domains (case-insensitive) whose addresses map to an IAM user by the part before ' +
        'the @ (`alice@example.com` → `alice`); any other email must equal an IAM user name exactly. Empty ' +
        'means exact names only. List only domains whose addresses you control.',
    ),
  ),
  APPROVAL_TIMEOUT_SECONDS: z
    ._default(
      z.coerce.number().check(z.int(), z.minimum(1), z.maximum(31_536_000)),
      DEFAULTS.approvalTimeoutSeconds,
    )
    .check(z.describe('How long a request waits for approval before it expires (default 1 day).')),
  MAX_GRANT_DURATION_SECONDS: z
    ._default(
      z.coerce.number().check(z.int(), z.minimum(60), z.maximum(31_536_000)),
      DEFAULTS.maxGrantDurationSeconds,
    )
    .check(
      z.describe(
        'The longest `grant … for <duration>`; longer requests are refused when parsed (default 7 days).',
      ),
    ),
  GRANT_REMINDER_SECONDS: z
    ._default(
      z.coerce.number().check(z.int(), z.minimum(0), z.maximum(31_536_000)),
      DEFAULTS.grantReminderSeconds,
    )
    .check(
      z.describe(
        'How long before a time-bound grant ends the requester is reminded in the thread (default 1 hour); ' +
          'never more than the last quarter of the grant, so a 1h grant is reminded 15 min before its end.',
      ),
    ),
  APPROVER_REMINDER_SECONDS: z
    ._default(
      z.coerce.number().check(z.int(), z.minimum(60), z.maximum(31_536_000)),
      DEFAULTS.approverReminderSeconds,
    )
    .check(
      z.describe(
        'How long a request waits for approval before its approvers get one reminder by direct message ' +
          '(default 4 hours; the remindApprovers function checks every 15 minutes).',
      ),
    ),
  APPROVER_USERGROUP_ID: z
    .pipe(
      optionalText,
      z.optional(z.string().check(z.regex(/^S[A-Z0-9]{2,30}$/, 'must look like S0123ABCD'))),
    )
    .check(
      z.describe(
        'A Slack user group whose members may approve too, besides APPROVER_USER_IDS. Looked up at each click ' +
          '(cached SLACK_CACHE_SECONDS); if Slack cannot answer, the click is refused.',
      ),
    ),
  AWS_ACCOUNT_ID: z
    .pipe(optionalText, z.optional(z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit account id'))))
    .check(
      z.describe(
        'The account the bot works in (trust conditions, ARNs); service-role and kms commands need it. ' +
          'serverless.yml sets it from `AWS::AccountId` (no AWS call at package time).',
      ),
    ),
  STAGE: z
    ._default(
      z.string().check(z.regex(/^[A-Za-z0-9-]{1,20}$/, 'must be 1 to 20 letters, digits or dashes')),
      'dev',
    )
    .check(
      z.describe(
        "The deployment stage (serverless.yml sets it): the stack's managed policies and the bot's own roles " +
          'carry it in their names (`src/domain/plans/account.ts`).',
      ),
    ),
  AWS_REGION: z
    .pipe(
      optionalText,
      z.optional(z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be a region like us-east-1'))),
    )
    .check(z.describe('The region. Set by Lambda itself; local runs set it by hand.')),
  KMS_KEY_ARNS: commaList(
    (arn) => arn.trim(),
    z
      .string()
      .check(z.regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]+$/, 'each must be a KMS key ARN')),
  ).check(
    z.describe(
      "Optional allowlist of keys `kms allow` may change; empty means any key the bot's role may touch " +
        '(IAM also requires the key tag `codebuild-access=<stage>`, e.g. `codebuild-access=prod` for the prod stage).',
    ),
  ),
  PERMISSIONS_BOUNDARY_ARN: z
    .pipe(
      optionalText,
      z.optional(
        z
          .string()
          .check(z.regex(/^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/\S+$/, 'must be a managed policy ARN')),
      ),
    )
    .check(
      z.describe(
        'The boundary every service role the bot creates gets (default: the one the stack creates); the ' +
          "bot's role may create roles only with it.",
      ),
    ),
  ACCOUNTS: commaList(
    (pair) => pair.trim(),
    z
      .string()
      .check(
        z.regex(
          /^[a-z][a-z0-9-]{0,31}=\d{12}$/,
          'each must be name=123456789012 (a lower-case name of letters, digits and -, then a 12-digit account id)',
        ),
      ),
  ).check(
    z.describe(
      'The member accounts the bot works in besides its own, as comma-separated `name=123456789012` pairs ' +
        '(e.g. `dev=111111111111,prod=222222222222`); a command picks one with `in <name>`. Each needs the ' +
        'member stack `deploy/member-account.yml` ([deploy.md](deploy.md)). The hub is always there too.',
    ),
  ),
  DEFAULT_ACCOUNT: z
    .pipe(
      optionalText,
      z.optional(z.string().check(z.regex(ACCOUNT_NAME, 'must be an account name like prod'))),
    )
    .check(
      z.describe(
        'The account a command without `in <account>` works in: the hub or a name of ACCOUNTS (default: the hub).',
      ),
    ),
  HUB_ACCOUNT_NAME: z
    ._default(
      z
        .string()
        .check(z.regex(ACCOUNT_NAME, 'must be a lower-case name of letters, digits and - (e.g. hub)')),
      'hub',
    )
    .check(
      z.describe(
        'The name of the account the bot is deployed in (AWS_ACCOUNT_ID), as `in <account>` spells it.',
      ),
    ),
  // Not trimmed: the line numbers in a validation error must be the file's own.
  ACCESS_RULES: z
    .pipe(
      z.optional(z.string()),
      z.transform((value: string | undefined) =>
        value === undefined || value.trim() === '' ? undefined : value,
      ),
    )
    .check(
      z.describe(
        'The text of `access-rules.yml` (rules per tier, [docs/rules.md](rules.md)); serverless.yml loads the file ' +
          'into it at deploy. Validated at start: a mistake names its line. Unset means the built-in defaults.',
      ),
    ),
});

export interface SecretRef {
  /** The value itself (local runs and tests). */
  value?: string;
  /** An SSM SecureString parameter name, read at runtime and cached. */
  parameter?: string;
  /** Where the Parameters and Secrets Lambda Extension reads `parameter`. */
  extension?: { port: number; sessionToken?: string };
}

export interface Config {
  requestsTable: string;
  auditChannelId: string;
  /** Only the slack function needs it; see requireSecret. */
  signingSecret?: SecretRef;
  botToken?: SecretRef;
  slackApiUrl?: string;
  slackTeamId?: string;
  slackAppId?: string;
  stateMachineArn?: string;
  approverUserIds: string[];
  iamUserMapping: 'email' | 'tag';
  /** IAM_USER_EMAIL_DOMAINS, lower case. */
  iamUserEmailDomains: string[];
  /** IAM_USER_INDEX_RESCAN_SECONDS: at most one re-scan of the IAM users per account within it. */
  iamUserIndexRescanSeconds: number;
  /** SLACK_CACHE_SECONDS: how long the slack function keeps user group members and IAM reads. */
  slackCacheSeconds: number;
  approvalTimeoutSeconds: number;
  maxGrantDurationSeconds: number;
  grantReminderSeconds: number;
  approverReminderSeconds: number;
  approverUsergroupId?: string;
  /** AWS_ACCOUNT_ID; needed by service-role and kms commands (trust conditions, ARNs). */
  accountId?: string;
  /** AWS_REGION. */
  region?: string;
  /** STAGE: names the stack's managed policies and the bot's roles. */
  stage: string;
  kmsKeyArns: string[];
  permissionsBoundaryArn?: string;
  /** ACCESS_RULES, validated: the rules per tier (docs/rules.md). */
  accessRules: AccessRules;
  /** ACCOUNTS, DEFAULT_ACCOUNT and HUB_ACCOUNT_NAME: the accounts `in <account>` may name. */
  accounts: AccountDirectory;
}

/** A Step Functions Standard execution lasts at most one year. */
export const MAX_EXECUTION_SECONDS = 31_536_000;
/** Kept out of that year for the states around the two waits (their retries last minutes). */
export const STEPS_ALLOWANCE_SECONDS = 86_400;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads and validates process.env (or the given env) into a typed Config. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const longest = e.APPROVAL_TIMEOUT_SECONDS + e.MAX_GRANT_DURATION_SECONDS;
  if (longest > MAX_EXECUTION_SECONDS - STEPS_ALLOWANCE_SECONDS) {
    throw new ConfigError(
      `Invalid configuration: APPROVAL_TIMEOUT_SECONDS (${e.APPROVAL_TIMEOUT_SECONDS}) + MAX_GRANT_DURATION_SECONDS ` +
        `(${e.MAX_GRANT_DURATION_SECONDS}) = ${longest} s, longer than one workflow run can last: a Step Functions ` +
        `Standard execution ends after one year (${MAX_EXECUTION_SECONDS} s), and ${STEPS_ALLOWANCE_SECONDS} s of ` +
        'that are kept for planning, applying, verifying and revoking. Lower one of them.',
    );
  }
  const accounts = accountDirectory(e.ACCOUNTS, e.DEFAULT_ACCOUNT, e.HUB_ACCOUNT_NAME, e.AWS_ACCOUNT_ID);
  const secret = (value: string | undefined, parameter: string | undefined): SecretRef | undefined => {
    if (value !== undefined) return { value };
    if (parameter === undefined) return undefined;
    const extension = {
      port: e.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT,
      ...(e.AWS_SESSION_TOKEN ? { sessionToken: e.AWS_SESSION_TOKEN } : {}),
    };
    return { parameter, extension };
  };
  return {
    requestsTable: e.REQUESTS_TABLE,
    auditChannelId: e.AUDIT_CHANNEL_ID,
    signingSecret: secret(e.SLACK_SIGNING_SECRET, e.SLACK_SIGNING_SECRET_PARAMETER),
    botToken: secret(e.SLACK_BOT_TOKEN, e.SLACK_BOT_TOKEN_PARAMETER),
    slackApiUrl: e.SLACK_API_URL,
    slackTeamId: e.SLACK_TEAM_ID,
    slackAppId: e.SLACK_APP_ID,
    stateMachineArn: e.STATE_MACHINE_ARN,
    approverUserIds: e.APPROVER_USER_IDS,
    iamUserMapping: e.IAM_USER_MAPPING,
    iamUserEmailDomains: e.IAM_USER_EMAIL_DOMAINS,
    iamUserIndexRescanSeconds: e.IAM_USER_INDEX_RESCAN_SECONDS,
    slackCacheSeconds: e.SLACK_CACHE_SECONDS,
    approvalTimeoutSeconds: e.APPROVAL_TIMEOUT_SECONDS,
    maxGrantDurationSeconds: e.MAX_GRANT_DURATION_SECONDS,
    grantReminderSeconds: e.GRANT_REMINDER_SECONDS,
    approverReminderSeconds: e.APPROVER_REMINDER_SECONDS,
    approverUsergroupId: e.APPROVER_USERGROUP_ID,
    accountId: e.AWS_ACCOUNT_ID,
    region: e.AWS_REGION,
    stage: e.STAGE,
    kmsKeyArns: e.KMS_KEY_ARNS,
    permissionsBoundaryArn: e.PERMISSIONS_BOUNDARY_ARN,
    accessRules:
      e.ACCESS_RULES === undefined
        ? defaultAccessRules()
        : parseAccessRules(e.ACCESS_RULES, e.MAX_GRANT_DURATION_SECONDS, {
            names: accountNames(accounts),
            defaultName: accounts.defaultName,
          }),
    accounts,
  };
}

/** ACCOUNTS pairs into a directory: names unique, none the hub's, the default one of them. */
function accountDirectory(
  pairs: string[],
  defaultName: string | undefined,
  hubName: string,
  hubId: string | undefined,
): AccountDirectory {
  const members: Record<string, string> = {};
  for (const pair of pairs) {
    const [name = '', id = ''] = pair.split('=');
    if (name === hubName || Object.hasOwn(members, name)) {
      throw new ConfigError(
        `Invalid configuration: ACCOUNTS: the name \`${name}\` is given twice (the hub is \`${hubName}\`, HUB_ACCOUNT_NAME)`,
      );
    }
    members[name] = id;
  }
  if (hubId !== undefined && Object.values(members).includes(hubId)) {
    throw new ConfigError(
      `Invalid configuration: ACCOUNTS: ${hubId} is the hub's own account (AWS_ACCOUNT_ID); it is always there as \`${hubName}\``,
    );
  }
  const chosen = defaultName ?? hubName;
  if (chosen !== hubName && !Object.hasOwn(members, chosen)) {
    throw new ConfigError(
      `Invalid configuration: DEFAULT_ACCOUNT: \`${chosen}\` is not an account; use ${[hubName, ...Object.keys(members)].join(', ')}`,
    );
  }
  return { hubName, ...(hubId === undefined ? {} : { hubId }), members, defaultName: chosen };
}

/** The secret reference, or a ConfigError naming both variables that could provide it. */
export function requireSecret(ref: SecretRef | undefined, name: string): SecretRef {
  if (ref === undefined) {
    throw new ConfigError(`Invalid configuration: set ${name} or ${name}_PARAMETER`);
  }
  return ref;
}

/** The account id, region and setup options, when config names the account; see AccountContext. */
export function accountContext(config: Config): AccountContext | undefined {
  const setup = accountSetup(config);
  if (config.accountId === undefined || setup === undefined) return undefined;
  // The hub is an account like the others: one rule for the ARNs of every account (accountContextIn).
  return accountContextIn(setup, { name: config.accounts.hubName, id: config.accountId });
}

/**
 * What every account's ARNs follow from (AccountSetup), when config names the hub's region: the slack
 * function's deferred ports and every account access built in wiring.ts take it from here.
 */
export function accountSetup(config: Config): AccountSetup | undefined {
  if (config.region === undefined) return undefined;
  return {
    directory: config.accounts,
    region: config.region,
    stage: config.stage,
    kmsKeyArns: config.kmsKeyArns,
    ...(config.permissionsBoundaryArn ? { permissionsBoundaryArn: config.permissionsBoundaryArn } : {}),
  };
}
