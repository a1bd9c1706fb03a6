import type { RequestStore } from '../../src/domain/ports';
import type { AccessRequest, AuditEvent, CompletedStep } from '../../src/domain/request';

/**
 * RequestStore in memory, for the warm-latency benchmark: it answers at once, so what is measured is the
 * handler. Same contract as DynamoRequestStore: copies in and out (no shared objects), `save` only when
 * the version still matches, appends never conflict.
 */
export class MemoryRequestStore implements RequestStore {
  private readonly items = new Map<string, AccessRequest>();

  async create(request: AccessRequest): Promise<'created' | 'exists'> {
    if (this.items.has(request.requestId)) return 'exists';
    this.items.set(request.requestId, structuredClone(request));
    return 'created';
  }

  async get(requestId: string): Promise<AccessRequest | undefined> {
    const item = this.items.get(requestId);
    return item === undefined ? undefined : structuredClone(item);
  }

  async save(request: AccessRequest, expectedVersion: number): Promise<boolean> {
    const current = this.items.get(request.requestId);
    if (current === undefined || current.version !== expectedVersion) return false;
    // Like DynamoRequestStore, `save` never overwrites the append-only lists.
    this.items.set(request.requestId, {
      ...structuredClone(request),
      events: current.events,
      completedSteps: current.completedSteps,
    });
    return true;
  }

  async appendEvent(requestId: string, event: AuditEvent): Promise<void> {
    this.mustGet(requestId).events.push(structuredClone(event));
  }

  async appendCompletedStep(requestId: string, step: CompletedStep): Promise<void> {
    this.mustGet(requestId).completedSteps.push(structuredClone(step));
  }

  /** Statuses of every stored request, counted (to check the benchmark did what it claims). */
  statusCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const item of this.items.values()) counts[item.status] = (counts[item.status] ?? 0) + 1;
    return counts;
  }

  private mustGet(requestId: string): AccessRequest {
    const item = this.items.get(requestId);
    // DynamoRequestStore's appends carry attribute_exists(requestId) and fail the same way.
    if (item === undefined) throw new Error(`no request ${requestId}`);
    return item;
  }
}
