import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { SupergraphSdlHook } from '@apollo/gateway';
import type { Logger } from '@attestor/platform';

/**
 * Serves the supergraph from a file and hot-reloads it: when the file changes (say, after
 * `npm run compose`), the new schema is swapped in without a restart; a file that does not load
 * keeps the previous schema serving. (No subgraph health check: a subgraph being down for a moment
 * must not block a schema change that composition already validated.)
 */
export function supergraphFromFile(path: string, logger: Logger, pollMs = 1000): SupergraphSdlHook {
  return async ({ update }) => {
    let current = readFileSync(path, 'utf8');
    const reload = () => {
      let next: string;
      try {
        next = readFileSync(path, 'utf8');
      } catch (error) {
        logger.warn({ err: error, path }, 'supergraph file unreadable; keeping the current schema');
        return;
      }
      if (next === current) return;
      try {
        update(next);
        current = next;
        logger.info({ path }, 'supergraph reloaded');
      } catch (error) {
        logger.error({ err: error, path }, 'new supergraph refused; keeping the current one');
      }
    };
    watchFile(path, { interval: pollMs }, reload);
    return {
      supergraphSdl: current,
      cleanup: async () => unwatchFile(path, reload),
    };
  };
}
