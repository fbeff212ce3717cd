import { createClient as createSocketClient, type Client as SocketClient } from 'graphql-ws';
import { cacheExchange, Client, fetchExchange, subscriptionExchange } from 'urql';

/** Where the API is: the page's own origin, over HTTP and graphql-ws, at /graphql (never a key in the URL). */
export function apiUrls(location: Pick<Location, 'protocol' | 'host'>): { http: string; ws: string } {
  const secure = location.protocol === 'https:';
  return {
    http: `${location.protocol}//${location.host}/graphql`,
    ws: `${secure ? 'wss' : 'ws'}://${location.host}/graphql`,
  };
}

export interface ApiClient {
  client: Client;
  /** Closes the websocket; the client must not be used afterwards. */
  dispose(): void;
}

/**
 * One client per credential (an API key or a session token): queries and mutations by POST with the
 * credential in the Authorization header, subscriptions over one lazy graphql-ws socket that sends it
 * in its connection parameters.
 */
export function createApiClient(credential: string): ApiClient {
  const urls = apiUrls(window.location);
  const authorization = `Bearer ${credential}`;
  const socket: SocketClient = createSocketClient({
    url: urls.ws,
    connectionParams: { authorization },
    lazy: true,
    retryAttempts: 5,
  });
  const client = new Client({
    url: urls.http,
    // POST always: variables (ids, reference ids) stay out of URLs and so out of access logs.
    preferGetMethod: false,
    requestPolicy: 'cache-and-network',
    fetchOptions: { headers: { authorization } },
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({
            unsubscribe: socket.subscribe({ ...request, query: request.query ?? '' }, sink),
          }),
        }),
      }),
    ],
  });
  return { client, dispose: () => void socket.dispose() };
}
