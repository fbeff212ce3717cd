/** The session token in the fragment of the partner's link (`#token=st_…`), when it looks like one. */
export function tokenFromFragment(hash: string): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return token !== null && /^st_[A-Za-z0-9._~-]+$/.test(token) ? token : null;
}
