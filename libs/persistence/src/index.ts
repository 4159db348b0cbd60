export { dropAppendOnly, makeAppendOnly } from './append-only';
export {
  advisoryKey,
  createServiceDataSource,
  initializeDataSource,
  isDatabaseReachable,
  migrate,
  schemaOf,
} from './data-source';
export type { ServiceDataSourceOptions } from './data-source';
