/**
 * Slack date tokens (`<!date^UNIX^FORMAT[^LINK]|fallback>`): every reader sees the instant in their own
 * time zone and clock format, so no message carries a raw ISO timestamp. Tokens and their output, from
 * Slack's "Formatting dates" reference:
 *   {date_num} 2014-02-18 · {date} February 18th, 2014 · {date_short} Feb 18, 2014
 *   {date_long} Tuesday, February 18th, 2014 · {date_pretty} / {date_short_pretty} / {date_long_pretty}
 *   the same, or "today", "yesterday", "tomorrow" · {time} 6:39 AM · {time_secs} 6:39:42 AM
 *   {ago} "3 minutes ago"
 */

export type SlackDateToken =
  | '{date_num}'
  | '{date}'
  | '{date_short}'
  | '{date_long}'
  | '{date_pretty}'
  | '{date_short_pretty}'
  | '{date_long_pretty}'
  | '{time}'
  | '{time_secs}'
  | '{ago}';

/** "Today at 3:00 PM", "Dec 2, 2026 at 9:30 AM". */
export const DEFAULT_DATE_FORMAT = '{date_short_pretty} at {time}';

const pad = (n: number): string => String(n).padStart(2, '0');

/** The text shown where Slack cannot format the token (notifications, old clients): UTC, readable. */
export const utcFallback = (date: Date): string =>
  `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
  `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`;

// Slack reads '|' and '>' as the token's own delimiters, and '&', '<', '>' are its escapes.
const escapeFallback = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A Slack date token for an ISO instant. `format` mixes tokens and text ("ends {date_short_pretty} at
 * {time}"); `fallback` defaults to the readable UTC time; `link` (http/https) makes the date a link.
 * An unparseable instant gives the fallback as plain text rather than a token Slack would reject.
 */
export function slackDate(
  iso: string,
  format: string = DEFAULT_DATE_FORMAT,
  fallback?: string,
  link?: string,
): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return escapeFallback(fallback ?? 'an unknown time');
  const shown = escapeFallback(fallback ?? utcFallback(new Date(ms)));
  // A format cannot carry the token's delimiters; a link must be a plain web address.
  const template = format.replace(/[|^<>]/g, ' ');
  const target = link !== undefined && /^https?:\/\/[^\s|^<>]+$/.test(link) ? `^${link}` : '';
  return `<!date^${Math.floor(ms / 1000)}^${template}${target}|${shown}>`;
}
