import { lazy, Suspense } from 'react';
import { BrowserRouter, Link, Route, Routes } from 'react-router';
import { PageTitle, Spinner } from './ui/ui.js';

// Each face is its own chunk: an end user's phone never downloads the dashboard and its charts.
const HostedFlow = lazy(() =>
  import('./verify/HostedPage.js').then((module) => ({ default: module.HostedPage })),
);
const Dashboard = lazy(() =>
  import('./dashboard/Dashboard.js').then((module) => ({ default: module.Dashboard })),
);

/** The two faces of Attestor: the end user's hosted flow and the operator's dashboard. */
export function App() {
  return (
    <BrowserRouter>
      <Suspense fallback={<Spinner label="Loading…" />}>
        <Routes>
          <Route path="/" element={<Home />} />
          <Route path="/verify/:inquiryId" element={<HostedFlow />} />
          <Route path="/dashboard/*" element={<Dashboard />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </Suspense>
    </BrowserRouter>
  );
}

function Home() {
  return (
    <main className="home">
      <PageTitle>Attestor</PageTitle>
      <p>
        Open-source identity verification: a phone code, a fraud check before every SMS, and a name match.
      </p>
      <p>
        Operators: <Link to="/dashboard">open the dashboard</Link>. End users arrive through the link their
        company sends them.
      </p>
    </main>
  );
}

function NotFound() {
  return (
    <main className="home">
      <PageTitle>Page not found</PageTitle>
      <p>
        <Link to="/">Go to the start page</Link>
      </p>
    </main>
  );
}
