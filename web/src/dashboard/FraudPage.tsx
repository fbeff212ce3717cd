import { useId } from 'react';
import { PageTitle } from '../ui/ui.js';
import { BreakersPanel } from './BreakersPanel.js';
import { FraudStatsPanel } from './FraudStatsPanel.js';
import { ListsPanel } from './ListsPanel.js';
import { PolicyEditor } from './PolicyEditor.js';

/** The account's fraud controls: its policy, lists and open breakers, and what the engine let through or stopped. */
export function FraudPage() {
  const id = useId();
  return (
    <section aria-labelledby={`${id}-title`}>
      <PageTitle id={`${id}-title`}>Fraud</PageTitle>
      <div className="columns">
        <PolicyEditor />
        <FraudStatsPanel />
      </div>
      <div className="columns">
        <BreakersPanel />
        <ListsPanel />
      </div>
    </section>
  );
}
