/** SQLSTATEs that mean the database cannot serve now, not that the request was wrong. */
const unavailableStates = new Set([
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08004', // sqlserver_rejected_establishment_of_sqlconnection
  '08006', // connection_failure
  '53300', // too_many_connections
  '55000', // object_not_in_prerequisite_state: the database is not accepting connections
  '57P01', // admin_shutdown: the connection was terminated
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
]);

const unavailableMessages = [
  /timeout exceeded when trying to connect/i,
  /connection terminated/i,
  /ECONNREFUSED|ECONNRESET|EPIPE/,
  /not currently accepting connections/i,
];

/**
 * Whether an error (from pg, or TypeORM wrapping one) means the database is unreachable or refusing
 * connections: a transient condition to answer with 503 and retry, not a bug.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth++) {
    const candidate = current as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
    if (
      typeof candidate.code === 'string' &&
      (unavailableStates.has(candidate.code) || /^E(CONN|PIPE)/.test(candidate.code))
    ) {
      return true;
    }
    if (typeof candidate.message === 'string' && unavailableMessages.some((m) => m.test(candidate.message as string))) {
      return true;
    }
    current = candidate.driverError ?? candidate.cause;
  }
  return false;
}
