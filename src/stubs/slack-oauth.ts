import { notBundled } from './not-bundled';

// Bolt builds an InstallProvider only for OAuth installs (clientId/clientSecret); this app has one
// workspace and a bot token.
export const InstallProvider = notBundled('@slack/oauth');
export const FileInstallationStore = notBundled('@slack/oauth');
export const MemoryInstallationStore = notBundled('@slack/oauth');
