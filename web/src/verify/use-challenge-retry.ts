import { useCallback, useState } from 'react';
import { useMutation } from 'urql';
import { apiErrorOf } from '../api/errors.js';
import {
  ResendPhoneVerificationDocument,
  StartPhoneVerificationDocument,
  type HostedVerificationFragment,
  type StartPhoneVerificationMutationVariables,
} from '../graphql/generated.js';
import { useI18n } from '../i18n/i18n.js';
import type { MessageKey } from '../i18n/messages.js';
import { endsSession, errorMessage } from './messages-for-errors.js';

/**
 * Sending a CHALLENGED verification's solved proof of work back with the mutation that was challenged:
 * the start this tab made, again as it was (so `started` must see every start), or else — a challenged
 * resend, or a reload that lost the number — `resendPhoneVerification`, which the phone service treats
 * as the first send when nothing went out yet. `news` is what the code screen opens with after a
 * challenged resend went out.
 */
export function useChallengeRetry(
  remember: (verification: HostedVerificationFragment) => void,
  reload: () => void,
) {
  const { t } = useI18n();
  const [lastStart, setLastStart] = useState<StartPhoneVerificationMutationVariables | null>(null);
  const [news, setNews] = useState<MessageKey | null>(null);
  const [, start] = useMutation(StartPhoneVerificationDocument);
  const [, resend] = useMutation(ResendPhoneVerificationDocument);

  const started = useCallback(
    (verification: HostedVerificationFragment, request: StartPhoneVerificationMutationVariables) => {
      setLastStart(request);
      remember(verification);
    },
    [remember],
  );

  /** With the solution (or without: for a new challenge); resolves to an error sentence, or null. */
  const retry = async (
    verification: HostedVerificationFragment,
    challengeSolution: string | null,
  ): Promise<string | null> => {
    const asStarted = lastStart !== null && verification.sendAttempts === 0 && challengeSolution !== null;
    const result = asStarted
      ? await start({ ...lastStart, challengeSolution }).then((r) => ({
          data: r.data?.startPhoneVerification.verification,
          error: r.error,
        }))
      : await resend({
          verificationId: verification.id,
          channel: verification.channel,
          challengeSolution,
        }).then((r) => ({ data: r.data?.resendPhoneVerification, error: r.error }));
    if (result.data) {
      if (result.data.status === 'PENDING' && verification.sendAttempts > 0) {
        setNews(result.data.channel === 'CALL' ? 'code.calling' : 'code.resent');
      }
      remember(result.data);
      return null;
    }
    if (!result.error) return null;
    const error = apiErrorOf(result.error);
    if (endsSession(error) || error.code === 'BAD_USER_INPUT') {
      // A used or expired challenge, or a verification that moved on: the inquiry says what is next.
      reload();
      return error.code === 'BAD_USER_INPUT' ? t('challenge.refused') : null;
    }
    const message = errorMessage(error);
    return t(message.key, message.vars);
  };

  return { started, retry, news };
}
