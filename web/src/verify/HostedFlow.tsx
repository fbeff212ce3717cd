import { useCallback, useMemo, useState } from 'react';
import { useParams } from 'react-router';
import { Provider, useQuery, useSubscription } from 'urql';
import { apiErrorOf } from '../api/errors.js';
import { useApiClient } from '../api/use-api-client.js';
import {
  HostedInquiryDocument,
  HostedInquiryUpdatedDocument,
  type HostedInquiryFragment,
  type HostedVerificationFragment,
} from '../graphql/generated.js';
import { useI18n } from '../i18n/i18n.js';
import { languageNames, languages, type Language, type MessageKey } from '../i18n/messages.js';
import { Spinner } from '../ui/ui.js';
import { ChallengeForm } from './ChallengeForm.js';
import { CodeForm } from './CodeForm.js';
import { endsSession } from './messages-for-errors.js';
import { continueUrl, mergeVerifications, screenOf, type HostedScreen } from './flow.js';
import { Outcome } from './Outcome.js';
import { PhoneForm } from './PhoneForm.js';
import { takeSessionToken } from './session.js';
import { useChallengeRetry } from './use-challenge-retry.js';

/** `/verify/<inquiryId>#token=st_…`: the end user's phone verification, in their language. */
export function HostedFlow() {
  const { inquiryId = '' } = useParams();
  const [token] = useState(() => takeSessionToken(inquiryId));
  const client = useApiClient(token);
  const { t } = useI18n();
  return (
    <div className="hosted">
      <header className="hosted-header">
        <span className="brand">{t('app.name')}</span>
        <LanguagePicker />
      </header>
      <main className="hosted-main">
        {token === null ? (
          <Outcome title="outcome.noLink.title" body="outcome.noLink.body" />
        ) : client === null ? (
          <Spinner label={t('loading')} />
        ) : (
          <Provider value={client}>
            <HostedInquiry inquiryId={inquiryId} />
          </Provider>
        )}
      </main>
    </div>
  );
}

function LanguagePicker() {
  const { t, language, setLanguage } = useI18n();
  return (
    <label className="language">
      <span>{t('language.label')}</span>
      <select value={language} onChange={(event) => setLanguage(event.target.value as Language)}>
        {languages.map((option) => (
          <option key={option} value={option} lang={option}>
            {languageNames[option]}
          </option>
        ))}
      </select>
    </label>
  );
}

const outcomes: Partial<Record<HostedScreen['kind'], { title: MessageKey; body?: MessageKey }>> = {
  blocked: { title: 'outcome.blocked.title', body: 'outcome.blocked.body' },
  'too-many-attempts': { title: 'outcome.attempts.title', body: 'outcome.attempts.body' },
  'code-expired': { title: 'outcome.codeExpired.title', body: 'outcome.codeExpired.body' },
  failed: { title: 'outcome.failed.title', body: 'outcome.failed.body' },
  expired: { title: 'outcome.expired.title', body: 'outcome.expired.body' },
  finishing: { title: 'outcome.finishing.title', body: 'outcome.finishing.body' },
  done: { title: 'outcome.done.title', body: 'outcome.done.body' },
};

function HostedInquiry({ inquiryId }: { inquiryId: string }) {
  const { t } = useI18n();
  const variables = useMemo(() => ({ id: inquiryId }), [inquiryId]);
  const [query, refetch] = useQuery({ query: HostedInquiryDocument, variables });
  // The current state first, then every transition (the done page appears without a reload).
  const [live] = useSubscription({ query: HostedInquiryUpdatedDocument, variables });
  // What our own mutations returned: newer than the last inquiry message for attempts and sends.
  const [mine, setMine] = useState<HostedVerificationFragment[]>([]);
  const remember = useCallback((verification: HostedVerificationFragment) => {
    setMine((known) => [verification, ...known.filter((v) => v.id !== verification.id)]);
  }, []);
  const reload = useCallback(() => refetch({ requestPolicy: 'network-only' }), [refetch]);
  const challenged = useChallengeRetry(remember, reload);

  const fetched: HostedInquiryFragment | null | undefined = live.data?.inquiryUpdated ?? query.data?.inquiry;
  const error = query.error ?? live.error;
  if (fetched === undefined) {
    if (error && endsSession(apiErrorOf(error))) {
      return <Outcome title="outcome.expired.title" body="outcome.expired.body" />;
    }
    if (error) return <Outcome title="outcome.notFound.title" body="error.network" />;
    return <Spinner label={t('loading')} />;
  }
  if (fetched === null) return <Outcome title="outcome.notFound.title" body="outcome.noLink.body" />;

  const inquiry = { ...fetched, phoneVerifications: mergeVerifications(fetched.phoneVerifications, mine) };
  const screen = screenOf(inquiry);
  switch (screen.kind) {
    case 'phone':
      return <PhoneForm key="phone" inquiry={inquiry} onStarted={challenged.started} onStale={reload} />;
    case 'challenge':
      return (
        <ChallengeForm
          key={`challenge-${screen.verification.id}-${screen.verification.challenge?.salt ?? 'none'}`}
          verification={screen.verification}
          retry={(solution) => challenged.retry(screen.verification, solution)}
        />
      );
    case 'code':
      return (
        <CodeForm
          key={screen.verification.id}
          verification={screen.verification}
          initialNews={challenged.news}
          onUpdate={remember}
          onStale={reload}
        />
      );
    default: {
      const outcome = outcomes[screen.kind];
      const continueTo =
        screen.kind === 'done' ? continueUrl(inquiry.template.redirectUrl, inquiry.id) : null;
      return outcome ? (
        <Outcome key={screen.kind} title={outcome.title} body={outcome.body} continueTo={continueTo} />
      ) : null;
    }
  }
}
