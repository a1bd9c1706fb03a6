import type { AccessRequest } from '../../src/domain/request';
import type { WorkspaceEphemeral, WorkspaceMessage } from '../../src/local/workspace/state';

/**
 * Drives local mode through the same HTTP endpoints the page uses (/local/command, /local/action,
 * /local/state), plus the debug endpoints (/local/requests, /local/sandbox).
 */

export interface PageState {
  messages: WorkspaceMessage[];
  ephemerals: WorkspaceEphemeral[];
  users: Array<{ id: string; name: string; realName: string; title: string; approver: boolean }>;
}

export interface SandboxUserJson {
  name: string;
  attachedPolicyArns: string[];
  inlinePolicies?: Record<string, string>;
}

export class PageDriver {
  constructor(private readonly url: string) {}

  async post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async get<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}${path}`);
    if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
    return (await response.json()) as T;
  }

  type(userId: string, channelId: string, text: string) {
    return this.post('/local/command', { userId, channelId, text });
  }

  /** A click; `confirmed` stands for the confirm dialog's "yes" on a button that has one. */
  click(userId: string, channelId: string, messageTs: string, actionId: string, confirmed?: boolean) {
    return this.post('/local/action', {
      userId,
      channelId,
      messageTs,
      actionId,
      ...(confirmed ? { confirmed } : {}),
    });
  }

  state(userId: string): Promise<PageState> {
    return this.get<PageState>(`/local/state?user=${userId}`);
  }

  requests(): Promise<AccessRequest[]> {
    return this.get<AccessRequest[]>('/local/requests');
  }

  async sandboxUser(name: string): Promise<SandboxUserJson | undefined> {
    const account = await this.get<{ users: SandboxUserJson[] }>('/local/sandbox');
    return account.users.find((user) => user.name === name);
  }

  async sandboxGroup(name: string): Promise<SandboxUserJson | undefined> {
    const account = await this.get<{ groups: SandboxUserJson[] }>('/local/sandbox');
    return account.groups.find((group) => group.name === name);
  }

  /** Polls until `check` returns a value (bounded); the workflow runs asynchronously after each click. */
  async until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** The request with this status, once it has it. */
  requestWithStatus(requestId: string, status: AccessRequest['status']): Promise<AccessRequest> {
    return this.until(`${requestId} to be ${status}`, async () =>
      (await this.requests()).find((request) => request.requestId === requestId && request.status === status),
    );
  }
}

/** The request id in the bot's acknowledgement ("Request REQ-… received"). */
export function requestIdIn(text: string): string {
  const match = /Request (REQ-[0-9A-Z]{10}) received/.exec(text);
  if (!match?.[1]) throw new Error(`no request id in: ${text}`);
  return match[1];
}
