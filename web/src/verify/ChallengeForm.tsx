import { useEffect, useId, useRef, useState } from 'react';
import type { HostedVerificationFragment } from '../graphql/generated.js';
import { useI18n } from '../i18n/i18n.js';
import { Notice, PageTitle } from '../ui/ui.js';
import { percentOf, solutionPayload, type ProofOfWork, type SolveMessage } from './challenge.js';

type Progress =
  | { kind: 'solving'; percent: number }
  | { kind: 'sending' }
  | { kind: 'unsolvable' }
  | { kind: 'failed'; message: string };

/**
 * A CHALLENGED verification: the browser solves the proof of work in a Web Worker (the page stays
 * responsive), then `retry` sends the solved payload with the mutation that was challenged. Nothing
 * for the end user to do but wait a moment; the progress bar and the status line say what happens.
 */
export function ChallengeForm({
  verification,
  retry,
}: {
  verification: HostedVerificationFragment;
  /** Sends the solution (null: asks again, for a new challenge); resolves to an error sentence when that did not work. */
  retry(challengeSolution: string | null): Promise<string | null>;
}) {
  const { t } = useI18n();
  const id = useId();
  const [progress, setProgress] = useState<Progress>({ kind: 'solving', percent: 0 });
  const retryRef = useRef(retry);
  useEffect(() => {
    retryRef.current = retry;
  });
  const [retrying, setRetrying] = useState(false);
  const work = verification.challenge ?? null;
  // One search per challenge (the page keys this screen by the challenge, so a new one starts afresh).
  const salt = work?.salt ?? null;

  useEffect(() => {
    if (work === null) return;
    const pow: ProofOfWork = { ...work };
    const worker = new Worker(new URL('./challenge-worker.ts', import.meta.url), { type: 'module' });
    let ended = false;
    worker.addEventListener('message', (event: MessageEvent<SolveMessage>) => {
      const message = event.data;
      if (message.kind === 'progress') {
        setProgress({ kind: 'solving', percent: percentOf(message.tried, message.of) });
        return;
      }
      worker.terminate();
      if (message.kind === 'unsolvable') {
        setProgress({ kind: 'unsolvable' });
        return;
      }
      setProgress({ kind: 'sending' });
      void retryRef.current(solutionPayload(pow, message.number)).then((problem) => {
        if (!ended && problem !== null) setProgress({ kind: 'failed', message: problem });
      });
    });
    worker.postMessage({
      algorithm: pow.algorithm,
      challenge: pow.challenge,
      salt: pow.salt,
      maxNumber: pow.maxNumber,
    });
    return () => {
      ended = true;
      worker.terminate();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- one search per challenge (its salt)
  }, [salt]);

  // A used-up, expired or refused challenge: ask again, for a new one (assessed again).
  const againButton = (
    <button
      type="button"
      className="primary"
      disabled={retrying}
      onClick={() => {
        setRetrying(true);
        void retry(null).then((problem) => {
          setRetrying(false);
          if (problem !== null) setProgress({ kind: 'failed', message: problem });
        });
      }}
    >
      {t('challenge.again')}
    </button>
  );
  const percent = progress.kind === 'solving' ? progress.percent : 100;
  return (
    <section className="card" aria-labelledby={`${id}-title`} aria-busy={progress.kind === 'solving'}>
      <PageTitle id={`${id}-title`}>{t('challenge.title')}</PageTitle>
      <p id={`${id}-why`}>{t('challenge.intro', { number: verification.phoneNumberMasked })}</p>
      {work === null ? (
        <>
          <p>{t('challenge.missing')}</p>
          {againButton}
          {progress.kind === 'failed' && <Notice tone="error">{progress.message}</Notice>}
        </>
      ) : (
        <>
          <label htmlFor={`${id}-progress`} className="progress-label">
            {t('challenge.progress')}
          </label>
          <progress
            id={`${id}-progress`}
            className="challenge-progress"
            max={100}
            value={percent}
            aria-describedby={`${id}-why`}
          />
          {progress.kind === 'solving' && <Notice tone="info">{t('challenge.checking')}</Notice>}
          {progress.kind === 'sending' && <Notice tone="info">{t('challenge.sending')}</Notice>}
          {progress.kind === 'unsolvable' && <Notice tone="error">{t('challenge.unsolvable')}</Notice>}
          {progress.kind === 'failed' && <Notice tone="error">{progress.message}</Notice>}
          {(progress.kind === 'unsolvable' || progress.kind === 'failed') && againButton}
        </>
      )}
    </section>
  );
}
