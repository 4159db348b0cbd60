export {
  allowPruning,
  allowPruningInThisTransaction,
  dropAppendOnly,
  makeAppendOnly,
  makeAppendOnlyStrict,
} from './append-only';
export { isDatabaseUnavailable } from './database-unavailable';
export {
  advisoryKey,
  createServiceDataSource,
  initializeDataSource,
  isDatabaseReachable,
  lockUntilCommit,
  migrate,
  schemaOf,
} from './data-source';
export type { ServiceDataSourceOptions } from './data-source';
export { amountFromDatabase, minorUnits } from './minor-units';
export { literal, placeholders, preparedQuery, transactionBeginningWith } from './prepared-query';
export type { Param } from './prepared-query';
export { deleteOldRows } from './retention-rule';
export type { OldRows, RetentionRule } from './retention-rule';
