/**
 * Text that came from a user (a reason) is already HTML-escaped by Slack, but it may carry broadcast
 * mentions (<!channel>, <!here>, <!subteam^…>). Rendered in the audit channel they would ping
 * everyone, so they become plain text.
 */
export const neutralizeBroadcasts = (text: string): string =>
  text.replace(
    /<!(subteam\^[A-Z0-9]+|channel|here|everyone)(?:\|([^>]*))?>/g,
    (_match, what: string, label?: string) =>
      label ? label.replace(/^@?/, '@') : `@${what.startsWith('subteam') ? 'group' : what}`,
  );

export const mention = (userId: string): string => `<@${userId}>`;

/** A Slack date token that each reader sees in their own time zone, with an ISO fallback. */
export const slackDate = (iso: string): string => {
  const epoch = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${epoch}^{date_short_pretty} at {time}|${iso}>`;
};
