import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@attestor/platform/config';
import { Child, describeExit } from './children.js';
import { DevAccountError, ensureDevAccount } from './dev-account.js';
import { findOnPath, NATS_INSTALL_HINT, probeNats } from './nats.js';
import { Output } from './output.js';
import { ensureSecrets, secretsFor } from './secrets.js';
import {
  addressOf,
  databaseNameOf,
  httpBase,
  isLocalHost,
  LaunchError,
  listeningPorts,
  parseLauncherConfig,
  planChildren,
  type LauncherConfig,
} from './plan.js';
import { portProblemMessage, unusablePorts } from './ports.js';
import { createDatabase, probePostgres } from './postgres.js';
import { seconds, untilReady } from './readiness.js';
import {
  discardWebBuild,
  installWebBuild,
  webBuildCommand,
  webBuildState,
  type WebBuildCommand,
} from './web-build.js';

/**
 * `npm start`: the whole platform on this machine with nothing but Node. Uses the Postgres and NATS the
 * environment names (or the local defaults), starts an embedded Postgres and a nats-server where none
 * answers, then the Twilio emulator, the four subgraphs and the gateway as child processes; waits until each
 * is ready, prints where to go and a development API key, and stops everything on Ctrl-C. The web app the
 * gateway serves at `/` is built first when web/dist is missing or was built from other sources.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const dataDir = join(root, '.data');
/** `npm start -- --verbose` (or ATTESTOR_VERBOSE=1) shows every child's log lines on the terminal too. */
const verbose =
  process.argv.includes('--verbose') || ['1', 'true'].includes(process.env['ATTESTOR_VERBOSE'] ?? '');
const output = new Output(process.stdout, { logDir: join(dataDir, 'logs'), verbose });

/** How long a piece of infrastructure or a service may take to become ready before start-up gives up. */
const INFRASTRUCTURE_TIMEOUT_MS = 60_000;
const SERVICES_TIMEOUT_MS = 120_000;
/** Beyond a service's own SHUTDOWN_TIMEOUT_MS, before it gets SIGKILL. */
const SHUTDOWN_MARGIN_MS = 5000;
const INFRASTRUCTURE_STOP_TIMEOUT_MS = 10_000;
/** A child restarted more often than this within the window is given up on (and everything stops). */
const RESTART_LIMIT = 5;
const RESTART_WINDOW_MS = 60_000;

class Launcher {
  /** The emulator, the subgraphs and the gateway: signalled first when stopping. */
  private readonly services: Child[] = [];
  /** The embedded Postgres and nats-server this launcher started: stopped after the services. */
  private readonly infrastructure: Child[] = [];
  /** `vite build` of the web app, while it runs. */
  private webBuild: { child: Child; build: WebBuildCommand } | undefined;
  private stopping: Promise<void> | undefined;
  private shutdownTimeoutMs = 10_000;
  /** Set once everything is ready: from then on a child that dies is restarted. */
  private supervising = false;

  constructor(private readonly env: Record<string, string | undefined>) {}

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  async run(): Promise<void> {
    let config = parseLauncherConfig(this.env);
    this.shutdownTimeoutMs = config.platform.SHUTDOWN_TIMEOUT_MS;
    // Before anything starts: the services' ports must be free (another npm start is the usual holder).
    const unusable = await unusablePorts(config.platform.HOST, listeningPorts(config));
    if (unusable.length > 0) {
      throw new LaunchError(portProblemMessage(config.platform.HOST, unusable, config.ports.gateway));
    }

    // NATS is checked first: its failure (no server, no binary) needs no cleanup and is the likelier one.
    const nats = await this.natsPlan(config);
    const [database, natsUrl] = await Promise.all([this.postgres(config), this.nats(nats), this.web()]);
    if (this.isStopping) return;

    const saved = ensureSecrets(join(dataDir, 'secrets.json'));
    // Every service gets this installation's secrets where the environment sets none (never printed).
    Object.assign(this.env, secretsFor(this.env, saved.secrets));
    config = parseLauncherConfig(this.env);
    output.say(
      saved.created
        ? 'secrets: generated for this installation in .data/secrets.json (owner-readable only)'
        : "secrets: this installation's, from .data/secrets.json",
    );

    const plans = planChildren(config, { databaseUrl: database.url, natsUrl }, this.env, {
      terminal: output.colour && verbose,
      emulatorStatePath: join(dataDir, 'twilio-emulator.json'),
    });
    output.say(`starting ${plans.map((plan) => plan.name).join(', ')}`);
    const children = plans.map((plan) => {
      const child = this.spawn(
        plan.name,
        process.execPath,
        [...plan.nodeArgs, '--import', 'tsx', join(root, plan.entry)],
        plan.env,
        this.services,
        { readyUrl: plan.readyUrl },
      );
      return { plan, child };
    });

    const waitingFor = new Set(children.map(({ child }) => child.name));
    const progress = setInterval(() => {
      if (waitingFor.size > 0 && !this.isStopping) output.say(`waiting for ${[...waitingFor].join(', ')}`);
    }, 5000);
    try {
      await Promise.all(
        children.map(async ({ plan, child }) => {
          const outcome = await untilReady(plan.readyUrl, child.exited, { timeoutMs: SERVICES_TIMEOUT_MS });
          if (outcome === 'timeout') {
            this.fail(
              `${child.name} did not answer ${plan.readyUrl} with 200 within ${seconds(SERVICES_TIMEOUT_MS)}`,
              child,
            );
          }
          if (outcome !== 'ready') return;
          waitingFor.delete(child.name);
          output.say(`${child.name} ready after ${seconds(performance.now())}`);
        }),
      );
    } finally {
      clearInterval(progress);
    }
    if (this.isStopping) return;

    const gatewayUrl = `${httpBase(config.localHost, config.ports.gateway)}/graphql`;
    const accountFile = join(dataDir, 'dev-account.json');
    const { account, reused } = await ensureDevAccount(gatewayUrl, config.platform.ADMIN_TOKEN, accountFile);
    if (this.isStopping) return;
    const readyAfter = performance.now();
    this.supervising = true;

    const outbox =
      config.twilio.kind === 'emulator'
        ? `${httpBase(config.localHost, config.ports.emulator)}/outbox?to=<E.164 number>`
        : 'none: real Twilio (TWILIO_* credentials set)';
    output.raw(
      [
        '',
        output.emphasis(`Attestor is ready (${seconds(readyAfter)} to ready)`),
        `  GraphQL:  ${gatewayUrl}`,
        `  Outbox:   ${outbox}`,
        `  API key:  ${account.apiKey}`,
        `  Account:  ${account.accountId} (${reused ? 'reused from' : 'new, saved in'} .data/dev-account.json)`,
        `  Try:      curl -s ${gatewayUrl} -H 'authorization: Bearer ${account.apiKey}' -H 'content-type: application/json' -d '{"query":"{ account { id name } }"}'`,
        `  Logs:     .data/logs/<service>.log${verbose ? ' (and here)' : ' (npm start -- --verbose shows them here)'}`,
        '  Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
  }

  /** Builds the web app (while Postgres and NATS start) unless web/dist was built from these sources. */
  private async web(): Promise<void> {
    const state = webBuildState(root);
    if (state.fresh) {
      output.say('web: web/dist is up to date');
      return;
    }
    output.say(
      `web: building… (web/dist ${state.reason === 'missing' ? 'is missing' : 'is older than its sources'})`,
    );
    const started = performance.now();
    const build = webBuildCommand(root, state.digest);
    const child = Child.spawn({
      name: 'web',
      command: build.command,
      args: build.args,
      env: this.inheritedEnv(),
      cwd: join(root, 'web'),
      output,
    });
    this.webBuild = { child, build };
    const status = await child.exited;
    this.webBuild = undefined;
    if (this.isStopping || status.code !== 0) {
      discardWebBuild(build);
      if (!this.isStopping) this.fail(`web: the build ${describeExit(status)}`, child);
      return;
    }
    installWebBuild(root, build);
    output.say(`web: built in ${seconds(performance.now() - started)}`);
  }

  /** The Postgres of DATABASE_URL, its database created if missing, or an embedded one in its place. */
  private async postgres(config: LauncherConfig): Promise<{ url: string; embedded: boolean }> {
    const url = config.platform.DATABASE_URL;
    const { host, port } = addressOf(url, 5432);
    const where = `${host}:${port}/${databaseNameOf(url)}`;
    const probe = await probePostgres(url);
    switch (probe.kind) {
      case 'ready':
        output.say(`postgres: using ${where}`);
        return { url, embedded: false };
      case 'missing-database':
        await createDatabase(url);
        output.say(`postgres: created database ${probe.database} on ${host}:${port}`);
        return { url, embedded: false };
      case 'refused':
        throw new LaunchError(`postgres at ${where} refused the launcher: ${probe.message}`);
      case 'no-server':
        break;
    }
    if (!isLocalHost(host)) {
      throw new LaunchError(
        `no Postgres answers at ${host}:${port} (DATABASE_URL), and it is not on this machine`,
      );
    }
    const postgresDir = join(dataDir, 'postgres');
    output.say(
      `postgres: nothing answers at ${host}:${port}; starting PostgreSQL from npm there (data in .data/postgres)`,
    );
    const child = this.spawn(
      'postgres',
      process.execPath,
      ['--import', 'tsx', join(root, 'infra/dev/embedded-postgres-server.ts')],
      {
        ...this.inheritedEnv(),
        EMBEDDED_PG_DATA_DIR: postgresDir,
        EMBEDDED_PG_HOST: host,
        EMBEDDED_PG_PORT: String(port),
        EMBEDDED_PG_DATABASES: databaseNameOf(url),
      },
      this.infrastructure,
    );
    await this.until(child, async () => (await probePostgres(url, 1000)).kind === 'ready');
    if (!this.isStopping) output.say(`postgres: ready after ${seconds(performance.now())}`);
    return { url, embedded: true };
  }

  /** The NATS of NATS_URL (with JetStream), or the nats-server binary to start in its place. */
  private async natsPlan(config: LauncherConfig): Promise<{ url: string; start?: string }> {
    const url = config.platform.NATS_URL;
    const { host, port } = addressOf(url, 4222);
    const probe = await probeNats(url);
    switch (probe.kind) {
      case 'ready':
        output.say(`nats: using ${host}:${port}`);
        return { url };
      case 'no-jetstream':
        throw new LaunchError(`NATS at ${host}:${port} answers without JetStream: restart it with -js`);
      case 'refused':
        throw new LaunchError(`NATS at ${host}:${port} refused the launcher: ${probe.message}`);
      case 'no-server':
        break;
    }
    if (!isLocalHost(host)) {
      throw new LaunchError(`no NATS answers at ${host}:${port} (NATS_URL), and it is not on this machine`);
    }
    const binary = findOnPath('nats-server', this.env['PATH']);
    if (binary === undefined) throw new LaunchError(NATS_INSTALL_HINT);
    return { url, start: binary };
  }

  private async nats({ url, start }: { url: string; start?: string }): Promise<string> {
    if (start === undefined) return url;
    const { host, port } = addressOf(url, 4222);
    output.say(
      `nats: nothing answers at ${host}:${port}; starting ${start} with JetStream (data in .data/nats)`,
    );
    const child = this.spawn(
      'nats',
      start,
      ['-js', '-a', host, '-p', String(port), '-sd', join(dataDir, 'nats')],
      this.inheritedEnv(),
      this.infrastructure,
    );
    await this.until(child, async () => (await probeNats(url, 1000)).kind === 'ready');
    if (!this.isStopping) output.say(`nats: ready after ${seconds(performance.now())}`);
    return url;
  }

  private inheritedEnv(): Record<string, string> {
    return Object.fromEntries(
      Object.entries(this.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
  }

  /**
   * Starts a child. Until the platform is ready, a child that exits stops everything (something is
   * wrong with the set-up). Afterwards the launcher supervises: a child that dies is started again
   * after a backoff (1 s doubling to 30 s) and the terminal says so; one that keeps dying
   * (RESTART_LIMIT times within RESTART_WINDOW_MS) stops everything.
   */
  private spawn(
    name: string,
    command: string,
    args: string[],
    env: Record<string, string>,
    group: Child[],
    supervision: { readyUrl?: string; restarts?: number[] } = {},
  ): Child {
    const restarts = supervision.restarts ?? [];
    const child = Child.spawn({ name, command, args, env, cwd: root, output });
    group.push(child);
    void child.exited.then(async (status) => {
      if (this.isStopping) return;
      if (!this.supervising) {
        this.fail(`${name} ${describeExit(status)}`, child);
        return;
      }
      const now = Date.now();
      const recent = [...restarts.filter((at) => now - at < RESTART_WINDOW_MS), now];
      if (recent.length > RESTART_LIMIT) {
        this.fail(`${name} ${describeExit(status)} again (${recent.length} times within a minute)`, child);
        return;
      }
      const delay = Math.min(1000 * 2 ** (recent.length - 1), 30_000);
      output.say(
        `${name} ${describeExit(status)}; restarting it in ${seconds(delay)} (log: .data/logs/${name}.log)`,
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (this.isStopping) return;
      group.splice(group.indexOf(child), 1);
      const again = this.spawn(name, command, args, env, group, { ...supervision, restarts: recent });
      if (supervision.readyUrl === undefined) {
        output.say(`${name} restarted`);
        return;
      }
      const outcome = await untilReady(supervision.readyUrl, again.exited, {
        timeoutMs: SERVICES_TIMEOUT_MS,
      });
      if (outcome === 'ready') output.say(`${name} restarted and ready`);
      else if (outcome === 'timeout') this.fail(`${name} did not become ready again`, again);
    });
    return child;
  }

  /** Polls `ready` until true; gives up when the child dies (its exit is reported) or after the timeout. */
  private async until(child: Child, ready: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + INFRASTRUCTURE_TIMEOUT_MS;
    while (!this.isStopping && child.running) {
      if (await ready()) return;
      if (Date.now() > deadline) {
        this.fail(`${child.name} was not ready within ${seconds(INFRASTRUCTURE_TIMEOUT_MS)}`, child);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** A child died or never became ready: show why, stop the rest, exit non-zero. */
  fail(reason: string, child?: Child): void {
    if (this.isStopping) return;
    output.say(`${reason}; stopping everything`);
    if (child !== undefined) {
      const lines = child.lastLines();
      if (lines.length > 0) {
        output.say(`last lines of ${child.name} (all of them in .data/logs/${child.name}.log):`);
        for (const line of lines) output.raw(`    ${line}`);
      }
    }
    void this.stop('SIGTERM', true);
  }

  /** Services first (with the signal the launcher got), then the Postgres and NATS it started; then exit. */
  stop(signal: NodeJS.Signals, failed: boolean): Promise<void> {
    this.stopping ??= (async () => {
      if (this.services.length === 0 && this.infrastructure.length === 0) process.exit(failed ? 1 : 0);
      if (!failed)
        output.say(
          `${signal}: stopping ${this.services.map((child) => child.name).join(', ') || 'start-up'}`,
        );
      await this.webBuild?.child.stop(signal, INFRASTRUCTURE_STOP_TIMEOUT_MS);
      const serviceResults = await Promise.all(
        this.services.map(async (child) => ({
          child,
          clean: await child.stop(signal, this.shutdownTimeoutMs + SHUTDOWN_MARGIN_MS),
        })),
      );
      const infrastructureResults = [];
      for (const child of [...this.infrastructure].reverse()) {
        // SIGINT: nats-server exits 0 on it (1 on SIGTERM); the embedded Postgres takes either.
        infrastructureResults.push({
          child,
          clean: await child.stop('SIGINT', INFRASTRUCTURE_STOP_TIMEOUT_MS),
        });
      }
      const unclean = [...serviceResults, ...infrastructureResults].filter((result) => !result.clean);
      for (const { child } of unclean) {
        const status = child.exitStatus;
        output.say(`${child.name} ${status ? describeExit(status) : 'did not stop'}`);
      }
      if (unclean.length === 0) output.say('everything stopped cleanly');
      process.exit(failed || unclean.length > 0 ? 1 : 0);
    })();
    return this.stopping;
  }

  /** Nothing this launcher started may outlive it, whatever ends it. */
  killEverything(): void {
    for (const child of [...this.services, ...this.infrastructure]) child.killNow();
    if (this.webBuild) {
      this.webBuild.child.killNow();
      discardWebBuild(this.webBuild.build);
    }
  }
}

const launcher = new Launcher(process.env);
// The children run in their own process groups, so only the launcher hears these; it passes them on once
// (a Ctrl-C under `npm start` reaches it twice, from the terminal and from npm). A closed terminal (SIGHUP)
// stops the services as SIGTERM does: they handle only SIGINT and SIGTERM.
const forwarded = { SIGINT: 'SIGINT', SIGTERM: 'SIGTERM', SIGHUP: 'SIGTERM' } as const;
for (const [received, sent] of Object.entries(forwarded)) {
  process.on(received, () => void launcher.stop(sent, false));
}
process.on('exit', () => launcher.killEverything());

try {
  await launcher.run();
} catch (error) {
  if (error instanceof ConfigError || error instanceof LaunchError || error instanceof DevAccountError) {
    console.error(`npm start: ${error.message}`);
  } else {
    console.error('npm start: unexpected failure', error);
  }
  // Unless a failure already stops everything, this does.
  if (!launcher.isStopping) await launcher.stop('SIGTERM', true);
}
