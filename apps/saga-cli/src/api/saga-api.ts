import { HttpClient } from './http-client';

// What order-saga's operator API answers, as the CLI reads it (the server's zod schemas are the truth).

export interface SagaSummary {
  id: string;
  definition: string;
  correlationId: string;
  status: string;
  currentStep: string | null;
  deadlineAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface TimelineBar {
  stepId: string;
  phase: 'action' | 'compensation';
  kind: string | null;
  commandType: string | null;
  commandId: string | null;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  attempts: number;
  outcome: string;
  error: unknown;
  changes: Record<string, unknown> | null;
}

export interface SagaDetail extends SagaSummary {
  state: {
    context?: Record<string, unknown>;
    failure?: { code: string; message: string } | null;
    stalled?: { reason: string } | null;
  };
  timeline: TimelineBar[];
  operatorActions: { at: string; action: string; actor: string; reason: string; stepId: string | null }[];
  remaining: { stepId: string; phase: string }[] | null;
}

export interface OperatorOutcome {
  sagaId: string;
  action: string;
  status: string;
  sent: { type: string; stepId: string }[];
}

export interface CompensationPlan {
  sagaId: string;
  action: string;
  dryRun: true;
  failure: { stepId: string; code: string; message: string };
  commands: { stepId: string; type: string; payload: unknown }[];
}

export interface DeadLetter {
  messageId: string | null;
  type: string | null;
  sagaId: string | null;
  step: string | null;
  reason: string;
  error: string | null;
  attempts: number | null;
  failedAt: string | null;
  sender: string | null;
}

export interface ReplayReport {
  queue: string;
  forced: boolean;
  replayed: DeadLetter[];
  stale: { deadLetter: DeadLetter; why: string }[];
}

/** The filters `saga list` and the bulk verbs take, as the API names them. */
export interface SagaQuery {
  status?: string;
  correlationId?: string;
  since?: string;
  until?: string;
  step?: string;
  definition?: string;
  version?: number;
  stuckForMs?: number;
  limit?: number;
}

/** order-saga's operator API, and order-api's view of orders, as an operator. */
export class SagaApi {
  constructor(
    readonly sagas: HttpClient,
    readonly orders: HttpClient,
  ) {}

  list(query: SagaQuery & { after?: string }): Promise<{ sagas: SagaSummary[]; next: string | null }> {
    return this.sagas.get('/sagas', { ...query });
  }

  /** Every saga the query selects, following the pages, up to `max`. */
  async listAll(query: SagaQuery, max: number): Promise<SagaSummary[]> {
    const all: SagaSummary[] = [];
    let after: string | undefined;
    do {
      const page = await this.list({ ...query, limit: Math.min(500, max - all.length), after });
      all.push(...page.sagas);
      after = page.next ?? undefined;
    } while (after && all.length < max);
    return all;
  }

  saga(id: string): Promise<SagaDetail> {
    return this.sagas.get(`/sagas/${encodeURIComponent(id)}`);
  }

  act<T = OperatorOutcome>(sagaId: string, verb: string, body: Record<string, unknown>): Promise<T> {
    return this.sagas.post(`/admin/sagas/${encodeURIComponent(sagaId)}/${verb}`, body);
  }

  order(orderId: string): Promise<{ id: string; status: string; attention?: { reason: string } | null }> {
    return this.orders.get(`/admin/orders/${encodeURIComponent(orderId)}`);
  }

  refundsOf(orderId: string): Promise<{ refunds: { id: string; status: string }[] }> {
    return this.orders.get(`/admin/orders/${encodeURIComponent(orderId)}/refunds`);
  }
}
