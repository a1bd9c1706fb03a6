import type { Command, TargetRef } from '../domain/command';
import { UsageError } from '../domain/errors';
import { ALL_TIERS, type Tier } from '../domain/tiers';

export const COMMAND_NAME = '/codebuild-access';

// IAM's own name rules: users 1-64 and groups 1-128 of [\w+=,.@-].
const IAM_USER_NAME = /^[\w+=,.@-]{1,64}$/;
const IAM_GROUP_NAME = /^[\w+=,.@-]{1,128}$/;
// Slack sends escaped mentions as <@U123ABC|name> (or <@U123ABC> without a name).
const SLACK_MENTION = /^<@([UW][A-Z0-9]{2,30})(?:\|([^>]{1,80}))?>$/;
const MAX_REASON_LENGTH = 300;

export const HELP_TEXT = [
  '*`/codebuild-access` asks for CodeBuild access in AWS; another person approves it here.*',
  '',
  '`grant <target> <tier> [because <reason>]`: attach the tier’s policies to an IAM user or group.',
  '`revoke <target> <tier> [because <reason>]`: detach them (policies another held tier needs stay).',
  '`help`: this message.',
  '',
  '*Targets:* a Slack mention (`@alice`), `user:NAME` (an IAM user) or `group:NAME` (an IAM group).',
  '*Tiers:* `admin` (CodeBuild admin + S3 read-only + IAMFullAccess; needs two approvers), `developer`, `readonly`.',
  '',
  '*Examples:*',
  '`/codebuild-access grant @alice developer because on-call for the build pipeline`',
  '`/codebuild-access grant group:qa readonly`',
  '`/codebuild-access revoke user:bob developer`',
].join('\n');

const usage = (problem: string): UsageError =>
  new UsageError(`${problem}\nTry \`${COMMAND_NAME} help\` for the grammar and examples.`);

/** Turns slash-command text into a Command, or throws a UsageError that says what was wrong. */
export function parseCommand(text: string): Command {
  const normalized = text.replace(/\s+/g, ' ').trim();
  if (normalized === '' || normalized.toLowerCase() === 'help') {
    return { action: 'help' };
  }
  const [verbRaw = '', ...rest] = normalized.split(' ');
  const verb = verbRaw.toLowerCase();
  switch (verb) {
    case 'grant':
    case 'revoke':
      return parseTierChange(verb, rest);
    default:
      throw usage(
        `I don't know the command \`${truncate(verbRaw, 40)}\`. Use \`grant\`, \`revoke\` or \`help\`.`,
      );
  }
}

function parseTierChange(verb: 'grant' | 'revoke', words: string[]): Command {
  const becauseAt = words.findIndex((word) => word.toLowerCase() === 'because');
  const head = becauseAt === -1 ? words : words.slice(0, becauseAt);
  const reason = becauseAt === -1 ? undefined : parseReason(words.slice(becauseAt + 1));
  const [targetWord, tierWord, ...extra] = head;
  if (targetWord === undefined || tierWord === undefined) {
    throw usage(`\`${verb}\` needs a target and a tier, e.g. \`${verb} @alice developer\`.`);
  }
  if (extra.length > 0) {
    throw usage(
      `I didn't expect \`${truncate(extra.join(' '), 60)}\` after the tier. A reason starts with \`because\`.`,
    );
  }
  const target = parseTarget(targetWord);
  const tier = parseTier(tierWord);
  return reason === undefined ? { action: verb, target, tier } : { action: verb, target, tier, reason };
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
  if ((ALL_TIERS as readonly string[]).includes(tier) && tier !== 'custom') {
    return tier as Tier;
  }
  throw usage(`\`${truncate(word, 40)}\` is not a tier. Use \`admin\`, \`developer\` or \`readonly\`.`);
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

const truncate = (value: string, max: number): string =>
  value.length > max ? `${value.slice(0, max - 1)}…` : value;
