/** The ACCESS_RULES value (JSON with each key's line) for the YAML text of a rules file. */
export function accessRulesEnv(text: string, file?: string): string;
/** The ACCESS_RULES value of a rules file on disk (default: the repository's access-rules.yml). */
export function accessRulesEnvOfFile(file?: string): string;
/** The repository's access-rules.yml. */
export const ACCESS_RULES_FILE: string;
