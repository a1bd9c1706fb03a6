import { ACCOUNT_NAME, type AccountDirectory, resolveAccount } from '../domain/accounts';
import type { Command, InAccount, TargetRef } from '../domain/command';
import { DEFAULTS } from '../domain/defaults';
import { formatDuration } from '../domain/duration';
import { UsageError } from '../domain/errors';
import { IAM_GROUP_NAME, IAM_ROLE_NAME, IAM_USER_NAME } from '../domain/iam-names';
import { REQUEST_ID_PATTERN } from '../domain/request';
import { ALL_TIERS, type Tier } from '../domain/tiers';

/** The slash command, spelled once in code (the Slack app's configuration registers the same name). */
export const COMMAND_NAME = '/codebuild-access';

// Slack sends escaped mentions as <@U123ABC|name> (or <@U123ABC> without a name).
const SLACK_MENTION = /^<@([UW][A-Z0-9]{2,30})(?:\|([^>]{1,80}))?>$/;
const MAX_REASON_LENGTH = 300;

export const HELP_TEXT = [
  `*\`${COMMAND_NAME}\` asks for CodeBuild access in AWS; another person approves it here.*`,
  '',
  '`grant <target> <tier> [in <account>] [for <8h|30m|2d>] [because <reason>]`: attach the tier’s policies to an IAM user or group; with `for`, they are revoked automatically when the time is up.',
  '`revoke <target> <tier> [in <account>] [because <reason>]`: detach them (policies another held tier needs stay).',
  '`service-role create <RoleName> [--vpc] [--project-prefix PREFIX] [--regions R1,R2] [in <account>] [because <reason>]`: create the CodeBuild service role under /codebuild/ (trusted only by that account’s projects PREFIX* in those regions; default prefix: the role name, default region: the bot’s).',
  '`kms allow <key-id|alias/NAME|key ARN> <RoleName> [in <account>[/<region>]] [because <reason>]`: add the two CodeBuild statements to a KMS key policy (every existing statement stays).',
  '`kms create <alias/NAME> <RoleName> [in <account>[/<region>]] [because <reason>]`: create a KMS key for CodeBuild with those statements, and its alias.',
  '`cancel <REQ-…>`: cancel your own request while it waits for approval (nothing is applied).',
  '`relinquish <REQ-…>`: give a time-bound grant you hold (or asked for) up early; its access is removed at once (no approval needed).',
  '`extend <REQ-…> by <2h|30m|1d> [because <reason>]`: ask for more time on a time-bound grant you hold or asked for; approved like the grant, within its tier’s longest duration.',
  '`rules`: the rules per tier in effect (who may request and approve each tier, approvals, durations), marked for you.',
  '`verify <target> [in <account>]`: check now, without approval, that the target’s tiers work (IAM policy simulator + `codebuild:ListBuilds`); without `in`, in every account.',
  '`status <target> [in <account>]`: the target’s CodeBuild policies and pending requests; without `in`, in every account.',
  '`help`: this message. With no text at all, the command opens a request form.',
  '',
  '*Targets:* a Slack mention (`@alice`), `user:NAME` (an IAM user) or `group:NAME` (an IAM group).',
  '*Accounts:* `in <account>` picks the AWS account by its configured name (without it: the default account; `status` and `verify`: every account); kms commands also take the key’s region, `in prod/eu-west-1`.',
  '*Tiers:* `admin` (CodeBuild admin + S3 read-only + IAMFullAccess) and `custom` (the seed’s CodeBuildAccessPolicy, a managed policy of the bot’s stack) need two approvers; `developer` and `readonly` one (`rules` shows what is in effect).',
  '',
  '*Examples:*',
  `\`${COMMAND_NAME} grant @alice developer because on-call for the build pipeline\``,
  `\`${COMMAND_NAME} grant @alice developer in prod for 8h\``,
  `\`${COMMAND_NAME} grant group:qa readonly\``,
  `\`${COMMAND_NAME} revoke user:bob developer\``,
  `\`${COMMAND_NAME} grant group:builders custom\``,
  `\`${COMMAND_NAME} service-role create payments-build --vpc --project-prefix payments-\``,
  `\`${COMMAND_NAME} kms allow alias/codebuild-artifacts payments-build in prod/eu-west-1\``,
  `\`${COMMAND_NAME} verify @alice\``,
].join('\n');

const usage = (problem: string): UsageError =>
  new UsageError(`${problem}\nTry \`${COMMAND_NAME} help\` for the grammar and examples.`);

export interface ParseOptions {
  /** The longest time-bound grant allowed (`grant … for 8h`); config MAX_GRANT_DURATION. */
  maxDurationSeconds: number;
  /** The configured accounts: `in <account>` must name one. Absent: any well-formed name is kept. */
  accounts?: AccountDirectory;
}

export const DEFAULT_PARSE_OPTIONS: ParseOptions = { maxDurationSeconds: DEFAULTS.maxGrantDurationSeconds };

const DURATION = /^([1-9][0-9]{0,5})([mhd])$/;
const UNIT_SECONDS = { m: 60, h: 3600, d: 86_400 } as const;

/** "8h" -> seconds, or a UsageError; the maximum comes from config. */
export function parseDuration(word: string, maxSeconds: number): number {
  const match = DURATION.exec(word.toLowerCase());
  if (!match) {
    throw usage(`\`${truncate(word, 20)}\` is not a duration. Use a number and m, h or d, e.g. \`for 8h\`.`);
  }
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
  if (seconds > maxSeconds) {
    throw usage(
      `\`${word}\` is longer than the maximum of ${formatDuration(maxSeconds)} for a time-bound grant.`,
    );
  }
  return seconds;
}

export { formatDuration };

/** Turns slash-command text into a Command, or throws a UsageError that says what was wrong. */
export function parseCommand(text: string, options: ParseOptions = DEFAULT_PARSE_OPTIONS): Command {
  const normalized = text.replace(/\s+/g, ' ').trim();
  if (normalized === '' || normalized.toLowerCase() === 'help') {
    return { action: 'help' };
  }
  const [verbRaw = '', ...words] = normalized.split(' ');
  const verb = verbRaw.toLowerCase();
  const inAccount = (): { rest: string[]; where: InAccount } => takeAccount(verb, words, options);
  switch (verb) {
    case 'grant':
    case 'revoke': {
      const { rest, where } = inAccount();
      return { ...parseTierChange(verb, rest, options), ...where } as Command;
    }
    case 'service-role': {
      const { rest, where } = inAccount();
      return { ...parseServiceRole(rest), ...where } as Command;
    }
    case 'kms': {
      const { rest, where } = inAccount();
      return { ...parseKms(rest), ...where } as Command;
    }
    case 'verify':
    case 'status': {
      const { rest, where } = inAccount();
      return { ...parseInspect(verb, rest), ...where } as Command;
    }
    case 'rules': {
      const { rest, where } = inAccount();
      if (rest.length > 0) throw usage('`rules` takes only an account after it, e.g. `rules in prod`.');
      return { action: 'rules', ...where } as Command;
    }
    case 'cancel':
    case 'relinquish':
      return { action: verb, requestId: parseRequestId(verb, words) };
    case 'extend':
      return parseExtend(words, options);
    default:
      throw usage(
        `I don't know the command \`${truncate(verbRaw, 40)}\`. Use \`grant\`, \`revoke\`, \`service-role\`, ` +
          '`kms`, `verify`, `status`, `cancel`, `relinquish`, `extend`, `rules` or `help`.',
      );
  }
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * Takes `in <account>` (kms: `in <account>/<region>`) out of the words before `because`, checked against
 * the configured accounts; the rest goes to the command's own parser.
 */
function takeAccount(
  verb: string,
  words: string[],
  options: ParseOptions,
): { rest: string[]; where: InAccount } {
  const becauseAt = words.findIndex((word) => word.toLowerCase() === 'because');
  const headEnd = becauseAt === -1 ? words.length : becauseAt;
  const inAt = words.findIndex((word, i) => i < headEnd && word.toLowerCase() === 'in');
  if (inAt === -1) return { rest: words, where: {} };
  const value = words[inAt + 1];
  if (value === undefined || inAt + 1 >= headEnd) {
    throw usage('`in` must be followed by an account name, e.g. `in prod`.');
  }
  const rest = [...words.slice(0, inAt), ...words.slice(inAt + 2)];
  const [nameRaw = '', region, ...more] = value.split('/');
  const name = nameRaw.toLowerCase();
  if (!ACCOUNT_NAME.test(name) || more.length > 0) {
    throw usage(
      `\`${truncate(value, 40)}\` is not an account name (lower-case letters, digits and -), e.g. \`in prod\`.`,
    );
  }
  if (options.accounts) resolveAccount(options.accounts, name);
  if (region === undefined) return { rest, where: { account: name } };
  if (verb !== 'kms') {
    throw usage(`Only \`kms\` commands take a region (keys are regional); use \`in ${name}\`.`);
  }
  if (!REGION.test(region)) {
    throw usage(`\`${truncate(region, 30)}\` is not a region. Use e.g. \`in ${name}/eu-west-1\`.`);
  }
  return { rest, where: { account: name, region } };
}

function parseTierChange(verb: 'grant' | 'revoke', words: string[], options: ParseOptions): Command {
  const becauseAt = words.findIndex((word) => word.toLowerCase() === 'because');
  const head = becauseAt === -1 ? words : words.slice(0, becauseAt);
  const reason = becauseAt === -1 ? undefined : parseReason(words.slice(becauseAt + 1));
  const [targetWord, tierWord, ...extra] = head;
  if (targetWord === undefined || tierWord === undefined) {
    throw usage(`\`${verb}\` needs a target and a tier, e.g. \`${verb} @alice developer\`.`);
  }
  let durationSeconds: number | undefined;
  if (verb === 'grant' && extra[0]?.toLowerCase() === 'for') {
    if (extra[1] === undefined) throw usage('`for` must be followed by a duration, e.g. `for 8h`.');
    durationSeconds = parseDuration(extra[1], options.maxDurationSeconds);
    extra.splice(0, 2);
  }
  if (extra.length > 0) {
    throw usage(
      `I didn't expect \`${truncate(extra.join(' '), 60)}\` after the tier. ` +
        (verb === 'grant'
          ? 'A time limit is `for 8h`; a reason starts with `because`.'
          : 'A reason starts with `because`.'),
    );
  }
  const target = parseTarget(targetWord);
  const tier = parseTier(tierWord);
  return {
    action: verb,
    target,
    tier,
    ...(durationSeconds === undefined ? {} : { durationSeconds }),
    ...(reason === undefined ? {} : { reason }),
  } as Command;
}

/** Parses one target word: an escaped Slack mention, user:NAME or group:NAME. */
export function parseTarget(word: string): TargetRef {
  const mention = SLACK_MENTION.exec(word);
  if (mention) {
    const [, slackUserId = '', label] = mention;
    return label === undefined ? { kind: 'slack', slackUserId } : { kind: 'slack', slackUserId, label };
  }
  const colon = word.indexOf(':');
  const prefix = colon === -1 ? '' : word.slice(0, colon).toLowerCase();
  const name = word.slice(colon + 1);
  if (prefix === 'user') {
    if (!IAM_USER_NAME.test(name)) {
      throw usage(
        `\`${truncate(name, 70)}\` is not a valid IAM user name (1-64 of letters, digits and +=,.@_-).`,
      );
    }
    return { kind: 'user', name };
  }
  if (prefix === 'group') {
    if (!IAM_GROUP_NAME.test(name)) {
      throw usage(
        `\`${truncate(name, 70)}\` is not a valid IAM group name (1-128 of letters, digits and +=,.@_-).`,
      );
    }
    return { kind: 'group', name };
  }
  if (word.startsWith('@')) {
    throw usage(
      `\`${truncate(word, 40)}\` is not a Slack mention I can resolve. Pick the person from Slack's @ list, or name the IAM user with \`user:NAME\`.`,
    );
  }
  throw usage(
    `\`${truncate(word, 40)}\` is not a target. Use a Slack mention, \`user:NAME\` or \`group:NAME\`.`,
  );
}

function parseTier(word: string): Tier {
  const tier = word.toLowerCase();
  if ((ALL_TIERS as readonly string[]).includes(tier)) {
    return tier as Tier;
  }
  throw usage(
    `\`${truncate(word, 40)}\` is not a tier. Use \`admin\`, \`developer\`, \`readonly\` or \`custom\`.`,
  );
}

function parseReason(words: string[]): string {
  const reason = words.join(' ').trim();
  if (reason === '') {
    throw usage('`because` must be followed by a reason.');
  }
  if (reason.length > MAX_REASON_LENGTH) {
    throw usage(`The reason is ${reason.length} characters long; keep it under ${MAX_REASON_LENGTH}.`);
  }
  return reason;
}

/** `extend REQ-… by 2h`: the grant's id and how much longer (the tier's limit is checked later). */
function parseExtend(words: string[], options: ParseOptions): Command {
  const { head, reason } = splitReason(words);
  const [id, by, duration, ...extra] = head;
  if (id === undefined || by?.toLowerCase() !== 'by' || duration === undefined || extra.length > 0) {
    throw usage(
      '`extend` takes a request id and `by` a duration, e.g. `extend REQ-7K3QX9M2PA by 2h because the release slipped`.',
    );
  }
  return withReason(
    {
      action: 'extend',
      requestId: parseRequestId('extend', [id]),
      durationSeconds: parseDuration(duration, options.maxDurationSeconds),
    },
    reason,
  );
}

/** `cancel REQ-…` / `relinquish REQ-…` / `extend REQ-…`: one request id, as the ack and the card show it. */
function parseRequestId(verb: 'cancel' | 'relinquish' | 'extend', words: string[]): string {
  const [word, ...extra] = words;
  if (word === undefined || extra.length > 0) {
    throw usage(`\`${verb}\` takes one request id, e.g. \`${verb} REQ-7K3QX9M2PA\`.`);
  }
  const requestId = word.toUpperCase();
  if (!REQUEST_ID_PATTERN.test(requestId)) {
    throw usage(
      `\`${truncate(word, 40)}\` is not a request id: it looks like \`REQ-\` and 10 letters or digits, as in the answer to your request.`,
    );
  }
  return requestId;
}

const truncate = (value: string, max: number): string =>
  value.length > max ? `${value.slice(0, max - 1)}…` : value;

// CodeBuild project names; `*` or `?` would widen the trust policy's ArnLike condition.
const PROJECT_PREFIX = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/;
const KEY_ID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const KEY_ARN =
  /^arn:aws(?:-cn|-us-gov)?:kms:[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:(?:key\/[0-9a-z-]{36,36}|key\/mrk-[0-9a-f]{32}|alias\/[a-zA-Z0-9/_-]{1,250})$/;
const ALIAS = /^alias\/[a-zA-Z0-9/_-]{1,250}$/;

/** Splits off `because <reason>`: the words before it, and the reason. */
function splitReason(words: string[]): { head: string[]; reason?: string } {
  const becauseAt = words.findIndex((word) => word.toLowerCase() === 'because');
  if (becauseAt === -1) return { head: words };
  return { head: words.slice(0, becauseAt), reason: parseReason(words.slice(becauseAt + 1)) };
}

const withReason = <T extends object>(command: T, reason: string | undefined): T =>
  reason === undefined ? command : { ...command, reason };

function parseRoleName(word: string): string {
  if (!IAM_ROLE_NAME.test(word)) {
    throw usage(
      `\`${truncate(word, 70)}\` is not a valid IAM role name (1-64 of letters, digits and +=,.@_-).`,
    );
  }
  return word;
}

/** The value after `--project-prefix`: a CodeBuild project name prefix. */
function parseProjectPrefixValue(value: string | undefined): string {
  if (value === undefined || !PROJECT_PREFIX.test(value)) {
    throw usage(
      '`--project-prefix` needs a CodeBuild project name prefix: letters, digits, `-` and `_`, starting with a letter or digit (no `*`).',
    );
  }
  return value;
}

/** The value after `--regions`: comma-separated regions, each once. */
function parseRegionsValue(value: string | undefined): string[] {
  const regions = (value ?? '').split(',').filter((region) => region !== '');
  if (regions.length === 0 || regions.length > 10 || regions.some((region) => !REGION.test(region))) {
    throw usage(
      '`--regions` needs 1 to 10 regions separated by commas, e.g. `--regions us-east-1,eu-west-1`.',
    );
  }
  return [...new Set(regions)];
}

/** `[--vpc] [--project-prefix PREFIX] [--regions R1,R2]`, each at most once and nothing else. */
function parseServiceRoleFlags(flags: string[]): {
  vpc: boolean;
  projectPrefix?: string;
  regions?: string[];
} {
  let vpc = false;
  let projectPrefix: string | undefined;
  let regions: string[] | undefined;
  for (let i = 0; i < flags.length; i += 1) {
    const flag = (flags[i] ?? '').toLowerCase();
    if (flag === '--vpc' && !vpc) {
      vpc = true;
    } else if (flag === '--project-prefix' && projectPrefix === undefined) {
      projectPrefix = parseProjectPrefixValue(flags[i + 1]);
      i += 1;
    } else if (flag === '--regions' && regions === undefined) {
      regions = parseRegionsValue(flags[i + 1]);
      i += 1;
    } else {
      throw usage(
        `I didn't expect \`${truncate(flags[i] ?? '', 40)}\`. Options are \`--vpc\`, \`--project-prefix PREFIX\` and \`--regions R1,R2\`; an account is \`in NAME\`; a reason starts with \`because\`.`,
      );
    }
  }
  return {
    vpc,
    ...(projectPrefix === undefined ? {} : { projectPrefix }),
    ...(regions === undefined ? {} : { regions }),
  };
}

/** Without `--project-prefix`, the role name is the prefix, when it can be one. */
function roleNameAsPrefix(roleName: string): string {
  if (!PROJECT_PREFIX.test(roleName)) {
    throw usage(
      `The role name \`${roleName}\` cannot double as a project prefix; add \`--project-prefix PREFIX\` (the projects allowed to use the role).`,
    );
  }
  return roleName;
}

/** `service-role create <RoleName> [--vpc] [--project-prefix PREFIX] [because <reason>]` */
function parseServiceRole(words: string[]): Command {
  const { head, reason } = splitReason(words);
  const [sub, roleWord, ...flags] = head;
  if (sub?.toLowerCase() !== 'create' || roleWord === undefined) {
    throw usage(
      'Use `service-role create <RoleName> [--vpc] [--project-prefix PREFIX] [--regions R1,R2] [in <account>]`.',
    );
  }
  const roleName = parseRoleName(roleWord);
  const { vpc, projectPrefix = roleNameAsPrefix(roleName), regions } = parseServiceRoleFlags(flags);
  return withReason(
    { action: 'service-role' as const, roleName, vpc, projectPrefix, ...(regions ? { regions } : {}) },
    reason,
  );
}

function parseKeyRef(word: string): string {
  if (KEY_ID.test(word) || KEY_ARN.test(word) || ALIAS.test(word)) return word;
  throw usage(`\`${truncate(word, 80)}\` is not a KMS key. Use its key id, its key ARN or \`alias/NAME\`.`);
}

function parseAlias(word: string): string {
  const alias = word.startsWith('alias/') ? word : `alias/${word}`;
  if (!ALIAS.test(alias) || alias.startsWith('alias/aws/')) {
    throw usage(
      `\`${truncate(word, 80)}\` is not an alias I can create: use \`alias/NAME\` with letters, digits, \`/\`, \`_\` and \`-\` (not alias/aws/…).`,
    );
  }
  return alias;
}

/** `kms allow <key> <RoleName>` and `kms create <alias> <RoleName>`, each with an optional reason. */
function parseKms(words: string[]): Command {
  const { head, reason } = splitReason(words);
  const [subRaw, keyWord, roleWord, ...extra] = head;
  const sub = subRaw?.toLowerCase();
  if ((sub !== 'allow' && sub !== 'create') || keyWord === undefined || roleWord === undefined) {
    throw usage(
      'Use `kms allow <key-id|alias/NAME|key ARN> <RoleName>` or `kms create <alias/NAME> <RoleName>`.',
    );
  }
  if (extra.length > 0) {
    throw usage(
      `I didn't expect \`${truncate(extra.join(' '), 60)}\` after the role name. A reason starts with \`because\`.`,
    );
  }
  const roleName = parseRoleName(roleWord);
  return sub === 'allow'
    ? withReason({ action: 'kms-allow' as const, key: parseKeyRef(keyWord), roleName }, reason)
    : withReason({ action: 'kms-create' as const, alias: parseAlias(keyWord), roleName }, reason);
}

/** `verify <target>` and `status <target>`: read-only, so no reason. */
function parseInspect(verb: 'verify' | 'status', words: string[]): Command {
  const [targetWord, ...extra] = words;
  if (targetWord === undefined || extra.length > 0) {
    throw usage(`\`${verb}\` takes one target, e.g. \`${verb} @alice\` or \`${verb} group:qa\`.`);
  }
  return { action: verb, target: parseTarget(targetWord) };
}
