import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { connect } from 'nats';

export type NatsProbe =
  { kind: 'ready' } | { kind: 'no-server' } | { kind: 'no-jetstream' } | { kind: 'refused'; message: string };

/** Does a NATS server answer at `url`, with JetStream enabled (the event bus needs it)? */
export async function probeNats(url: string, timeoutMs = 2000): Promise<NatsProbe> {
  let connection;
  try {
    connection = await connect({
      servers: url,
      timeout: timeoutMs,
      reconnect: false,
      name: 'attestor-launcher',
    });
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
    if (code === 'CONNECTION_REFUSED' || code === 'TIMEOUT' || /ECONNREFUSED|timeout/i.test(String(error))) {
      return { kind: 'no-server' };
    }
    return { kind: 'refused', message: error instanceof Error ? error.message : String(error) };
  }
  try {
    const jsm = await connection.jetstreamManager({ timeout: timeoutMs });
    await jsm.getAccountInfo();
    return { kind: 'ready' };
  } catch {
    return { kind: 'no-jetstream' };
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** The full path of an executable on PATH, or undefined. */
export function findOnPath(command: string, path: string | undefined): string | undefined {
  for (const directory of (path ?? '').split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export const NATS_INSTALL_HINT =
  'no NATS answers at NATS_URL and nats-server is not on the PATH: install it (apt-get install nats-server, ' +
  'brew install nats-server, or the release binary of the NATS project) or set NATS_URL to a NATS server with JetStream';
