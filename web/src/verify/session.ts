/**
 * The hosted flow's session token. The partner's link carries it in the fragment
 * (`/verify/<inquiryId>#token=st_…`), which browsers never send to a server, so it reaches no access
 * log. On load it moves to sessionStorage (this tab only, gone when the tab closes) and leaves the
 * address bar, so it is not in the history, a bookmark or a screenshot of the page.
 */
import { tokenFromFragment } from './link.js';

const storageKey = (inquiryId: string) => `attestor.session.${inquiryId}`;

export function takeSessionToken(inquiryId: string, storage: Storage = window.sessionStorage): string | null {
  const fromLink = tokenFromFragment(window.location.hash);
  if (fromLink !== null) {
    storage.setItem(storageKey(inquiryId), fromLink);
    window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
    return fromLink;
  }
  return storage.getItem(storageKey(inquiryId));
}

export function forgetSessionToken(inquiryId: string, storage: Storage = window.sessionStorage): void {
  storage.removeItem(storageKey(inquiryId));
}
