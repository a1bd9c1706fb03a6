import { notBundled } from './not-bundled';

// Bolt's SocketModeReceiver opens a WebSocket with it; the Lambda receives HTTP events instead.
export const SocketModeClient = notBundled('@slack/socket-mode');
