/**
 * Slack's Block Kit limits that the builders in this folder can reach with long user input or large
 * plans (docs.slack.dev/reference/block-kit; the same numbers are in @slack/types' doc comments).
 * Slack rejects a message or view that breaks one (invalid_blocks), so a builder caps its content
 * here rather than fail to post an approval card. test/slack/block-kit-limits.test.ts checks every
 * message and view against its own copy of the documented limits.
 */
export const SLACK_LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  /** A text object (section text, a context element): 3,000 characters. */
  text: 3000,
  sectionField: 2000,
  sectionFields: 10,
  header: 150,
  contextElements: 10,
  /** Slack truncates a message's top-level text after 40,000 characters and advises at most 4,000. */
  messageText: 4000,
} as const;

const ELLIPSIS = '…';

/** `text` cut to at most `max` characters, ending with "…" when it was cut. */
export const truncate = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - ELLIPSIS.length)}${ELLIPSIS}`;

/**
 * At most `max` items of a list; when some are left out, the last kept slot says how many
 * ("and 7 more"), so a reader knows the list goes on.
 */
export function capList(
  items: readonly string[],
  max: number,
  more = (n: number) => `and ${n} more`,
): string[] {
  if (items.length <= max) return [...items];
  const kept = items.slice(0, Math.max(0, max - 1));
  return [...kept, more(items.length - kept.length)];
}

/**
 * Joined lines that fit in `max` characters: whole lines are kept while they fit, then one line
 * says how many were left out. A single line longer than `max` is truncated.
 */
export function fitLines(lines: readonly string[], max: number, separator = '\n'): string {
  const all = lines.join(separator);
  if (all.length <= max) return all;
  const kept: string[] = [];
  let length = 0;
  for (const [index, line] of lines.entries()) {
    const left = lines.length - index;
    // Room for this line, its separator and the "and N more" line that may follow.
    const tail = `${separator}… and ${left} more`.length;
    const added = (kept.length > 0 ? separator.length : 0) + line.length;
    if (length + added + tail > max) {
      if (kept.length > 0) return `${kept.join(separator)}${separator}… and ${left} more`;
      // Even the first line does not fit: cut it, and still say how many follow it.
      if (left === 1) return truncate(line, max);
      const rest = `${separator}… and ${left - 1} more`;
      return `${truncate(line, max - rest.length)}${rest}`;
    }
    kept.push(line);
    length += added;
  }
  return kept.join(separator);
}
