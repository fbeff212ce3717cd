import { useEffect, useRef, type ReactNode } from 'react';

/** A page's heading, focused when the page appears so screen readers announce where the user is. */
export function PageTitle({ children, id }: { children: ReactNode; id?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  useEffect(() => {
    const text = ref.current?.textContent?.trim();
    if (text) document.title = text === 'Attestor' ? text : `${text} · Attestor`;
  });
  return (
    <h1 ref={ref} id={id} tabIndex={-1} className="page-title">
      {children}
    </h1>
  );
}

/** A message that screen readers announce: `alert` for errors, `status` for news. */
export function Notice({
  tone,
  children,
  id,
}: {
  tone: 'error' | 'info' | 'success';
  children: ReactNode;
  id?: string;
}) {
  return (
    <p id={id} role={tone === 'error' ? 'alert' : 'status'} className={`notice notice-${tone}`}>
      {children}
    </p>
  );
}

export function Spinner({ label }: { label: string }) {
  return (
    <p className="loading" role="status">
      {label}
    </p>
  );
}

/**
 * A table that may be wider than the screen: it scrolls sideways inside this region, which the
 * keyboard can reach (focusable, named) so its hidden columns are not out of reach.
 */
export function TableRegion({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
