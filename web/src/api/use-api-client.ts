import { useEffect, useMemo } from 'react';
import type { Client } from 'urql';
import { createApiClient } from './client.js';

/**
 * A client for `credential` while the component lives. Creating one opens nothing (its websocket is
 * lazy); the socket is closed when the credential changes or the component goes away.
 */
export function useApiClient(credential: string | null): Client | null {
  const api = useMemo(() => (credential === null ? null : createApiClient(credential)), [credential]);
  useEffect(() => () => api?.dispose(), [api]);
  return api?.client ?? null;
}
