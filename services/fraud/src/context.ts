import DataLoader from 'dataloader';
import { answersInKeyOrder, readScopeOf, type RequestContext } from '@attestor/platform';
import { isUuid } from '@attestor/contracts';
import type { AssessmentStore } from './store/assessments.js';
import type { AssessmentRow } from './store/entities.js';

/** A request's context: the verified caller and loaders scoped to what it may read. */
export interface FraudContext extends RequestContext {
  /** Assessments by id, as this caller may see them. */
  assessmentById: DataLoader<string, AssessmentRow | null>;
  /** The newest assessment of a verification, as this caller may see it. */
  assessmentOfVerification: DataLoader<string, AssessmentRow | null>;
}

/** Per-request loaders: N references cost one query, and only the caller's rows come back. */
export function fraudContext(assessments: AssessmentStore, base: RequestContext): FraudContext {
  const scope = readScopeOf(base.caller);
  return {
    ...base,
    assessmentById: new DataLoader(async (ids) => {
      const wanted = ids.filter(isUuid);
      const rows = scope === null ? [] : await assessments.byIds(assessments.reader, scope, wanted);
      return answersInKeyOrder(ids, rows, (row) => row.id, null);
    }),
    assessmentOfVerification: new DataLoader(async (verificationIds) => {
      const rows =
        scope === null
          ? []
          : await assessments.latestByVerifications(assessments.reader, scope, verificationIds);
      return answersInKeyOrder(verificationIds, rows, (row) => row.verificationId, null);
    }),
  };
}
