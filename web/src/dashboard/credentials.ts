/**
 * The operator's API key: in this tab's sessionStorage only (gone when the tab closes, never in a
 * URL, a cookie or a log), sent in the Authorization header and the websocket's connection parameters.
 */
const KEY = 'attestor.apiKey';

export function storedApiKey(storage: Storage = window.sessionStorage): string | null {
  return storage.getItem(KEY);
}

export function storeApiKey(apiKey: string, storage: Storage = window.sessionStorage): void {
  storage.setItem(KEY, apiKey);
}

export function forgetApiKey(storage: Storage = window.sessionStorage): void {
  storage.removeItem(KEY);
}
