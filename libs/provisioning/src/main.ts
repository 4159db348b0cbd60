import { defaultDeliveryLimit } from './broker-topology';
import { setUpTopology } from './set-up-broker';

/**
 * Declares a namespace's topology as an administrator, for a broker whose users someone else made (the
 * compose stack's definitions.json): ADMIN_AMQP_URL, NAMESPACE, and RETRIES (retry queues per work
 * queue, default 4, one per delay of the services' RETRY_DELAYS_MS).
 */
async function main(): Promise<void> {
  const adminUrl = process.env.ADMIN_AMQP_URL;
  const namespace = process.env.NAMESPACE;
  if (!adminUrl || !namespace) throw new Error('set ADMIN_AMQP_URL and NAMESPACE');
  const retries = Number(process.env.RETRIES ?? 4);
  if (!Number.isSafeInteger(retries) || retries < 0) throw new Error(`RETRIES must be a count, got ${retries}`);
  await setUpTopology({ adminUrl, namespace, failureOptions: { deliveryLimit: defaultDeliveryLimit, retries } });
  console.log(`declared the topology of namespace ${namespace}`);
}

main().catch((error: unknown) => {
  console.error(`broker setup failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
