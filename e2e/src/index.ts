export { Shop } from './harness/shop';
export type { Product } from './harness/shop';
export { SystemUnderTest } from './harness/system-under-test';
export type { OrderView, SagaView } from './harness/system-under-test';
