/** IAM's own name rules, stated once: the characters [\w+=,.@-], users and roles 1-64, groups 1-128. */
export const IAM_NAME_CHARS = String.raw`[\w+=,.@-]`;

const iamName = (maxLength: number): RegExp => new RegExp(`^${IAM_NAME_CHARS}{1,${maxLength}}$`);

export const IAM_USER_NAME = iamName(64);
export const IAM_GROUP_NAME = iamName(128);
export const IAM_ROLE_NAME = iamName(64);
