import { createInterface } from 'node:readline/promises';
import { HttpClient } from './api/http-client';
import { SagaApi } from './api/saga-api';
import { usage } from './errors';
import { Output, type OutputFormat } from './output/output';
import type { TimeFormat } from './output/style';

/** The options every command takes, after the environment filled in what the command line left out. */
export interface GlobalOptions {
  readonly api: string;
  readonly ordersApi: string;
  readonly token?: string;
  readonly managementUrl: string;
  readonly namespace: string;
  readonly output: OutputFormat;
  readonly timeFormat: TimeFormat;
}

/** What a command works with: the APIs, the output, the clock and a way to ask the operator. */
export interface CliContext {
  readonly api: SagaApi;
  /** RabbitMQ's management HTTP API: queue depths. */
  readonly management: HttpClient;
  readonly namespace: string;
  readonly out: Output;
  now(): number;
  /** Asks a yes/no question on a terminal; false when there is none to ask on. */
  confirm(question: string): Promise<boolean>;
}

export function contextOf(options: GlobalOptions): CliContext {
  const url = (value: string, option: string) => {
    try {
      return new URL(value);
    } catch {
      throw usage(`${option} takes a URL such as http://127.0.0.1:3004, not "${value}"`);
    }
  };
  const sagas = new HttpClient('order-saga', url(options.api, '--api'), options.token);
  const orders = new HttpClient('order-api', url(options.ordersApi, '--orders-api'), options.token);
  return {
    api: new SagaApi(sagas, orders),
    management: new HttpClient('the RabbitMQ management API', url(options.managementUrl, '--management-url')),
    namespace: options.namespace,
    out: Output.forStdout(options.output, options.timeFormat),
    now: Date.now,
    async confirm(question) {
      if (!process.stdin.isTTY || !process.stdout.isTTY) return false;
      const prompt = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
      } finally {
        prompt.close();
      }
    },
  };
}
