/** SQLSTATEs of a lost session: connection exceptions (class 08) and the server shutting it down. */
const LOST_SESSION = /^(08|57P0[123])/;
/** What node-postgres and the socket say when the connection went away under a query. */
const LOST_SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);
const LOST_SOCKET_MESSAGE = /Connection terminated|connection error and is not queryable|Client was closed/i;
/** The pool waited `connectionTimeoutMillis` for a connection (the database down, or every one busy). */
const NO_CONNECTION_MESSAGE = /timeout exceeded when trying to connect/i;

/** The error and what it wraps, a few levels down: TypeORM keeps the driver's error as `driverError`. */
function* chainOf(error: unknown): Generator<{ code?: unknown; message?: unknown }> {
  for (let at: unknown = error, depth = 0; at !== null && typeof at === 'object' && depth < 4; depth++) {
    yield at as { code?: unknown; message?: unknown };
    at = (at as { driverError?: unknown; cause?: unknown }).driverError ?? (at as { cause?: unknown }).cause;
  }
}

/**
 * True when `error` says the connection to PostgreSQL was lost (the server restarted or terminated
 * the session, the socket broke), not that the statement was refused.
 */
export function isConnectionLoss(error: unknown): boolean {
  for (const { code, message } of chainOf(error)) {
    if (typeof code === 'string' && (LOST_SESSION.test(code) || LOST_SOCKET_CODES.has(code))) return true;
    if (typeof message === 'string' && LOST_SOCKET_MESSAGE.test(message)) return true;
  }
  return false;
}

/**
 * True when the request failed because the database (or the connection to it) was not there: a lost
 * connection, or none to be had in time. What a caller may retry, unlike a fault of the statement.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (isConnectionLoss(error)) return true;
  for (const { message } of chainOf(error)) {
    if (typeof message === 'string' && NO_CONNECTION_MESSAGE.test(message)) return true;
  }
  return false;
}
