import { useId } from 'react';
import { PageTitle } from '../ui/ui.js';
import { PolicyEditor } from './PolicyEditor.js';
import { FraudStatsPanel } from './FraudStatsPanel.js';

/** The account's fraud controls: its policy, and what the engine let through or stopped. */
export function FraudPage() {
  const id = useId();
  return (
    <section aria-labelledby={`${id}-title`}>
      <PageTitle id={`${id}-title`}>Fraud</PageTitle>
      <div className="columns">
        <PolicyEditor />
        <FraudStatsPanel />
      </div>
    </section>
  );
}
