import type { WorkspaceFixture } from './fixture';

/**
 * What Slack does to slash-command text when the command has "Escape channels, users, and links"
 * (should_escape: true): &, < and > become entities, and @user, #channel, @group and @here become
 * the <@U…|name>, <#C…|name>, <!subteam^S…|@handle> and <!here> tokens the bot parses.
 */
export function escapeLikeSlack(text: string, fixture: WorkspaceFixture): string {
  const entities = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return entities.replace(
    /(^|[\s(])([@#])([a-z0-9][a-z0-9._-]*)/gi,
    (match, before: string, sigil: string, rawName: string) => {
      // A sentence may end right after a name: "@alice." names alice.
      const name = rawName.replace(/[._-]+$/, '');
      const rest = rawName.slice(name.length);
      const lower = name.toLowerCase();
      if (sigil === '#') {
        const channel = fixture.channels.find((candidate) => candidate.name === lower);
        return channel ? `${before}<#${channel.id}|${channel.name}>${rest}` : match;
      }
      if (lower === 'here' || lower === 'channel' || lower === 'everyone')
        return `${before}<!${lower}>${rest}`;
      const user = fixture.users.find((candidate) => candidate.name === lower);
      if (user) return `${before}<@${user.id}|${user.name}>${rest}`;
      const group = fixture.usergroups.find((candidate) => candidate.handle === lower);
      if (group) return `${before}<!subteam^${group.id}|@${group.handle}>${rest}`;
      return match;
    },
  );
}
