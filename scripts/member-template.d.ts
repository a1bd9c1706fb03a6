/** The hub functions that act on a target account, each through its own member role. */
export const MEMBER_FUNCTIONS: readonly ['slack', 'plan', 'apply', 'rollback', 'verify', 'refreshUserIndex'];
/** The sts:RoleSessionName pattern (StringLike) each member role's trust requires. */
export const SESSION_NAME_PATTERNS: Readonly<Record<(typeof MEMBER_FUNCTIONS)[number], string>>;
/** The path of deploy/member-account.yml. */
export const TARGET: string;
/** A hub statement or value the member stack cannot express (the generation stops). */
export class MemberTemplateError extends Error {}
/** serverless.yml (or the file given), with CloudFormation's short forms read as their long forms. */
export function readServerless(
  file?: string,
): { resources: { Resources: Record<string, unknown> } } & Record<string, unknown>;
/** The member template as an object, built from serverless.yml's `resources` (or the ones given). */
export function buildMemberTemplate(hub?: { Resources: Record<string, unknown> }): Record<string, unknown>;
/** The text deploy/member-account.yml must hold. */
export function renderMemberTemplate(): string;
