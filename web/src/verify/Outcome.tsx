import { useI18n } from '../i18n/i18n.js';
import type { MessageKey } from '../i18n/messages.js';
import { PageTitle } from '../ui/ui.js';

/** A screen that ends the flow (or waits for it to end): a title and one kind sentence. */
export function Outcome({
  title,
  body,
  continueTo = null,
}: {
  title: MessageKey;
  body?: MessageKey | undefined;
  /** The partner's page to go back to (the done page, when the template has a redirect URL). */
  continueTo?: string | null;
}) {
  const { t } = useI18n();
  return (
    <section className="card" aria-labelledby="outcome-title">
      <PageTitle id="outcome-title">{t(title)}</PageTitle>
      {body && <p>{t(continueTo ? 'outcome.done.continueBody' : body)}</p>}
      {continueTo && (
        <p>
          <a className="button primary" href={continueTo}>
            {t('outcome.done.continue')}
          </a>
        </p>
      )}
    </section>
  );
}
