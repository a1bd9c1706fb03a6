/** Not an account id: the condition value when no member account is configured (allows nothing). */
export const NO_MEMBER_ACCOUNT: string;
/** The member account ids of an `accounts` param value (`name=id,…`), or [NO_MEMBER_ACCOUNT] when none. */
export function memberAccountIds(accounts: string | undefined): string[];
