import { Pool, types, type CustomTypesConfig } from 'pg';
import { amountFromDatabase } from '@saga/persistence';
import { launchSystem, type RunningSystem, type SystemApp, type SystemOptions } from '@saga/launcher';
import { Role, type Caller } from '@saga/identity';
import { ServiceName, serviceSchemas as schemaOf } from '@saga/contracts';
import { provisionTestInfrastructure, waitFor, type TestInfrastructure } from '@saga/testing';

/** One e-mail as the mail sink received it. */
export interface ReceivedMail {
  readonly id: string;
  /** Null for a message without a Message-ID header. */
  readonly messageId: string | null;
  readonly from: string;
  readonly to: string[];
  readonly subject: string;
  readonly text: string;
  /** Null for a message with no HTML part. */
  readonly html: string | null;
}

/** Who calls: a shopper by user id, or a caller with roles. */
export type CallAs = string | Caller;

/** The shop's administrator: catalogue, stock, wallets, refunds of any order. */
export const shopAdmin: Caller = { userId: 'shop-admin', roles: [Role.Admin] };
/** The operator on call: sagas, dead letters, resume, and reading any order. */
export const operator: Caller = { userId: 'on-call', roles: [Role.Operator] };

/** The schema of each service: each has its own outbox, inbox and tables. */
export const serviceSchemas = Object.values(schemaOf);

// Each app logs in to the broker and the database as its own service, as npm start has it.
function withServiceLogins(infra: TestInfrastructure, appEnv: SystemOptions['appEnv'] = {}): SystemOptions['appEnv'] {
  return Object.fromEntries(
    Object.values(ServiceName).map((service) => {
      const { amqpUrl, databaseUrl } = infra.services![service];
      return [service, { AMQP_URL: amqpUrl, DATABASE_URL: databaseUrl, ...appEnv[service] }];
    }),
  );
}

/** int8 (money, counts, sums) read as exact numbers: every one the harness reads is far below 2^53. */
const int8AsNumber: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === types.builtins.INT8
      ? amountFromDatabase
      : types.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'],
};

/** Every app of the system running as a process on a fresh database and broker namespace. */
export class SystemUnderTest {
  private constructor(
    readonly infra: TestInfrastructure,
    readonly system: RunningSystem,
    /** Direct access to the database, to check outcomes in every schema. */
    readonly db: Pool,
  ) {}

  /**
   * Starts every app on a fresh database and namespace. `env` adds variables for every app (say,
   * short saga deadlines), `appEnv` for one app only.
   */
  static async start(
    options: Pick<SystemOptions, 'appEnv' | 'nodeArgs' | 'replicas' | 'onLine'> & { env?: Record<string, string> } = {},
  ): Promise<SystemUnderTest> {
    const infra = await provisionTestInfrastructure({ system: true });
    const db = new Pool({ connectionString: infra.databaseUrl, max: 4, types: int8AsNumber });
    try {
      const system = await launchSystem({
        ports: 'any',
        env: {
          NAMESPACE: infra.namespace,
          ...infra.identity.env,
          // The specs place orders far faster than any shopper; the limits have a spec of their own.
          ORDERS_PER_MINUTE_PER_USER: '1000000',
          ORDERS_PER_MINUTE_PER_ADDRESS: '1000000',
          LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
          LOG_FORMAT: 'json',
          RETRY_DELAYS_MS: '100,200,400',
          ...options.env,
        },
        appEnv: withServiceLogins(infra, options.appEnv),
        nodeArgs: options.nodeArgs,
        replicas: options.replicas,
        onLine: (app, line) => {
          if (process.env.E2E_VERBOSE) process.stdout.write(`[${app}] ${line}\n`);
          options.onLine?.(app, line);
        },
      });
      return new SystemUnderTest(infra, system, db);
    } catch (error) {
      await db.end();
      await infra.teardown();
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.system.stop();
    await this.db.end();
    await this.infra.teardown();
  }

  /** The Authorization header of a token for the caller (a shopper by id, or a caller with roles). */
  authorization(as: CallAs): { authorization: string } {
    const { userId, roles } = typeof as === 'string' ? { userId: as, roles: [] } : as;
    return this.infra.identity.as(userId, ...roles);
  }

  /** Calls an app's HTTP API, as the caller `as` when given (else with no token), and parses the JSON answer. */
  async http<T = Record<string, unknown>>(
    app: SystemApp,
    method: string,
    path: string,
    { body, headers = {}, as }: { body?: unknown; headers?: Record<string, string>; as?: CallAs } = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const sent = { ...(as === undefined ? {} : this.authorization(as)), ...headers };
    const response = await fetch(`${this.system.url(app)}${path}`, {
      method,
      headers: body === undefined ? sent : { 'content-type': 'application/json', ...sent },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T, headers: response.headers };
  }

  /** The e-mail the mail sink received over SMTP, oldest first; those to one address when given. */
  async mails(to?: string): Promise<ReceivedMail[]> {
    const query = to ? `?to=${encodeURIComponent(to)}` : '';
    const response = await fetch(`${this.system.url('mail-sink')}/messages${query}`);
    return ((await response.json()) as { messages: ReceivedMail[] }).messages;
  }

  /** Rows of a query against the system's database. */
  async rows<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.db.query(sql, params)).rows as T[];
  }

  /** Every row of every service's tables, counted: what a refused request or message must leave as it was. */
  async rowCounts(): Promise<Record<string, number>> {
    const tables = await this.rows<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
        WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE'`,
      [[...serviceSchemas]],
    );
    const counts: Record<string, number> = {};
    for (const { schema, name } of tables) {
      const [{ n }] = await this.rows<{ n: number }>(`SELECT count(*) AS n FROM "${schema}"."${name}"`);
      counts[`${schema}.${name}`] = n;
    }
    return counts;
  }

  /** How many outbox rows, over every service, wait to be published. */
  async unpublishedMessages(): Promise<number> {
    const counts = serviceSchemas.map((s) => `(SELECT count(*) FROM ${s}.outbox WHERE published_at IS NULL)`);
    const [{ waiting }] = await this.rows<{ waiting: string }>(`SELECT ${counts.join(' + ')} AS waiting`);
    return Number(waiting);
  }

  /** Waits until an order is COMPLETED or FAILED and returns it as GET /admin/orders/:id shows it. */
  async settledOrder(orderId: string, timeoutMs = 30_000): Promise<OrderView> {
    return waitFor(
      async () => {
        const { body } = await this.http<OrderView>('order-api', 'GET', `/admin/orders/${orderId}`, { as: operator });
        return body.status === 'COMPLETED' || body.status === 'FAILED' ? body : undefined;
      },
      { timeoutMs, description: `order ${orderId} to complete or fail` },
    );
  }

  /**
   * Waits until the notification worker has taken the settled order's last event (its notification is
   * recorded): after it, nothing more happens for the order, so a spec may count rows.
   */
  async notified(orderId: string): Promise<void> {
    await waitFor(
      async () =>
        (await this.rows('SELECT 1 FROM notification.notifications WHERE order_id = $1', [orderId])).length > 0,
      { description: `the notification of order ${orderId}` },
    );
  }

  /** The saga of an order with its event log, as the orchestrator's API shows it. */
  async sagaOf(orderId: string): Promise<SagaView> {
    const { body } = await this.http<{ sagas: { id: string }[] }>(
      'order-saga',
      'GET',
      `/sagas?correlationId=${orderId}`,
      { as: operator },
    );
    if (body.sagas.length !== 1) throw new Error(`expected one saga for order ${orderId}, found ${body.sagas.length}`);
    return (await this.http<SagaView>('order-saga', 'GET', `/sagas/${body.sagas[0].id}`, { as: operator })).body;
  }
}

export interface OrderView {
  id: string;
  userId: string;
  status: 'PENDING' | 'PROCESSING' | 'COMPLETED' | 'FAILED';
  source: 'items' | 'cart';
  items: { productId: string; quantity: number; name: string | null; unitPrice: number | null }[];
  total: number | null;
  failure: { code: string; reason: string } | null;
}

export interface SagaView {
  id: string;
  status: string;
  currentStep: string | null;
  state: { context: Record<string, unknown> };
  events: { seq: number; type: string; stepId: string | null; commandId: string | null; data: unknown }[];
}
