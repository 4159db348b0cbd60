import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dropAppendOnly, makeAppendOnly, schemaOf } from '@saga/persistence';

/**
 * Card payments through a provider called outside the transaction (Stripe): the AUTHORIZING intent
 * with the card's token until the answer is recorded, REQUIRES_ACTION with the reply it owes the saga
 * until the provider's webhook comes, every status change with its cause, and the provider's events
 * seen (each handled once).
 */
export class CardPaymentsThroughAProvider1732200001300 implements MigrationInterface {
  name = 'CardPaymentsThroughAProvider1732200001300';

  async up(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`
      ALTER TABLE "${s}".payments
        DROP CONSTRAINT payments_provider_check,
        DROP CONSTRAINT payments_status_check,
        DROP CONSTRAINT payments_provider_ref_once_authorized,
        ADD COLUMN payment_method jsonb,
        ADD COLUMN next_action text,
        ADD COLUMN awaiting_reply jsonb,
        ADD CONSTRAINT payments_provider_check CHECK (provider IN ('wallet', 'test-card', 'stripe')),
        ADD CONSTRAINT payments_status_check
          CHECK (status IN ('AUTHORIZING', 'REQUIRES_ACTION', 'AUTHORIZED', 'CAPTURED', 'VOIDED', 'DECLINED')),
        ADD CONSTRAINT payments_provider_ref_once_authorized
          CHECK (provider IS NULL OR status IN ('DECLINED', 'AUTHORIZING', 'VOIDED') OR provider_ref IS NOT NULL),
        ADD CONSTRAINT payments_method_only_while_authorizing
          CHECK (payment_method IS NULL OR status = 'AUTHORIZING'),
        ADD CONSTRAINT payments_awaiting_reply_only_while_requiring_action
          CHECK ((awaiting_reply IS NOT NULL) = (status = 'REQUIRES_ACTION'))`);
    await runner.query(`CREATE INDEX payments_by_provider_ref ON "${s}".payments (provider_ref)`);
    await runner.query(`
      CREATE TABLE "${s}".payment_status_history (
        id bigserial PRIMARY KEY,
        payment_id uuid NOT NULL REFERENCES "${s}".payments (id),
        status text NOT NULL,
        cause_kind text NOT NULL CHECK (cause_kind IN ('command', 'webhook')),
        cause_id text NOT NULL,
        cause_type text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX payment_status_history_of ON "${s}".payment_status_history (payment_id, id)`);
    await makeAppendOnly(runner, 'payment_status_history');
    await runner.query(`
      CREATE TABLE "${s}".provider_events (
        event_id text PRIMARY KEY,
        type text NOT NULL,
        intent_id text,
        intent jsonb,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX provider_events_of_intent ON "${s}".provider_events (intent_id, received_at)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    const s = schemaOf(runner.connection);
    await runner.query(`DROP TABLE "${s}".provider_events`);
    await runner.query(`DROP TABLE "${s}".payment_status_history`);
    await dropAppendOnly(runner, 'payment_status_history');
    await runner.query(`DROP INDEX "${s}".payments_by_provider_ref`);
    await runner.query(`
      ALTER TABLE "${s}".payments
        DROP CONSTRAINT payments_awaiting_reply_only_while_requiring_action,
        DROP CONSTRAINT payments_method_only_while_authorizing,
        DROP CONSTRAINT payments_provider_ref_once_authorized,
        DROP CONSTRAINT payments_status_check,
        DROP CONSTRAINT payments_provider_check,
        DROP COLUMN awaiting_reply,
        DROP COLUMN next_action,
        DROP COLUMN payment_method,
        ADD CONSTRAINT payments_provider_check CHECK (provider IN ('wallet', 'test-card')),
        ADD CONSTRAINT payments_status_check CHECK (status IN ('AUTHORIZED', 'CAPTURED', 'VOIDED', 'DECLINED')),
        ADD CONSTRAINT payments_provider_ref_once_authorized
          CHECK (provider IS NULL OR status = 'DECLINED' OR provider_ref IS NOT NULL)`);
  }
}
