// serverless.yml: each hub role's AssumeOwnMemberRole statement requires
//   aws:ResourceAccount: ${file(./scripts/member-account-ids.js)}
// the 12-digit ids of the stage's `accounts` param (`name=123456789012,…`, docs/deploy.md), so a hub
// function can assume its member role only in the member accounts configured for this stage, not in any
// account that happens to hold a role of that name. With no member account the list is NO_MEMBER_ACCOUNT,
// which no account id equals: the statement then allows nothing. src/config.ts validates ACCOUNTS again
// when the functions start; this fails the deploy (or package) on an id that is not 12 digits.

/** Not an account id (those are 12 digits): the condition value when no member account is configured. */
const NO_MEMBER_ACCOUNT = 'no-member-account';

/** The member account ids of an `accounts` param value, in order, without repeats. */
function memberAccountIds(accounts) {
  const ids = [];
  for (const pair of String(accounts ?? '').split(',')) {
    if (pair.trim() === '') continue;
    const id = pair.slice(pair.indexOf('=') + 1).trim();
    if (!pair.includes('=') || !/^\d{12}$/.test(id)) {
      throw new Error(
        `The accounts param must be name=123456789012 pairs separated by commas; "${pair.trim()}" is not one.`,
      );
    }
    if (!ids.includes(id)) ids.push(id);
  }
  return ids.length > 0 ? ids : [NO_MEMBER_ACCOUNT];
}

module.exports = async ({ resolveVariable }) => memberAccountIds(await resolveVariable('param:accounts'));
module.exports.memberAccountIds = memberAccountIds;
module.exports.NO_MEMBER_ACCOUNT = NO_MEMBER_ACCOUNT;
