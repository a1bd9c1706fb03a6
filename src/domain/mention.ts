/** A Slack user mention (`<@U…>`): the one place the domain, the tasks and the blocks write that markup. */
export const mention = (userId: string): string => `<@${userId}>`;

/** Several mentions joined for a sentence: "<@A> and <@B>". */
export const mentions = (userIds: readonly string[]): string => userIds.map(mention).join(' and ');
