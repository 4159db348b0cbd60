import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { canonicalParams, parseStripeForm, type StripeParams } from './stripe-form';

/** A PaymentIntent as the fake keeps it: the fields the payment worker reads. */
export interface FakePaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  currency: string;
  capture_method: string;
  payment_method: string;
  status: 'requires_payment_method' | 'requires_action' | 'requires_capture' | 'succeeded' | 'canceled';
  metadata: Record<string, string>;
  next_action: { type: string; redirect_to_url?: { url: string } } | null;
  last_payment_error: { type: string; code: string; decline_code?: string; message: string } | null;
  /** Refunded so far, in minor units (Stripe keeps this on the charge). */
  refunded: number;
}

/** A fault the next matching requests meet. */
export type StripeFault =
  /** Answered 500 (or 429) before anything is done: nothing changes. */
  | { readonly kind: 'status'; readonly status: 500 | 502 | 503 | 429 }
  /** Done, then the connection is cut before the answer: the caller cannot know it happened. */
  | { readonly kind: 'drop' }
  /** Done, then no answer for this long: the caller times out. */
  | { readonly kind: 'hang'; readonly ms: number };

/** One request the fake received, for tests to count and inspect. */
export interface StripeRequestRecord {
  readonly method: string;
  readonly path: string;
  readonly idempotencyKey: string | null;
  readonly replayed: boolean;
}

/** What a test card does when an intent is confirmed with it. */
type CardBehaviour =
  | { readonly kind: 'authorize' }
  | { readonly kind: 'authenticate' }
  | { readonly kind: 'decline'; readonly declineCode: string; readonly message: string };

const declined = (declineCode: string, message: string): CardBehaviour => ({ kind: 'decline', declineCode, message });

/** Stripe's documented test payment methods, by what they do. */
const testCards: Readonly<Record<string, CardBehaviour>> = {
  pm_card_visa: { kind: 'authorize' },
  pm_card_mastercard: { kind: 'authorize' },
  pm_card_authenticationRequired: { kind: 'authenticate' },
  pm_card_chargeDeclined: declined('generic_decline', 'Your card was declined.'),
  pm_card_visa_chargeDeclined: declined('generic_decline', 'Your card was declined.'),
  pm_card_chargeDeclinedInsufficientFunds: declined('insufficient_funds', 'Your card has insufficient funds.'),
  pm_card_visa_chargeDeclinedInsufficientFunds: declined('insufficient_funds', 'Your card has insufficient funds.'),
  pm_card_chargeDeclinedExpiredCard: declined('expired_card', 'Your card has expired.'),
  pm_card_chargeDeclinedFraudulent: declined('fraudulent', 'Your card was declined.'),
};

/** Stripe's limit for one USD charge: $999,999.99. */
const maxChargeAmount = 99_999_999;

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

class StripeProblem extends Error {
  constructor(
    readonly status: number,
    readonly error: Record<string, unknown>,
  ) {
    super(String(error.message));
  }
}

/**
 * A Stripe API on localhost for tests: the PaymentIntent and Refund calls the payment worker makes,
 * form-encoded like Stripe's, with idempotency keys replayed as Stripe does, declines as 402 card
 * errors with decline codes, faults to inject (5xx, 429, cut connections, hangs), and webhooks it
 * sends signed with the endpoint's secret. The real `stripe` SDK talks to it with host, port and
 * protocol: http.
 */
export class FakeStripe {
  readonly intents = new Map<string, FakePaymentIntent>();
  readonly requests: StripeRequestRecord[] = [];
  readonly webhooksDelivered: { id: string; type: string; status: number }[] = [];
  /** Where webhooks go, e.g. http://127.0.0.1:3002/webhooks/stripe; set once the worker is up. */
  webhookUrl: string | undefined;
  private readonly replies = new Map<string, { params: string; answer: Answer }>();
  private readonly faults: { fault: StripeFault; path: RegExp }[] = [];

  private constructor(
    private readonly server: Server,
    readonly webhookSecret: string,
  ) {}

  /** Starts the fake on a free port of 127.0.0.1. */
  static async start(options: { webhookSecret?: string } = {}): Promise<FakeStripe> {
    const secret = options.webhookSecret ?? `whsec_${randomBytes(16).toString('hex')}`;
    const server = createServer();
    const fake = new FakeStripe(server, secret);
    server.on('request', (request, response) => void fake.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The environment a payment worker needs to use this fake as its Stripe. */
  workerEnv(): Record<string, string> {
    return {
      STRIPE_SECRET_KEY: 'sk_test_fake',
      STRIPE_WEBHOOK_SECRET: this.webhookSecret,
      STRIPE_API_URL: `http://127.0.0.1:${this.port}`,
    };
  }

  /** The next `times` requests whose path matches meet this fault. */
  inject(fault: StripeFault, options: { times?: number; path?: RegExp } = {}): void {
    for (let i = 0; i < (options.times ?? 1); i += 1) this.faults.push({ fault, path: options.path ?? /.*/ });
  }

  /** Forgets the faults no request has met yet. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Intents created for an order (by metadata[orderId]). */
  intentsOf(orderId: string): FakePaymentIntent[] {
    return [...this.intents.values()].filter((intent) => intent.metadata.orderId === orderId);
  }

  /** The shopper passes 3-D Secure: the intent can be captured, and Stripe says so by webhook. */
  async completeAuthentication(intentId: string): Promise<void> {
    const intent = this.intent(intentId);
    Object.assign(intent, { status: 'requires_capture', amount_capturable: intent.amount, next_action: null });
    await this.sendWebhook('payment_intent.amount_capturable_updated', intent);
  }

  /** The shopper fails 3-D Secure: the intent needs another payment method, and Stripe says so by webhook. */
  async failAuthentication(intentId: string): Promise<void> {
    const intent = this.intent(intentId);
    Object.assign(intent, {
      status: 'requires_payment_method',
      next_action: null,
      last_payment_error: {
        type: 'card_error',
        code: 'card_declined',
        decline_code: 'authentication_required',
        message: 'Your card was declined. This transaction requires authentication.',
      },
    });
    await this.sendWebhook('payment_intent.payment_failed', intent);
  }

  /** The intent is cancelled on Stripe's side (in the dashboard, or an authorization that expired). */
  async cancelOnStripe(intentId: string): Promise<void> {
    const intent = this.intent(intentId);
    Object.assign(intent, { status: 'canceled', amount_capturable: 0 });
    await this.sendWebhook('payment_intent.canceled', intent);
  }

  /** Sends an event signed with the endpoint's secret (or the given one); resolves to the HTTP status. */
  async sendWebhook(
    type: string,
    object: unknown,
    options: { secret?: string; timestamp?: number; id?: string } = {},
  ): Promise<number> {
    if (!this.webhookUrl) throw new Error('the fake Stripe has no webhook URL to send to');
    const id = options.id ?? `evt_${randomBytes(12).toString('hex')}`;
    const payload = JSON.stringify({
      id,
      object: 'event',
      type,
      created: Math.floor(Date.now() / 1000),
      data: { object },
      livemode: false,
      api_version: null,
    });
    const response = await fetch(this.webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': signStripePayload(payload, options.secret ?? this.webhookSecret, options.timestamp),
      },
      body: payload,
    });
    this.webhooksDelivered.push({ id, type, status: response.status });
    return response.status;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private intent(id: string): FakePaymentIntent {
    const intent = this.intents.get(id);
    if (!intent) throw new Error(`the fake Stripe has no payment intent ${id}`);
    return intent;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const path = (request.url ?? '/').split('?')[0];
    const method = request.method ?? 'GET';
    const key = headerOf(request, 'idempotency-key');
    const faultAt = this.faults.findIndex((f) => f.path.test(path));
    const fault = faultAt >= 0 ? this.faults.splice(faultAt, 1)[0].fault : undefined;
    if (fault?.kind === 'status') {
      this.requests.push({ method, path, idempotencyKey: key, replayed: false });
      const type = fault.status === 429 ? 'rate_limit_error' : 'api_error';
      return send(response, { status: fault.status, body: { error: { type, message: 'Injected fault' } } });
    }
    if (headerOf(request, 'authorization') !== 'Bearer sk_test_fake') {
      return send(response, {
        status: 401,
        body: { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } },
      });
    }
    const params = parseStripeForm(Buffer.concat(chunks).toString('utf8'));
    const replay = key === null ? undefined : this.replies.get(key);
    let answer: Answer;
    if (replay && replay.params !== canonicalParams(params)) {
      answer = problem(400, {
        type: 'idempotency_error',
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with.`,
      });
    } else {
      answer = replay?.answer ?? this.answer(method, path, params);
      if (key !== null && !replay && method === 'POST')
        this.replies.set(key, { params: canonicalParams(params), answer });
    }
    this.requests.push({ method, path, idempotencyKey: key, replayed: replay !== undefined });
    if (fault?.kind === 'drop') {
      request.socket.destroy();
      return;
    }
    if (fault?.kind === 'hang') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (replay) response.setHeader('idempotent-replayed', 'true');
    if (!response.destroyed) send(response, answer);
  }

  private answer(method: string, path: string, params: StripeParams): Answer {
    try {
      if (method === 'POST' && path === '/v1/payment_intents') return ok(this.createIntent(params));
      const action = /^\/v1\/payment_intents\/([^/]+)(?:\/(capture|cancel))?$/.exec(path);
      if (action && method === 'GET' && !action[2]) return ok(this.intent(action[1]));
      if (action && method === 'POST' && action[2] === 'capture') return ok(this.capture(action[1], params));
      if (action && method === 'POST' && action[2] === 'cancel') return ok(this.cancel(action[1]));
      if (method === 'POST' && path === '/v1/refunds') return ok(this.refund(params));
      return problem(404, { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path})` });
    } catch (error) {
      if (error instanceof StripeProblem) return problem(error.status, error.error);
      if (error instanceof Error && /has no payment intent/.test(error.message)) {
        return problem(404, { type: 'invalid_request_error', code: 'resource_missing', message: error.message });
      }
      throw error;
    }
  }

  private createIntent(params: StripeParams): FakePaymentIntent {
    const amount = Number(params.amount);
    if (!Number.isInteger(amount) || amount < 1) {
      throw new StripeProblem(400, { type: 'invalid_request_error', param: 'amount', message: 'Invalid integer' });
    }
    if (amount > maxChargeAmount) {
      throw new StripeProblem(400, {
        type: 'invalid_request_error',
        code: 'amount_too_large',
        param: 'amount',
        message: 'Amount must be no more than $999,999.99',
      });
    }
    const paymentMethod = String(params.payment_method ?? '');
    const behaviour = Object.hasOwn(testCards, paymentMethod) ? testCards[paymentMethod] : undefined;
    if (!behaviour) {
      throw new StripeProblem(400, {
        type: 'invalid_request_error',
        code: 'resource_missing',
        param: 'payment_method',
        message: `No such PaymentMethod: '${paymentMethod}'`,
      });
    }
    const metadata = typeof params.metadata === 'object' ? (params.metadata as Record<string, string>) : {};
    const intent: FakePaymentIntent = {
      id: `pi_${randomBytes(12).toString('hex')}`,
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      currency: String(params.currency),
      capture_method: String(params.capture_method ?? 'automatic'),
      payment_method: paymentMethod,
      status: 'requires_payment_method',
      metadata,
      next_action: null,
      last_payment_error: null,
      refunded: 0,
    };
    this.intents.set(intent.id, intent);
    if (params.confirm !== 'true') return intent;
    if (behaviour.kind === 'decline') {
      const error = {
        type: 'card_error',
        code: 'card_declined',
        decline_code: behaviour.declineCode,
        message: behaviour.message,
      };
      intent.last_payment_error = error;
      throw new StripeProblem(402, { ...error, payment_intent: intent });
    }
    if (behaviour.kind === 'authenticate') {
      Object.assign(intent, {
        status: 'requires_action',
        next_action: {
          type: 'redirect_to_url',
          redirect_to_url: { url: `https://hooks.stripe.test/3ds/${intent.id}` },
        },
      });
      void this.sendWebhookIfListening('payment_intent.requires_action', intent);
      return intent;
    }
    Object.assign(intent, { status: 'requires_capture', amount_capturable: amount });
    return intent;
  }

  private capture(id: string, params: StripeParams): FakePaymentIntent {
    const intent = this.intent(id);
    if (intent.status !== 'requires_capture') throw unexpectedState(intent, 'capture');
    const amount = params.amount_to_capture === undefined ? intent.amount_capturable : Number(params.amount_to_capture);
    Object.assign(intent, { status: 'succeeded', amount_received: amount, amount_capturable: 0 });
    return intent;
  }

  private cancel(id: string): FakePaymentIntent {
    const intent = this.intent(id);
    if (intent.status === 'succeeded' || intent.status === 'canceled') throw unexpectedState(intent, 'cancel');
    Object.assign(intent, { status: 'canceled', amount_capturable: 0, next_action: null });
    return intent;
  }

  private refund(params: StripeParams): Record<string, unknown> {
    const intent = this.intent(String(params.payment_intent));
    if (intent.status !== 'succeeded') throw unexpectedState(intent, 'refund');
    const left = intent.amount_received - intent.refunded;
    const amount = params.amount === undefined ? left : Number(params.amount);
    if (left === 0) {
      throw new StripeProblem(400, {
        type: 'invalid_request_error',
        code: 'charge_already_refunded',
        message: `Charge for ${intent.id} has already been refunded.`,
      });
    }
    if (amount > left) {
      throw new StripeProblem(400, {
        type: 'invalid_request_error',
        code: 'amount_too_large',
        param: 'amount',
        message: `Refund amount ($${(amount / 100).toFixed(2)}) is greater than unrefunded amount on charge ($${(left / 100).toFixed(2)})`,
      });
    }
    intent.refunded += amount;
    return {
      id: `re_${randomBytes(12).toString('hex')}`,
      object: 'refund',
      amount,
      payment_intent: intent.id,
      status: 'succeeded',
    };
  }

  private async sendWebhookIfListening(type: string, intent: FakePaymentIntent): Promise<void> {
    if (this.webhookUrl) await this.sendWebhook(type, { ...intent }).catch(() => undefined);
  }
}

/** The Stripe-Signature header for a payload, as Stripe computes it: t=<seconds>,v1=<HMAC-SHA256>. */
export function signStripePayload(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

function unexpectedState(intent: FakePaymentIntent, action: string): StripeProblem {
  return new StripeProblem(400, {
    type: 'invalid_request_error',
    code: 'payment_intent_unexpected_state',
    message: `This PaymentIntent's ${action} could not be performed because it has a status of ${intent.status}.`,
    payment_intent: intent,
  });
}

function headerOf(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  return typeof value === 'string' ? value : null;
}

function ok(body: unknown): Answer {
  return { status: 200, body: structuredClone(body) };
}

function problem(status: number, error: Record<string, unknown>): Answer {
  return { status, body: { error: structuredClone(error) } };
}

function send(response: ServerResponse, answer: Answer): void {
  response.writeHead(answer.status, {
    'content-type': 'application/json',
    'request-id': `req_${randomBytes(6).toString('hex')}`,
  });
  response.end(JSON.stringify(answer.body));
}
