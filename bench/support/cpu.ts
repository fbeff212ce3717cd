import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) used so far by the processes whose command line each matcher accepts,
 * read from /proc: where a benchmark's time goes, per process (Linux only; empty elsewhere).
 */
export function cpuSeconds(
  matchers: Record<string, (commandLine: string, pid: number) => boolean>,
): Record<string, number> {
  const totals: Record<string, number> = Object.fromEntries(Object.keys(matchers).map((name) => [name, 0]));
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return totals;
  }
  for (const pid of pids) {
    let commandLine: string;
    let stat: string;
    try {
      commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const name = Object.keys(matchers).find((candidate) => matchers[candidate]!(commandLine, Number(pid)));
    if (name === undefined) continue;
    // Fields after the command name (which may hold spaces, in parentheses): utime is 14th, stime 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    totals[name]! += (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  }
  return totals;
}

export function cpuSpent(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  return Object.fromEntries(
    Object.keys(after).map((name) => [name, (after[name] ?? 0) - (before[name] ?? 0)]),
  );
}
