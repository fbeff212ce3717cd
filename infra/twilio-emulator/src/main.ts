import { ConfigError, loadConfig, startEmulator } from './index.js';

/** Runs the emulator standalone: config from the environment, one JSON log line per request on stdout. */
try {
  const config = loadConfig(process.env);
  const emulator = await startEmulator({
    ...config,
    onRequest: (entry) => process.stdout.write(`${JSON.stringify(entry)}\n`),
  });
  process.stdout.write(`${JSON.stringify({ msg: 'twilio emulator listening', url: emulator.url })}\n`);
  const stop = (): void => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
    console.error(`Invalid EMULATOR_PORT: the port is already in use (${error.message})`);
    process.exit(1);
  }
  throw error;
}
