import type { PrincipalRef } from './plans';
import type { Clock, IamPort } from './ports';

/** At most this many answers are kept per cache; the oldest goes first. */
const MAX_ENTRIES = 1000;

/**
 * Remembers found answers for `ttlSeconds` in this process (one warm Lambda instance): a name that
 * exists keeps its ARN, a group its members. "Not found" and errors are never kept, so a user created a
 * moment ago is seen at once.
 */
export function ttlCache<T>(clock: Clock, ttlSeconds: number) {
  const entries = new Map<string, { value: T; at: number }>();
  return async (key: string, load: () => Promise<T | undefined>): Promise<T | undefined> => {
    const now = clock.now().getTime();
    const hit = entries.get(key);
    if (hit && now - hit.at < ttlSeconds * 1000) return hit.value;
    entries.delete(key);
    const value = await load();
    if (value !== undefined && ttlSeconds > 0) {
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
      entries.set(key, { value, at: now });
    }
    return value;
  };
}

/**
 * IAM reads on the Slack path, cached for `ttlSeconds` (SLACK_CACHE_SECONDS): a principal's ARN and a
 * group's members. The tag check that confirms an IAM user index entry (userWithTags) and everything
 * that reads or changes policies are never cached.
 */
export function cachedIamReads(iam: IamPort, clock: Clock, ttlSeconds: number): IamPort {
  const principals = ttlCache<PrincipalRef>(clock, ttlSeconds);
  const members = ttlCache<string[]>(clock, ttlSeconds);
  return {
    findPrincipal: (kind, name) =>
      principals(`${kind}:${name.toLowerCase()}`, () => iam.findPrincipal(kind, name)),
    groupMemberNames: async (groupName) =>
      members(groupName.toLowerCase(), () => iam.groupMemberNames(groupName)),
    userWithTags: (name) => iam.userWithTags(name),
    usersTagged: (key) => iam.usersTagged(key),
    listAttachedPolicyArns: (principal) => iam.listAttachedPolicyArns(principal),
    listInlinePolicies: (principal) => iam.listInlinePolicies(principal),
    getRole: (roleName) => iam.getRole(roleName),
    run: (op) => iam.run(op),
    simulate: (arn, actions) => iam.simulate(arn, actions),
  };
}
