import { IAM_GROUP_NAME, IAM_ROLE_NAME, IAM_USER_NAME } from '../../src/domain/iam-names';

describe('IAM name rules, stated once', () => {
  it.each([
    ['a user name of 64 characters', IAM_USER_NAME, 'a'.repeat(64), true],
    ['a user name of 65 characters', IAM_USER_NAME, 'a'.repeat(65), false],
    ['a group name of 128 characters', IAM_GROUP_NAME, 'g'.repeat(128), true],
    ['a group name of 129 characters', IAM_GROUP_NAME, 'g'.repeat(129), false],
    ['a role name of 65 characters', IAM_ROLE_NAME, 'r'.repeat(65), false],
    ['every character IAM allows', IAM_USER_NAME, 'a_b+c=d,e.f@g-h9', true],
    ['a slash', IAM_ROLE_NAME, 'path/role', false],
    ['a space', IAM_USER_NAME, 'alice smith', false],
    ['the empty name', IAM_GROUP_NAME, '', false],
  ])('%s: %s', (_what, pattern, name, valid) => {
    expect(pattern.test(name)).toBe(valid);
  });
});
