import type { RequestStore } from '../../src/domain/ports';
import type { AccessRequest, AuditEvent, CompletedStep, SavableField } from '../../src/domain/request';

/**
 * RequestStore in memory, for the warm-latency benchmark: it answers at once, so what is measured is the
 * handler. Same contract as DynamoRequestStore: copies in and out (no shared objects), `save` writes only
 * the named fields (and the next version) and only when
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

  async save(
    request: AccessRequest,
    expectedVersion: number,
    fields: readonly SavableField[],
  ): Promise<boolean> {
    const current = this.items.get(request.requestId);
    if (current === undefined || current.version !== expectedVersion) return false;
    this.items.set(request.requestId, writeFields(current, request, expectedVersion, fields));
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

/**
 * What DynamoRequestStore's UpdateItem leaves stored: the named fields (an undefined one removed), the
 * next version, everything else (the append-only lists among it) as it was.
 */
export function writeFields(
  current: AccessRequest,
  request: AccessRequest,
  expectedVersion: number,
  fields: readonly SavableField[],
): AccessRequest {
  const next: Record<string, unknown> = { ...current };
  for (const field of fields) {
    if (request[field] === undefined) delete next[field];
    else next[field] = structuredClone(request[field]);
  }
  return { ...(next as unknown as AccessRequest), version: expectedVersion + 1 };
}
