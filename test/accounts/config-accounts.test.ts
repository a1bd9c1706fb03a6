import { ConfigError, loadConfig } from '../../src/config';
import {
  accountOfRequest,
  resolveAccount,
  roleSessionName,
  UnknownAccountError,
} from '../../src/domain/accounts';
import { PlanRefusedError } from '../../src/domain/errors';

const BASE = { REQUESTS_TABLE: 'requests', AUDIT_CHANNEL_ID: 'C0AUDIT', AWS_ACCOUNT_ID: '111122223333' };

describe('loadConfig: ACCOUNTS, DEFAULT_ACCOUNT and HUB_ACCOUNT_NAME', () => {
  it('always has the hub, named hub by default, and makes it the default account', () => {
    expect(loadConfig(BASE).accounts).toEqual({
      hubName: 'hub',
      hubId: '111122223333',
      members: {},
      defaultName: 'hub',
    });
  });

  it('reads name=id pairs, a default among them and another name for the hub', () => {
    const config = loadConfig({
      ...BASE,
      ACCOUNTS: ' dev=444455556666 , prod=777788889999',
      DEFAULT_ACCOUNT: 'dev',
      HUB_ACCOUNT_NAME: 'tools',
    });
    expect(config.accounts).toEqual({
      hubName: 'tools',
      hubId: '111122223333',
      members: { dev: '444455556666', prod: '777788889999' },
      defaultName: 'dev',
    });
  });

  it.each([
    ['a pair without an id', { ACCOUNTS: 'dev' }, /ACCOUNTS.*name=123456789012/],
    ['an id of 11 digits', { ACCOUNTS: 'dev=44445555666' }, /ACCOUNTS.*12-digit/],
    ['an upper-case name', { ACCOUNTS: 'Dev=444455556666' }, /ACCOUNTS/],
    ['a name given twice', { ACCOUNTS: 'dev=444455556666,dev=777788889999' }, /`dev` is given twice/],
    ['a member named as the hub', { ACCOUNTS: 'hub=444455556666' }, /`hub` is given twice/],
    ['the hub listed as a member', { ACCOUNTS: 'self=111122223333' }, /hub's own account/],
    [
      'a default that is not configured',
      { ACCOUNTS: 'dev=444455556666', DEFAULT_ACCOUNT: 'prod' },
      /DEFAULT_ACCOUNT: `prod` is not an account; use hub, dev/,
    ],
    [
      'a default named like an object key',
      { ACCOUNTS: 'dev=444455556666', DEFAULT_ACCOUNT: 'constructor' },
      /DEFAULT_ACCOUNT: `constructor` is not an account/,
    ],
  ])('refuses %s with a ConfigError naming the variable', (_name, env, message) => {
    const load = () => loadConfig({ ...BASE, ...env });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
  });
});

describe('resolveAccount', () => {
  const directory = loadConfig({ ...BASE, ACCOUNTS: 'dev=444455556666,prod=777788889999' }).accounts;

  it.each([
    [undefined, { name: 'hub', id: '111122223333' }],
    ['hub', { name: 'hub', id: '111122223333' }],
    ['prod', { name: 'prod', id: '777788889999' }],
    ['PROD', { name: 'prod', id: '777788889999' }],
  ])('resolves %s', (name, expected) => {
    expect(resolveAccount(directory, name)).toEqual(expected);
  });

  it('refuses an unknown account, listing the configured names', () => {
    expect(() => resolveAccount(directory, 'staging')).toThrow(UnknownAccountError);
    expect(() => resolveAccount(directory, 'staging')).toThrow(
      "I don't know the account `staging`. The accounts configured are `hub`, `dev`, `prod`",
    );
  });
});

describe('roleSessionName', () => {
  it.each([
    [{ requestId: 'REQ-KC2QP1ABCD', fn: 'apply' as const }, 'REQ-KC2QP1ABCD-apply'],
    [{ slackUserId: 'U0ALICE' }, 'slack-U0ALICE'],
  ])('names the session for CloudTrail: %j', (key, expected) => {
    expect(roleSessionName(key)).toBe(expected);
  });
});

describe('accountOfRequest: a task takes the account id from its own config, never from the record', () => {
  const directory = loadConfig({ ...BASE, ACCOUNTS: 'dev=444455556666,prod=777788889999' }).accounts;
  const request = (
    command: { account?: string; region?: string },
    account?: { name: string; id: string },
  ) => ({
    requestId: 'REQ-AAAAAAAAAA',
    command,
    ...(account ? { account } : {}),
  });

  it.each([
    ['a request from before accounts (the hub)', request({}), { name: 'hub', id: '111122223333' }],
    [
      'prod by name',
      request({ account: 'prod' }, { name: 'prod', id: '777788889999' }),
      { name: 'prod', id: '777788889999' },
    ],
    [
      'a kms region',
      request({ account: 'dev', region: 'eu-west-1' }),
      { name: 'dev', id: '444455556666', region: 'eu-west-1' },
    ],
  ])('%s', (_name, input, expected) => {
    expect(accountOfRequest(directory, input)).toEqual(expected);
  });

  it.each([
    [
      'a record whose id was rewritten',
      request({ account: 'dev' }, { name: 'dev', id: '777788889999' }),
      /knows `dev` as 444455556666/,
    ],
    [
      'a record naming an account this config lacks',
      request({ account: 'staging' }),
      /account `staging` is not configured/,
    ],
  ])('refuses %s, changing nothing', (_name, input, message) => {
    expect(() => accountOfRequest(directory, input)).toThrow(PlanRefusedError);
    expect(() => accountOfRequest(directory, input)).toThrow(message);
  });
});
