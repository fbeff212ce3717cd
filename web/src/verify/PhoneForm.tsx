import { useId, useMemo, useRef, useState, type FormEvent } from 'react';
import type { CountryCode } from 'libphonenumber-js';
import { useMutation } from 'urql';
import { apiErrorOf } from '../api/errors.js';
import {
  StartPhoneVerificationDocument,
  type HostedInquiryFragment,
  type HostedVerificationFragment,
  type PhoneChannel,
  type StartPhoneVerificationMutationVariables,
} from '../graphql/generated.js';
import { useI18n } from '../i18n/i18n.js';
import { Notice, PageTitle } from '../ui/ui.js';
import { endsSession, errorMessage } from './messages-for-errors.js';
import { countryOptions, defaultCountry, exampleNumber, formatAsTyped, toE164 } from './phone.js';

/** The first step: the end user's country and number, formatted as they type; then a code is sent. */
export function PhoneForm({
  inquiry,
  onStarted,
  onStale,
}: {
  inquiry: HostedInquiryFragment;
  onStarted(verification: HostedVerificationFragment, request: StartPhoneVerificationMutationVariables): void;
  onStale(): void;
}) {
  const { t, language } = useI18n();
  const id = useId();
  const options = useMemo(() => countryOptions(language), [language]);
  const [country, setCountry] = useState<CountryCode>(() =>
    defaultCountry({
      verificationCountry: inquiry.phoneVerifications[0]?.countryCode,
      inquiryPhone: inquiry.fields.phoneNumber,
      languages: navigator.languages,
    }),
  );
  const [number, setNumber] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  // The number takes no text message but a voice call works: the end user may ask for the call.
  const [callOffered, setCallOffered] = useState(false);
  const [{ fetching }, start] = useMutation(StartPhoneVerificationDocument);
  const input = useRef<HTMLInputElement>(null);
  const countryName = options.find((option) => option.code === country)?.name ?? country;
  const example = exampleNumber(country);

  const submit = async (event: FormEvent, channel: PhoneChannel = 'SMS') => {
    event.preventDefault();
    const e164 = toE164(number, country);
    if (e164 === null) {
      setProblem(t('phone.invalid', { country: countryName }));
      input.current?.focus();
      return;
    }
    setProblem(null);
    const request = { inquiryId: inquiry.id, phoneNumber: e164, channel, locale: language };
    const result = await start(request);
    if (result.data) {
      onStarted(result.data.startPhoneVerification.verification, request);
      return;
    }
    if (!result.error) return;
    const error = apiErrorOf(result.error);
    if (error.code === 'BAD_USER_INPUT' && error.field === 'channel' && channel !== 'CALL') {
      setCallOffered(true);
      setProblem(t('phone.callOffered'));
    } else if (error.code === 'BAD_USER_INPUT' && error.field === 'phoneNumber') {
      setProblem(t('phone.invalid', { country: countryName }));
      input.current?.focus();
    } else if (endsSession(error) || (error.code === 'BAD_USER_INPUT' && error.field === 'inquiryId')) {
      // The inquiry moved on (expired, failed elsewhere): show what it is now.
      onStale();
    } else {
      const message = errorMessage(error);
      setProblem(t(message.key, message.vars));
    }
  };

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <PageTitle id={`${id}-title`}>{t('phone.title')}</PageTitle>
      <p>{t('phone.intro')}</p>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={`${id}-country`}>{t('phone.country')}</label>
          <select
            id={`${id}-country`}
            value={country}
            autoComplete="tel-country-code"
            onChange={(event) => {
              const next = event.target.value as CountryCode;
              setCallOffered(false);
              setCountry(next);
              setNumber((current) => formatAsTyped(current, next).text);
            }}
          >
            {options.map((option) => (
              <option key={option.code} value={option.code}>
                {option.name} (+{option.callingCode})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-number`}>{t('phone.number')}</label>
          <input
            ref={input}
            id={`${id}-number`}
            type="tel"
            inputMode="tel"
            autoComplete="tel"
            value={number}
            aria-invalid={problem !== null}
            aria-describedby={[example ? `${id}-example` : '', problem ? `${id}-problem` : '']
              .filter(Boolean)
              .join(' ')}
            onChange={(event) => {
              const typed = event.target.value;
              // Deleting a formatting character must not bring it straight back: format only when adding.
              const formatted =
                typed.length < number.length ? { text: typed } : formatAsTyped(typed, country);
              setNumber(formatted.text);
              if ('country' in formatted && formatted.country) setCountry(formatted.country);
            }}
          />
          {example && (
            <p id={`${id}-example`} className="hint">
              {t('phone.example', { example })}
            </p>
          )}
        </div>
        {problem && (
          <Notice tone="error" id={`${id}-problem`}>
            {problem}
          </Notice>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={fetching}>
            {fetching ? t('phone.sending') : t('phone.send')}
          </button>
          {callOffered && (
            <button type="button" disabled={fetching} onClick={(event) => void submit(event, 'CALL')}>
              {t('phone.callMe')}
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
