import { I18nProvider } from '../i18n/i18n.js';
import { HostedFlow } from './HostedFlow.js';

/** The hosted flow's chunk: the flow in the end user's language. */
export function HostedPage() {
  return (
    <I18nProvider>
      <HostedFlow />
    </I18nProvider>
  );
}
