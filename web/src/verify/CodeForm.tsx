import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { apiErrorOf, type ApiError } from '../api/errors.js';
import {
  CancelPhoneVerificationDocument,
  CheckPhoneVerificationDocument,
  ResendPhoneVerificationDocument,
  type HostedVerificationFragment,
  type PhoneChannel,
} from '../graphql/generated.js';
import { useI18n } from '../i18n/i18n.js';
import type { MessageKey } from '../i18n/messages.js';
import { Notice, PageTitle } from '../ui/ui.js';
import { CodeInput } from './CodeInput.js';
import { attemptsLeft, CODE_LENGTH, secondsUntilResend } from './flow.js';
import { endsSession, errorMessage } from './messages-for-errors.js';

const empty = () => Array.from({ length: CODE_LENGTH }, () => '');

/** The second step: the code, checked as soon as every box is filled; resend or call after a wait. */
export function CodeForm({
  verification,
  initialNews = null,
  onUpdate,
  onStale,
}: {
  verification: HostedVerificationFragment;
  /** What to say first (a resend that went out after a challenge: "We sent you a new code."). */
  initialNews?: MessageKey | null;
  onUpdate(verification: HostedVerificationFragment): void;
  onStale(): void;
}) {
  const { t, tPlural, language } = useI18n();
  const id = useId();
  const [digits, setDigits] = useState<string[]>(empty);
  const [focusKey, setFocusKey] = useState(0);
  const [problem, setProblem] = useState<string | null>(null);
  const [news, setNews] = useState<string | null>(() => (initialNews ? t(initialNews) : null));
  const [callOffered, setCallOffered] = useState(false);
  const [lastSentAt, setLastSentAt] = useState(() =>
    Math.min(Date.now(), Date.parse(verification.createdAt)),
  );
  const [now, setNow] = useState(Date.now);
  const [check, runCheck] = useMutation(CheckPhoneVerificationDocument);
  const [resend, runResend] = useMutation(ResendPhoneVerificationDocument);
  const [cancel, runCancel] = useMutation(CancelPhoneVerificationDocument);
  const checkedCode = useRef<string | null>(null);

  const wait = secondsUntilResend(lastSentAt, now);
  useEffect(() => {
    if (wait === 0) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [wait]);

  const failed = (error: ApiError) => {
    if (endsSession(error) || error.code === 'BAD_USER_INPUT') {
      // Expired, used up or ended elsewhere: the inquiry says what happens next.
      onStale();
      return;
    }
    const message = errorMessage(error);
    setProblem(t(message.key, message.vars));
  };

  const submitCode = async (code: string) => {
    if (check.fetching || checkedCode.current === code) return;
    checkedCode.current = code;
    setNews(null);
    const result = await runCheck({ verificationId: verification.id, code });
    const checked = result.data?.checkPhoneVerification;
    if (!checked) {
      checkedCode.current = null;
      if (result.error) failed(apiErrorOf(result.error));
      return;
    }
    if (checked.status === 'PENDING') {
      setProblem(tPlural('code.wrong', attemptsLeft(checked.checkAttempts)));
      setDigits(empty());
      checkedCode.current = null;
      setFocusKey((key) => key + 1);
    }
    onUpdate(checked);
  };

  const onDigits = (next: string[]) => {
    setDigits(next);
    if (next.every((digit) => digit !== '')) void submitCode(next.join(''));
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (digits.some((digit) => digit === '')) {
      setProblem(t('code.incomplete', { length: CODE_LENGTH }));
      setFocusKey((key) => key + 1);
      return;
    }
    checkedCode.current = null;
    void submitCode(digits.join(''));
  };

  const sendAgain = async (channel: PhoneChannel) => {
    setProblem(null);
    setNews(null);
    const result = await runResend({ verificationId: verification.id, channel });
    if (result.error && channel !== 'CALL' && apiErrorOf(result.error).field === 'channel') {
      // This number takes no text message, but a voice call works (the fraud policy says which).
      setCallOffered(true);
      setProblem(t('phone.callOffered'));
      return;
    }
    if (result.data) {
      setLastSentAt(Date.now());
      setNow(Date.now());
      setNews(t(channel === 'CALL' ? 'code.calling' : 'code.resent'));
      onUpdate(result.data.resendPhoneVerification);
    } else if (result.error) {
      failed(apiErrorOf(result.error));
    }
  };

  const otherNumber = async () => {
    const result = await runCancel({ verificationId: verification.id });
    if (result.data) onUpdate(result.data.cancelPhoneVerification);
    else if (result.error) failed(apiErrorOf(result.error));
  };

  const busy = check.fetching || resend.fetching || cancel.fetching;
  const sentKey = verification.channel === 'CALL' ? 'code.sentCall' : 'code.sentSms';
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <PageTitle id={`${id}-title`}>{t('code.title')}</PageTitle>
      <p id={`${id}-sent`}>{t(sentKey, { number: verification.phoneNumberMasked, length: CODE_LENGTH })}</p>
      <form onSubmit={onSubmit} noValidate lang={language}>
        <fieldset>
          <legend>{t('code.legend', { length: CODE_LENGTH })}</legend>
          <CodeInput
            digits={digits}
            onChange={onDigits}
            disabled={check.fetching}
            invalid={problem !== null}
            describedBy={problem ? `${id}-problem` : `${id}-sent`}
            focusKey={focusKey}
          />
        </fieldset>
        {problem && (
          <Notice tone="error" id={`${id}-problem`}>
            {problem}
          </Notice>
        )}
        {news && <Notice tone="info">{news}</Notice>}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {check.fetching ? t('code.checking') : t('code.verify')}
          </button>
          <button
            type="button"
            disabled={busy}
            onClick={() => {
              setDigits(empty());
              setProblem(null);
              setFocusKey((key) => key + 1);
            }}
          >
            {t('code.clear')}
          </button>
        </div>
      </form>
      <div className="resend">
        {wait > 0 && <p className="hint">{t('code.wait', { seconds: wait })}</p>}
        <div className="actions">
          <button type="button" disabled={busy || wait > 0} onClick={() => void sendAgain('SMS')}>
            {t('code.resend')}
          </button>
          <button
            type="button"
            disabled={busy || (wait > 0 && !callOffered)}
            onClick={() => void sendAgain('CALL')}
          >
            {t('code.call')}
          </button>
        </div>
        <button type="button" className="link" disabled={busy} onClick={() => void otherNumber()}>
          {t('code.otherNumber')}
        </button>
      </div>
    </section>
  );
}
