import { useId, useState, type FormEvent } from 'react';
import { Notice, PageTitle } from '../ui/ui.js';

/** The API key, typed or pasted; kept for this tab only. */
export function SignIn({ onSignIn, refusal }: { onSignIn(apiKey: string): void; refusal: string | null }) {
  const id = useId();
  const [apiKey, setApiKey] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const key = apiKey.trim();
    if (!/^sk_\S+$/.test(key)) {
      setProblem('An API key starts with sk_ (npm start prints one).');
      return;
    }
    onSignIn(key);
  };
  const error = problem ?? refusal;
  return (
    <main className="sign-in">
      <section className="card" aria-labelledby={`${id}-title`}>
        <PageTitle id={`${id}-title`}>Sign in to the Attestor dashboard</PageTitle>
        <p>
          Use an API key of your account. It stays in this browser tab only and is forgotten when you close
          it.
        </p>
        <form onSubmit={submit} noValidate>
          <div className="field">
            <label htmlFor={`${id}-key`}>API key</label>
            <input
              id={`${id}-key`}
              type="password"
              autoComplete="off"
              spellCheck={false}
              value={apiKey}
              aria-invalid={error !== null}
              aria-describedby={error ? `${id}-problem` : undefined}
              onChange={(event) => setApiKey(event.target.value)}
            />
          </div>
          {error && (
            <Notice tone="error" id={`${id}-problem`}>
              {error}
            </Notice>
          )}
          <button type="submit" className="primary">
            Sign in
          </button>
        </form>
      </section>
    </main>
  );
}
