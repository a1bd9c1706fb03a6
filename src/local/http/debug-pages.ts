/**
 * The local debug pages as readable HTML: /local/sandbox (the sandbox AWS account: tables of users,
 * groups, roles, policies and keys, each policy pretty-printed) and /local/requests (the requests table
 * with statuses and readable times). Tools and tests keep the JSON: `?format=json`, or any request that
 * does not ask for text/html (fetch's default Accept is `*∕*`).
 *
 * Every value is escaped; the pages carry no script and use the workspace's stylesheet (the server's
 * CSP allows nothing inline).
 */

type Json = Record<string, unknown>;

/** HTML for a browser that asked for it, JSON otherwise; `?format=` overrides the Accept header. */
export function wantsHtml(accept: string | undefined, format: string | null): boolean {
  if (format === 'json') return false;
  if (format === 'html') return true;
  return (accept ?? '').toLowerCase().includes('text/html');
}

export const escapeHtml = (value: unknown): string =>
  String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

/** A policy document as stored (raw or URL-encoded JSON), indented; anything else as it is. */
export function prettyPolicy(text: unknown): string {
  if (typeof text !== 'string') return JSON.stringify(text, null, 2);
  for (const candidate of [text, safeDecode(text)]) {
    try {
      return JSON.stringify(JSON.parse(candidate), null, 2);
    } catch {
      // Not JSON in this form; try the next.
    }
  }
  return text;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** "2026-11-29 19:42:10 UTC · 5 minutes ago"; an unreadable value as it is. */
export function readableTime(iso: unknown, now: Date): string {
  if (typeof iso !== 'string' || iso === '') return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const at = new Date(ms);
  const utc =
    `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())} ` +
    `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())} UTC`;
  return `${utc} · ${relative(ms - now.getTime())}`;
}

function relative(deltaMs: number): string {
  const seconds = Math.round(Math.abs(deltaMs) / 1000);
  const [n, unit] =
    seconds < 60
      ? [seconds, 'second']
      : seconds < 3600
        ? [Math.round(seconds / 60), 'minute']
        : seconds < 86_400
          ? [Math.round(seconds / 3600), 'hour']
          : [Math.round(seconds / 86_400), 'day'];
  if (seconds < 5) return 'just now';
  const phrase = `${n} ${unit}${n === 1 ? '' : 's'}`;
  return deltaMs < 0 ? `${phrase} ago` : `in ${phrase}`;
}

const time = (iso: unknown, now: Date): string =>
  typeof iso === 'string' && iso !== ''
    ? `<time datetime="${escapeHtml(iso)}" title="${escapeHtml(iso)}">${escapeHtml(readableTime(iso, now))}</time>`
    : '';

const list = (items: unknown[]): string =>
  items.length === 0
    ? '<span class="none">none</span>'
    : `<ul>${items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`;

const policyBlock = (name: string, document: unknown): string =>
  `<details><summary>${escapeHtml(name)}</summary><pre>${escapeHtml(prettyPolicy(document))}</pre></details>`;

const inlinePolicies = (holder: Json): string => {
  const inline = (holder.inlinePolicies ?? {}) as Record<string, unknown>;
  const names = Object.keys(inline);
  return names.length === 0
    ? '<span class="none">none</span>'
    : names.map((name) => policyBlock(name, inline[name])).join('');
};

const tags = (holder: Json): string => {
  const entries = Object.entries((holder.tags ?? {}) as Record<string, unknown>);
  return entries.length === 0
    ? '<span class="none">none</span>'
    : list(entries.map(([key, value]) => `${key} = ${String(value)}`));
};

function table(caption: string, headers: string[], rows: string[][], level: 2 | 3 = 2): string {
  const head = headers.map((header) => `<th scope="col">${escapeHtml(header)}</th>`).join('');
  const body =
    rows.length === 0
      ? `<tr><td colspan="${headers.length}" class="none">none</td></tr>`
      : rows.map((cells) => `<tr>${cells.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('');
  return `<section><h${level}>${escapeHtml(caption)}</h${level}><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></section>`;
}

function page(title: string, intro: string, jsonHref: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · codebuild-access local mode</title>
<link rel="stylesheet" href="/style.css">
</head>
<body class="debug-page">
<header><h1>${escapeHtml(title)}</h1><p>${intro} · <a href="${escapeHtml(jsonHref)}">as JSON</a> · <a href="/">back to the workspace</a></p></header>
<main>${body}</main>
</body>
</html>
`;
}

const arr = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
const code = (value: unknown): string => `<code>${escapeHtml(value)}</code>`;

/**
 * The sandbox as tables: one account (SandboxAccount.toJSON()), or with `accounts` (the sandbox
 * organization, LocalOrganization.toJSON()) every account's member stack, the AssumeRole sessions, and
 * each account's state under its name.
 */
export function sandboxPage(account: Json, now: Date): string {
  if (Array.isArray(account.accounts)) return organizationPage(account, now);
  return page(
    'Sandbox AWS account',
    `account ${code(account.accountId)} in ${escapeHtml(account.region)}; nothing here leaves this machine`,
    '/local/sandbox?format=json',
    accountTables(account, now, 2),
  );
}

const MEMBER_STACK: Record<string, string> = {
  hub: 'the hub: the bot is deployed here (its own roles, no member role)',
  deployed: 'deployed',
  partial: 'PARTLY deployed: some member roles are missing',
  missing: 'MISSING: the bot cannot act here (AssumeRole refused); deploy deploy/member-account.yml',
};

function organizationPage(organization: Json, now: Date): string {
  const accounts = arr(organization.accounts);
  const names = new Map(accounts.map((account) => [String(account.accountId), String(account.name)]));
  const summary = accounts.map((account) => {
    const sessions = (account.sessions ?? {}) as Json;
    const stack = String(account.memberStack);
    return [
      `<a href="#account-${escapeHtml(account.name)}"><strong>${escapeHtml(account.name)}</strong></a>${
        account.default ? ' <span class="none">(default)</span>' : ''
      }`,
      code(account.accountId),
      `<span class="member-stack member-stack-${escapeHtml(stack)}">${escapeHtml(MEMBER_STACK[stack] ?? stack)}</span>`,
      list(arr(account.memberRoles)),
      `${escapeHtml(sessions.allowed ?? 0)} allowed, ${escapeHtml(sessions.refused ?? 0)} refused`,
    ];
  });
  const sessions = [...arr(organization.sessions)]
    .reverse()
    .map((session) => [
      time(session.at, now),
      `<strong>${escapeHtml(names.get(String(session.accountId)) ?? session.accountId)}</strong>`,
      code(session.sessionName),
      `${code(session.roleArn)}<br>as ${code(session.caller)}`,
      session.allowed
        ? '<span class="status status-completed">allowed</span>'
        : '<span class="status status-failed">refused (AccessDenied)</span>',
    ]);
  const perAccount = accounts.map(
    (account) =>
      `<section class="account" id="account-${escapeHtml(account.name)}"><h2>Account ${escapeHtml(account.name)} · ${code(
        account.accountId,
      )}${account.hub ? ' (hub)' : ''}</h2>${accountTables((account.state ?? {}) as Json, now, 3)}</section>`,
  );
  const body = [
    table('Accounts', ['account', 'id', 'member stack', 'member roles', 'AssumeRole sessions'], summary),
    table(
      'AssumeRole sessions, newest first',
      ['when', 'account', 'session name', 'role, caller', 'result'],
      sessions,
    ),
    ...perAccount,
  ].join('\n');
  return page(
    'Sandbox AWS organization',
    `${accounts.length} accounts in ${escapeHtml(organization.region)}; nothing here leaves this machine`,
    '/local/sandbox?format=json',
    body,
  );
}

/** One account's IAM, KMS and CodeBuild state as tables, their captions at heading `level`. */
function accountTables(account: Json, now: Date, level: 2 | 3): string {
  const users = arr(account.users).map((user) => [
    `<strong>${escapeHtml(user.name)}</strong><br>${code(user.arn)}`,
    list(arr(user.attachedPolicyArns)),
    inlinePolicies(user),
    tags(user),
    time(user.createDate, now),
  ]);
  const groups = arr(account.groups).map((group) => [
    `<strong>${escapeHtml(group.name)}</strong><br>${code(group.arn)}`,
    list(arr(group.members)),
    list(arr(group.attachedPolicyArns)),
    inlinePolicies(group),
    time(group.createDate, now),
  ]);
  const roles = arr(account.roles).map((role) => [
    `<strong>${escapeHtml(role.name)}</strong><br>${code(role.arn)}`,
    policyBlock('trust policy', role.assumeRolePolicyDocument),
    role.permissionsBoundary ? code(role.permissionsBoundary) : '<span class="none">none</span>',
    list(arr(role.attachedPolicyArns)),
    inlinePolicies(role),
    time(role.createDate, now),
  ]);
  const policies = arr(account.policies).map((policy) => {
    const versions = arr(policy.versions);
    const current = versions.find((version) => version.versionId === policy.defaultVersionId);
    return [
      `<strong>${escapeHtml(policy.name)}</strong><br>${code(policy.arn)}`,
      escapeHtml(policy.description ?? ''),
      `${escapeHtml(policy.defaultVersionId)} of ${versions.length}`,
      current ? policyBlock('document', current.document) : '',
      time(policy.createDate, now),
    ];
  });
  const kms = (account.kms ?? {}) as Json;
  const aliases = arr(kms.aliases);
  const keys = arr(kms.keys).map((key) => [
    `${code(key.keyId)}<br>${escapeHtml(key.description ?? '')}`,
    list(aliases.filter((alias) => alias.keyId === key.keyId).map((alias) => alias.name)),
    `${escapeHtml(key.keyState)}${key.deletionDate ? ` (deletion ${time(key.deletionDate, now)})` : ''}`,
    policyBlock('key policy', key.policy),
    time(key.creationDate, now),
  ]);
  const builds = arr(((account.codebuild ?? {}) as Json).builds);
  return [
    table('IAM users', ['user', 'managed policies', 'inline policies', 'tags', 'created'], users, level),
    table(
      'IAM groups',
      ['group', 'members', 'managed policies', 'inline policies', 'created'],
      groups,
      level,
    ),
    table(
      'IAM roles',
      ['role', 'trust policy', 'permissions boundary', 'managed policies', 'inline policies', 'created'],
      roles,
      level,
    ),
    table(
      'Customer managed policies',
      ['policy', 'description', 'default version', 'document', 'created'],
      policies,
      level,
    ),
    table('KMS keys', ['key', 'aliases', 'state', 'policy', 'created'], keys, level),
    `<section><h${level}>CodeBuild builds</h${level}><p>${builds.length} build${builds.length === 1 ? '' : 's'} recorded.</p></section>`,
  ].join('\n');
}

/** One request as a row of the requests page. */
function requestRow(request: Json, now: Date): string[] {
  const plan = (request.plan ?? {}) as Json;
  const command = (request.command ?? {}) as Json;
  const target = (request.target ?? {}) as Json;
  const requester = (request.requester ?? {}) as Json;
  const approvals = arr(request.approvals);
  const events = arr(request.events).map((event) => eventItem(event, now));
  const status = escapeHtml(request.status);
  return [
    `<strong>${escapeHtml(request.requestId)}</strong>`,
    `<span class="status status-${status}">${status.replace(/_/g, ' ')}</span>`,
    `${escapeHtml(plan.summary ?? command.action ?? '')}<br>${code(target.arn ?? target.name ?? '')}`,
    `${escapeHtml(requester.userName ?? requester.userId ?? '')}`,
    time(request.createdAt, now),
    `${approvals.length} of ${escapeHtml(request.requiredApprovals)}${decisionNote(request, now)}`,
    request.accessExpiresAt ? time(request.accessExpiresAt, now) : '<span class="none">—</span>',
    auditTrail(events),
  ];
}

function eventItem(event: Json, now: Date): string {
  const actor = event.actor ? ` by ${code(event.actor)}` : '';
  return `<li>${time(event.at, now)} <strong>${escapeHtml(event.type)}</strong>${actor}: ${escapeHtml(event.text)}</li>`;
}

function decisionNote(request: Json, now: Date): string {
  const decision = request.decision as Json | undefined;
  return decision ? `<br>${escapeHtml(decision.outcome)} ${time(decision.at, now)}` : '';
}

function auditTrail(events: string[]): string {
  if (events.length === 0) return '<span class="none">none</span>';
  return `<details><summary>${events.length} event${events.length === 1 ? '' : 's'}</summary><ol>${events.join('')}</ol></details>`;
}

/** The requests table, newest first, with statuses, readable times and each request's audit trail. */
export function requestsPage(requests: Json[], now: Date): string {
  const sorted = [...requests].sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)));
  const rows = sorted.map((request) => requestRow(request, now));
  return page(
    'Requests',
    `${requests.length} request${requests.length === 1 ? '' : 's'} in the local DynamoDB table; task tokens stay on the server`,
    '/local/requests?format=json',
    table(
      'Requests, newest first',
      ['request', 'status', 'change', 'requester', 'requested', 'approvals', 'access ends', 'audit trail'],
      rows,
    ),
  );
}
