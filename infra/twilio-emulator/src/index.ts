import type { AddressInfo } from 'node:net';
import { DEV_CREDENTIALS, BUNDLED_FIXTURES } from './config.js';
import { loadFixtures } from './fixtures.js';
import { createEmulatorServer } from './server.js';
import type { ReceivedRequest, RequestLogEntry } from './server.js';
import { loadState, persistState } from './persistence.js';
import { createEmulatorState } from './state.js';

export { DEV_CREDENTIALS, BUNDLED_FIXTURES, ConfigError, loadConfig, emulatorConfigShape } from './config.js';
export type { EmulatorConfig } from './config.js';
export type { ReceivedRequest, RequestLogEntry } from './server.js';
export type { FaultInput, FaultTarget, Operation } from './faults.js';
export type { OutboxMessage } from './outbox.js';
export type { NumberSeed } from './numbers.js';
export { VERIFY_LIMITS } from './verifications.js';
export { OUTBOX_CAPACITY } from './state.js';
export { NUMBER_LIMITS } from './numbers.js';
export { emulatorControl, type EmulatorControl } from './control-client.js';

export interface EmulatorOptions {
  /** 0 (the default here) picks a free port: what parallel tests want. */
  port?: number;
  host?: string;
  accountSid?: string;
  authToken?: string;
  /** An API key the emulator accepts besides the auth token. */
  apiKey?: { sid: string; secret: string };
  verifyServiceSid?: string;
  /** Numbers seeded at start; the bundled fixtures unless given, none with null. */
  fixturesPath?: string | null;
  /** Messages the outbox keeps (default OUTBOX_CAPACITY, 1000). */
  outboxCapacity?: number;
  onRequest?: (entry: RequestLogEntry) => void;
  /** Awaited while each Twilio request is in flight, before it is answered (see EmulatorServerOptions). */
  whileInFlight?: (request: ReceivedRequest) => Promise<void> | void;
  /** A file to keep the state in across restarts (codes, verifications, seeded numbers, the clock). */
  statePath?: string;
  /** Where the emulator says what it restored or could not save (default: stderr). */
  log?: (message: string) => void;
}

export interface RunningEmulator {
  /** Base URL, e.g. `http://127.0.0.1:40123`, without a trailing slash. */
  url: string;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const fixturesPath = options.fixturesPath === undefined ? BUNDLED_FIXTURES : options.fixturesPath;
  const state = createEmulatorState({
    verifyServiceSid: options.verifyServiceSid ?? DEV_CREDENTIALS.verifyServiceSid,
    fixtures: fixturesPath === null ? [] : loadFixtures(fixturesPath),
    ...(options.outboxCapacity !== undefined && { outboxCapacity: options.outboxCapacity }),
  });
  const log = options.log ?? ((message: string) => process.stderr.write(`twilio emulator: ${message}\n`));
  if (options.statePath !== undefined) loadState(state, options.statePath, log);
  const persistence =
    options.statePath === undefined ? undefined : persistState(state, options.statePath, log);
  const server = createEmulatorServer({
    accountSid: options.accountSid ?? DEV_CREDENTIALS.accountSid,
    authToken: options.authToken ?? DEV_CREDENTIALS.authToken,
    apiKey: options.apiKey,
    state,
    ...(options.onRequest && { onRequest: options.onRequest }),
    ...(options.whileInFlight && { whileInFlight: options.whileInFlight }),
  });
  // Anything but a read may have changed the state: save it soon after the answer.
  if (persistence !== undefined) {
    server.on('request', (req, res) => {
      if (req.method !== 'GET') res.once('finish', () => persistence.schedule());
    });
  }
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          persistence?.flush();
          if (error) reject(error);
          else resolve();
        });
        server.closeAllConnections();
      }),
  };
}
