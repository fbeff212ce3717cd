import { createServer } from 'node:net';

export interface PortProblem {
  name: string;
  port: number;
  /** EADDRINUSE: something listens there already; anything else: the system's reason. */
  reason: string;
}

/**
 * The ports of `wanted` a server could not listen on at `host` right now. Checked before anything
 * starts: a second `npm start` on the same ports used to find the first one's services answering its
 * readiness checks, print "ready", and leave its own children failing to bind behind it.
 */
export async function unusablePorts(
  host: string,
  wanted: Array<{ name: string; port: number }>,
): Promise<PortProblem[]> {
  const problems: PortProblem[] = [];
  for (const { name, port } of wanted) {
    const reason = await listenFails(host, port);
    if (reason !== null) problems.push({ name, port, reason });
  }
  return problems;
}

function listenFails(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(null)));
  });
}

/** One line for the person at the terminal: which ports, and the two ways out. */
export function portProblemMessage(host: string, problems: PortProblem[], portBase: number): string {
  const inUse = problems.filter((p) => p.reason === 'EADDRINUSE');
  const other = problems.filter((p) => p.reason !== 'EADDRINUSE');
  const list = (ps: PortProblem[]) => ps.map((p) => `${p.port} (${p.name})`).join(', ');
  const parts = [
    ...(inUse.length > 0
      ? [`${host}: port${inUse.length > 1 ? 's' : ''} ${list(inUse)} already in use`]
      : []),
    ...other.map((p) => `${host}: cannot listen on ${p.port} (${p.name}): ${p.reason}`),
  ];
  const suggested = portBase + 1000 <= 64_000 ? portBase + 1000 : portBase - 1000;
  return `${parts.join('; ')}. Another npm start may be running (stop it with Ctrl-C), or move every port with ATTESTOR_PORT_BASE (e.g. ATTESTOR_PORT_BASE=${suggested} npm start)`;
}
