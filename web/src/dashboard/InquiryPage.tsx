import { useId, useMemo, useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery, useSubscription, type CombinedError } from 'urql';
import { apiErrorOf } from '../api/errors.js';
import {
  ApproveInquiryDocument,
  DeclineInquiryDocument,
  InquiryDetailDocument,
  InquiryDetailUpdatedDocument,
  RedactInquiryDocument,
  type InquiryDetailFragment,
  type NameComponentDetailFragment,
  type RiskAssessmentDetailFragment,
} from '../graphql/generated.js';
import { Notice, PageTitle, Spinner, TableRegion } from '../ui/ui.js';
import { formatScore, formatTime, humanize, rulesFiredFirst } from './format.js';
import { StatusBadge } from './StatusBadge.js';

/** The statuses an operator may decide from (docs/api-guide.md, Lifecycle). */
const decidable = new Set(['NEEDS_REVIEW', 'COMPLETED', 'FAILED']);

/** One inquiry: what it is, what happened (timeline), each step's evidence, and the operator's decisions. */
export function InquiryPage() {
  const { inquiryId = '' } = useParams();
  const variables = useMemo(() => ({ id: inquiryId }), [inquiryId]);
  const [query] = useQuery({ query: InquiryDetailDocument, variables });
  const [live] = useSubscription({ query: InquiryDetailUpdatedDocument, variables });
  const inquiry = live.data?.inquiryUpdated ?? query.data?.inquiry;

  if (inquiry === undefined) {
    if (query.error) return <Notice tone="error">{query.error.message}</Notice>;
    return <Spinner label="Loading…" />;
  }
  if (inquiry === null) {
    return (
      <section>
        <PageTitle>Inquiry not found</PageTitle>
        <p>
          <Link to="/dashboard">Back to the inquiries</Link>
        </p>
      </section>
    );
  }
  return <InquiryDetail inquiry={inquiry} />;
}

function InquiryDetail({ inquiry }: { inquiry: InquiryDetailFragment }) {
  const id = useId();
  return (
    <article aria-labelledby={`${id}-title`} className="inquiry">
      <p>
        <Link to="/dashboard">← All inquiries</Link>
      </p>
      <PageTitle id={`${id}-title`}>Inquiry {inquiry.referenceId ?? inquiry.id}</PageTitle>
      <p className="status-line">
        Status: <StatusBadge status={inquiry.status} />
      </p>
      <div className="columns">
        <Summary inquiry={inquiry} />
        <Decision inquiry={inquiry} />
      </div>
      <PhoneSteps inquiry={inquiry} />
      <NameMatch inquiry={inquiry} />
      <Timeline inquiry={inquiry} />
    </article>
  );
}

function Facts({ rows }: { rows: Array<[string, ReactNode]> }) {
  return (
    <dl className="facts">
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}

function List({ items }: { items: readonly string[] }) {
  return <>{items.length === 0 ? 'none' : items.join(', ')}</>;
}

function Summary({ inquiry }: { inquiry: InquiryDetailFragment }) {
  const { fields, template } = inquiry;
  const name = [fields.nameFirst, fields.nameMiddle, fields.nameLast].filter(Boolean).join(' ');
  return (
    <section className="panel" aria-labelledby="summary-title">
      <h2 id="summary-title">Summary</h2>
      <Facts
        rows={[
          ['Inquiry id', <code key="id">{inquiry.id}</code>],
          ['Reference id', inquiry.referenceId],
          ['Template', `${template.name} (${template.steps.map(humanize).join(', ')})`],
          [
            'Decision rule',
            `approve at ${humanize(template.autoApproveAt)} or better; no name data: ${humanize(template.whenNoNameData)}${template.identityMatch ? '; Lookup identity match' : ''}`,
          ],
          ['Name', inquiry.redactedAt ? 'redacted' : name || '—'],
          ['Birthdate', fields.birthdate],
          ['Phone number', fields.phoneNumber],
          ['Created', formatTime(inquiry.createdAt)],
          ['Started', formatTime(inquiry.startedAt)],
          ['Completed', formatTime(inquiry.completedAt)],
          ['Decided', formatTime(inquiry.decidedAt)],
          ['Expires', formatTime(inquiry.expiresAt)],
          ['Redacted', formatTime(inquiry.redactedAt)],
        ]}
      />
    </section>
  );
}

function Decision({ inquiry }: { inquiry: InquiryDetailFragment }) {
  const id = useId();
  const [comment, setComment] = useState('');
  const [confirmRedact, setConfirmRedact] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [approval, approve] = useMutation(ApproveInquiryDocument);
  const [decline, runDecline] = useMutation(DeclineInquiryDocument);
  const [redaction, redact] = useMutation(RedactInquiryDocument);
  const busy = approval.fetching || decline.fetching || redaction.fetching;

  const act = async (what: string, run: () => Promise<{ error?: CombinedError | undefined }>) => {
    setProblem(null);
    setDone(null);
    const result = await run();
    if (result.error) setProblem(apiErrorOf(result.error).message);
    else setDone(what);
  };
  const decisionComment = comment.trim() === '' ? null : comment.trim();

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Decision</h2>
      {decidable.has(inquiry.status) ? (
        <form onSubmit={(event) => event.preventDefault()}>
          <div className="field">
            <label htmlFor={`${id}-comment`}>Comment (optional, kept in the timeline)</label>
            <textarea
              id={`${id}-comment`}
              maxLength={1000}
              rows={3}
              value={comment}
              onChange={(event) => setComment(event.target.value)}
            />
          </div>
          <div className="actions">
            <button
              type="button"
              className="primary"
              disabled={busy}
              onClick={() =>
                void act('Approved.', () => approve({ id: inquiry.id, comment: decisionComment }))
              }
            >
              Approve
            </button>
            <button
              type="button"
              className="danger"
              disabled={busy}
              onClick={() =>
                void act('Declined.', () => runDecline({ id: inquiry.id, comment: decisionComment }))
              }
            >
              Decline
            </button>
          </div>
        </form>
      ) : (
        <p>
          {inquiry.status === 'APPROVED' || inquiry.status === 'DECLINED'
            ? 'This inquiry is decided.'
            : 'An operator can decide once the inquiry needs review, is completed or has failed.'}
        </p>
      )}
      <h3>Personal data</h3>
      {inquiry.redactedAt ? (
        <p>Redacted {formatTime(inquiry.redactedAt)}: the end user&apos;s data is erased in every service.</p>
      ) : confirmRedact ? (
        <div className="confirm" role="group" aria-labelledby={`${id}-confirm`}>
          <p id={`${id}-confirm`}>
            Erase this end user&apos;s name, birthdate and phone number in every Attestor service? This cannot
            be undone.
          </p>
          <div className="actions">
            <button
              type="button"
              className="danger"
              disabled={busy}
              onClick={() =>
                void act('Redacted.', async () => {
                  const result = await redact({ id: inquiry.id });
                  setConfirmRedact(false);
                  return result;
                })
              }
            >
              Erase the data
            </button>
            <button type="button" onClick={() => setConfirmRedact(false)}>
              Keep it
            </button>
          </div>
        </div>
      ) : (
        <button type="button" onClick={() => setConfirmRedact(true)}>
          Redact…
        </button>
      )}
      {problem && <Notice tone="error">{problem}</Notice>}
      {done && <Notice tone="success">{done}</Notice>}
    </section>
  );
}

function PhoneSteps({ inquiry }: { inquiry: InquiryDetailFragment }) {
  return (
    <section className="panel" aria-labelledby="phone-title">
      <h2 id="phone-title">Phone verification</h2>
      {inquiry.phoneVerifications.length === 0 && <p>The end user has not started it yet.</p>}
      {inquiry.phoneVerifications.map((verification) => (
        <div key={verification.id} className="step">
          <h3>
            {verification.phoneNumberMasked} <StatusBadge status={verification.status} />
          </h3>
          <Facts
            rows={[
              ['Verification id', <code key="id">{verification.id}</code>],
              ['Country', verification.countryCode],
              ['Channel', humanize(verification.channel)],
              ['Codes checked', verification.checkAttempts],
              ['Codes sent', verification.sendAttempts],
              ['Started', formatTime(verification.createdAt)],
              ['Expires', formatTime(verification.expiresAt)],
              ['Approved', formatTime(verification.approvedAt)],
            ]}
          />
          <Risk assessment={verification.riskAssessment ?? null} />
        </div>
      ))}
    </section>
  );
}

function Risk({ assessment }: { assessment: RiskAssessmentDetailFragment | null }) {
  if (assessment === null)
    return <p>No risk assessment (the fraud service was not asked or did not answer).</p>;
  const recordedOnly = assessment.enforcedDecision !== assessment.decision;
  return (
    <div className="risk">
      <h4>
        Risk assessment: <StatusBadge status={assessment.decision} />
      </h4>
      <Facts
        rows={[
          ['Score', `${assessment.score} / 100`],
          ['Rules that fired', <List key="reasons" items={assessment.reasons} />],
          ['Mode', humanize(assessment.mode)],
          [
            'Enforced decision',
            `${humanize(assessment.enforcedDecision)}${recordedOnly ? ' (record only: the engine would have decided otherwise)' : ''}`,
          ],
          ['Country', assessment.countryCode],
          ['Line type', assessment.lineType],
          ['SMS pumping risk score', assessment.smsPumpingRiskScore],
          ['Assessed', formatTime(assessment.createdAt)],
          ['Assessment id', <code key="id">{assessment.id}</code>],
        ]}
      />
      <RiskRules assessment={assessment} />
    </div>
  );
}

/** Every rule the engine evaluated (docs/fraud.md), the ones that fired first, with the numbers each saw. */
function RiskRules({ assessment }: { assessment: RiskAssessmentDetailFragment }) {
  const rules = rulesFiredFirst(assessment.rules);
  const fired = rules.filter((rule) => rule.fired).length;
  return (
    <TableRegion label={`Rules of assessment ${assessment.id}`}>
      <table className="rules">
        <caption>
          Every rule evaluated: {fired} of {rules.length} fired
        </caption>
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Fired</th>
            <th scope="col">Effect</th>
            <th scope="col">Layer</th>
            <th scope="col">What it saw</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((rule) => (
            <tr key={rule.rule} className={rule.fired ? 'fired' : undefined} data-rule={rule.rule}>
              <th scope="row">
                <code>{rule.rule}</code>
              </th>
              <td>{rule.fired ? <strong>Fired</strong> : 'No'}</td>
              <td>{humanize(rule.effect)}</td>
              <td>{humanize(rule.layer)}</td>
              <td>
                {rule.observed.length === 0 ? (
                  '—'
                ) : (
                  <ul className="observed">
                    {rule.observed.map((seen) => (
                      <li key={seen.name}>
                        <code>{seen.name}</code> = {seen.value}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableRegion>
  );
}

function Component({ label, match }: { label: string; match: NameComponentDetailFragment | null }) {
  if (match === null) return null;
  return (
    <tr>
      <th scope="row">{label}</th>
      <td>{humanize(match.result)}</td>
      <td>{formatScore(match.score)}</td>
      <td>
        <List items={match.reasons} />
      </td>
    </tr>
  );
}

function NameMatch({ inquiry }: { inquiry: InquiryDetailFragment }) {
  const check = inquiry.databaseVerification;
  return (
    <section className="panel" aria-labelledby="name-title">
      <h2 id="name-title">Name match</h2>
      {check === null ? (
        <p>
          {inquiry.template.steps.includes('DATABASE_NAME_MATCH')
            ? 'Runs once the phone number is verified.'
            : 'This template has no name-match step.'}
        </p>
      ) : (
        <>
          <Facts
            rows={[
              ['Status', <StatusBadge key="status" status={check.status} />],
              ['Source', humanize(check.source)],
              ['Why it could not compare', check.failureReason],
              ['Completed', formatTime(check.completedAt)],
            ]}
          />
          {check.nameMatch && (
            <TableRegion label="Name match by part">
              <table>
                <caption>
                  Result: <strong>{humanize(check.nameMatch.result)}</strong>, score{' '}
                  {formatScore(check.nameMatch.score)}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Part</th>
                    <th scope="col">Result</th>
                    <th scope="col">Score</th>
                    <th scope="col">Reasons</th>
                  </tr>
                </thead>
                <tbody>
                  <tr>
                    <th scope="row">Whole name</th>
                    <td>{humanize(check.nameMatch.result)}</td>
                    <td>{formatScore(check.nameMatch.score)}</td>
                    <td>
                      <List items={check.nameMatch.reasons} />
                    </td>
                  </tr>
                  <Component label="First name" match={check.nameMatch.first ?? null} />
                  <Component label="Last name" match={check.nameMatch.last ?? null} />
                </tbody>
              </table>
            </TableRegion>
          )}
        </>
      )}
    </section>
  );
}

function Timeline({ inquiry }: { inquiry: InquiryDetailFragment }) {
  return (
    <section className="panel" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      <ol className="timeline">
        {inquiry.events.map((event, index) => (
          <li key={`${event.at}-${index}`}>
            <time dateTime={event.at}>{formatTime(event.at)}</time> <strong>{event.type}</strong>
            {event.toStatus && (
              <>
                {' '}
                {event.fromStatus ? humanize(event.fromStatus) : 'new'} → {humanize(event.toStatus)}
              </>
            )}
            {event.reason && <span className="reason"> — {event.reason}</span>}
            {event.comment && <blockquote>{event.comment}</blockquote>}
          </li>
        ))}
      </ol>
    </section>
  );
}
