import { useCallback, useEffect, useState } from 'react';
import { NavLink, Route, Routes } from 'react-router';
import { Provider, useQuery } from 'urql';
import { apiErrorOf } from '../api/errors.js';
import { useApiClient } from '../api/use-api-client.js';
import { AccountDocument } from '../graphql/generated.js';
import { Spinner } from '../ui/ui.js';
import { forgetApiKey, storeApiKey, storedApiKey } from './credentials.js';
import { FraudPage } from './FraudPage.js';
import { InquiriesPage } from './InquiriesPage.js';
import { InquiryPage } from './InquiryPage.js';
import { SignIn } from './SignIn.js';

/** `/dashboard…`: the operator's pages, behind an API key of the account. */
export function Dashboard() {
  const [apiKey, setApiKey] = useState<string | null>(storedApiKey);
  const [refusal, setRefusal] = useState<string | null>(null);
  const client = useApiClient(apiKey);
  const signIn = useCallback((key: string) => {
    storeApiKey(key);
    setRefusal(null);
    setApiKey(key);
  }, []);
  const signOut = useCallback((reason: string | null = null) => {
    forgetApiKey();
    setRefusal(reason);
    setApiKey(null);
  }, []);

  if (apiKey === null) return <SignIn onSignIn={signIn} refusal={refusal} />;
  if (client === null) return <Spinner label="Loading…" />;
  return (
    <Provider value={client}>
      <Shell onSignOut={signOut} />
    </Provider>
  );
}

function Shell({ onSignOut }: { onSignOut(reason?: string | null): void }) {
  const [account] = useQuery({ query: AccountDocument });
  const refused = account.error && apiErrorOf(account.error).code === 'UNAUTHENTICATED';
  useEffect(() => {
    if (refused) onSignOut('That API key was not accepted. Check it and sign in again.');
  }, [refused, onSignOut]);
  return (
    <div className="dashboard">
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <header className="dashboard-header">
        <span className="brand">Attestor</span>
        <nav aria-label="Dashboard">
          <NavLink to="/dashboard" end>
            Inquiries
          </NavLink>
          <NavLink to="/dashboard/fraud">Fraud</NavLink>
        </nav>
        <span className="account">{account.data?.account.name}</span>
        <button type="button" onClick={() => onSignOut()}>
          Sign out
        </button>
      </header>
      <main id="content" className="dashboard-main">
        <Routes>
          <Route index element={<InquiriesPage />} />
          <Route path="inquiries/:inquiryId" element={<InquiryPage />} />
          <Route path="fraud" element={<FraudPage />} />
          <Route path="*" element={<p>There is no such page in the dashboard.</p>} />
        </Routes>
      </main>
    </div>
  );
}
