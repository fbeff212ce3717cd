import { badInput, type Clock, type Outbox, type PiiCipher, type Transaction } from '@attestor/platform';
import { uuidv7, type RpcReply, type RpcRequest } from '@attestor/contracts';
import {
  coolingMinutesOf,
  noRecentSolved,
  type BreakerModel,
  type KeyConversion,
} from '../domain/breaker.js';
import { canonicalIp, listVerdict } from '../domain/lists.js';
import { numberShapeOf } from '../domain/number.js';
import { thresholdsOf, type FraudPolicy, type RiskThresholds } from '../domain/policy.js';
import {
  assess,
  type Assessment,
  type BreakerOpening,
  type Layer,
  type SendCounters,
} from '../domain/rules.js';
import { priceOf, type PriceTable } from '../domain/stats.js';
import { countersTouched, type VelocityCounts, type VelocityKeys } from '../domain/velocity.js';
import type { AssessmentStore } from '../store/assessments.js';
import type { BreakerRow, BreakerStore } from '../store/breakers.js';
import type { ConversionKey } from '../store/conversions.js';
import type { DecisionContextStore } from '../store/decision-context.js';
import type { AssessmentRow } from '../store/entities.js';
import type { Velocity } from '../store/velocity.js';
import { publishBreakerClosed, publishBreakerOpened } from '../events.js';
import type { NumberFactsReader } from './number-facts.js';

type AssessRequest = RpcRequest<'rpc.fraud.assess'>;
type AssessReply = RpcReply<'rpc.fraud.assess'>;

export interface AssessorDeps {
  outbox: Outbox;
  pii: PiiCipher;
  clock: Clock;
  assessments: AssessmentStore;
  context: DecisionContextStore;
  breakers: BreakerStore;
  velocity: Velocity;
  facts: NumberFactsReader;
  thresholds: RiskThresholds;
  breakerModel: BreakerModel;
  prices: PriceTable;
  highCostUsd: number;
  disabled: ReadonlySet<Layer>;
}

/** Account ids are ours (uuids) or a test's; anything else is a malformed ask. */
const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,100}$/;
const ENTITY_ID = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * Answers `rpc.fraud.assess` (docs/fraud.md "The assessment"): the network work first — Lookup
 * through the cache, the shared velocity counters, the account's policy, lists and breakers — then
 * one short transaction under the account's lock that counts its capped sends, decides, opens the
 * breakers the send trips and stores the assessment with its events. A send it allows is added to the
 * velocity counters after commit (without a cap: while the assessment is stored).
 */
export class Assessor {
  constructor(private readonly deps: AssessorDeps) {}

  async assess(request: AssessRequest, meta: { requestId: string | null }): Promise<AssessReply> {
    const d = this.deps;
    if (!ACCOUNT_ID.test(request.accountId)) throw badInput('accountId is not an account id', 'accountId');
    if (!ENTITY_ID.test(request.inquiryId)) throw badInput('inquiryId is not an inquiry id', 'inquiryId');
    if (!ENTITY_ID.test(request.verificationId)) {
      throw badInput('verificationId is not a verification id', 'verificationId');
    }
    const ipText = request.ip === null || request.ip.trim() === '' ? null : request.ip.trim();
    // One address, one key: `::ffff:203.0.113.7` and `203.0.113.7`, `2001:DB8::1` and `2001:db8:0::1`.
    const ip = ipText === null ? null : canonicalIp(ipText);
    if (ipText !== null && ip === null) throw badInput('ip is not an IP address', 'ip');
    let phoneNumber: string;
    try {
      phoneNumber = d.pii.open(request.phoneNumberSealed);
    } catch {
      throw badInput('phoneNumberSealed is not a sealed value of this platform', 'phoneNumberSealed');
    }
    if (!/^\+[1-9]\d{5,15}$/.test(phoneNumber)) {
      throw badInput('phoneNumberSealed does not hold an E.164 number', 'phoneNumberSealed');
    }
    const { accountId } = request;
    const phoneHash = d.pii.hash(phoneNumber);
    // The number itself says where it rings; the caller's country code is the fallback.
    const shape = numberShapeOf(phoneNumber, request.countryCode);
    const countryCode = shape.countryCode;
    const prefixHashes = shape.prefixes.map((prefix) => d.pii.hash(prefix));
    // The address and its keyed hash: the velocity IP counter and the IP conversions use the hash.
    const address = ip === null ? null : { ip, hash: d.pii.hash(`ip:${ip}`) };
    const velocityKeys: VelocityKeys = {
      NUMBER: `${accountId}|${phoneHash}`,
      ...(address === null ? {} : { IP: `${accountId}|${address.hash}` }),
      PREFIX_2: `${accountId}|${prefixHashes[0]}`,
      PREFIX_3: `${accountId}|${prefixHashes[1]}`,
      PREFIX_4: `${accountId}|${prefixHashes[2]}`,
      ...(countryCode === null ? {} : { COUNTRY: `${accountId}|${countryCode}` }),
      ACCOUNT: accountId,
    };
    const conversionKeys: Array<ConversionKey & { label: string }> = [
      ...(countryCode === null ? [] : [{ scope: 'COUNTRY' as const, key: countryCode, label: countryCode }]),
      ...shape.prefixes.map((prefix, i) => ({
        scope: 'PREFIX' as const,
        key: prefixHashes[i] as string,
        label: prefix,
      })),
      ...(address === null ? [] : [{ scope: 'IP' as const, key: address.hash, label: address.ip }]),
      { scope: 'ACCOUNT' as const, key: '', label: accountId },
    ];

    // Gather: nothing here holds a transaction.
    const now = d.clock.now();
    const [lookup, velocity, context] = await Promise.all([
      d.disabled.has('lookup')
        ? Promise.resolve({ facts: null, source: 'OFF' as const })
        : d.facts.read(phoneNumber, phoneHash),
      d.disabled.has('velocity')
        ? Promise.resolve({ counts: {}, source: 'SHARED' as const })
        : d.velocity.read(velocityKeys, now),
      d.context.read(d.context.decisionReader, { accountId, phoneHash, keys: conversionKeys, now }),
    ]);
    const { policy, entries, verifiedBefore, accountEverVerified, breakers: breakerState } = context;
    const stored = context.conversions;
    const conversions: KeyConversion[] = conversionKeys.map((k) => {
      const found = stored.find((s) => s.scope === k.scope && s.key === k.key);
      return {
        scope: k.scope,
        key: k.key,
        label: k.label,
        window: {
          '1h': found?.hour ?? { sent: 0, verified: 0 },
          '24h': found?.day ?? { sent: 0, verified: 0 },
        },
        everVerified: found?.everVerified ?? false,
        recentSolved: found?.recentSolved ?? noRecentSolved,
      };
    });
    const listEntry = listVerdict(entries, { phoneHash, e164: phoneNumber, ip, countryCode });
    const thresholds = thresholdsOf(policy, d.thresholds);

    const decide = (counters: SendCounters) =>
      assess({
        policy,
        countryCode,
        facts: lookup.facts,
        counters,
        thresholds,
        channel: request.channel,
        attempt: request.attempt,
        challengeSolved: request.challengeSolved,
        planLineType: shape.planLineType,
        listEntry,
        verifiedBefore,
        velocity,
        conversions,
        breakers: breakerState.open,
        accountEverVerified,
        highCostCountry: countryCode !== null && priceOf(d.prices, countryCode) >= d.highCostUsd,
        disabled: d.disabled,
        breakerModel: d.breakerModel,
      });
    const rowOf = (outcome: Assessment): AssessmentRow => ({
      id: uuidv7(now.getTime()),
      accountId,
      inquiryId: request.inquiryId,
      verificationId: request.verificationId,
      decision: outcome.decision,
      score: outcome.score,
      reasons: outcome.reasons,
      details: {
        ...outcome.details,
        channel: request.channel,
        attempt: request.attempt,
        lookup: lookup.source,
        velocity: velocity.source,
        lineTypeSource: lookup.facts?.lineType ? 'LOOKUP' : shape.planLineType ? 'PLAN' : null,
      },
      countryCode,
      lineType: lookup.facts?.lineType ?? null,
      smsPumpingRiskScore: lookup.facts?.smsPumpingRiskScore ?? null,
      mode: outcome.mode,
      phoneHash,
      prefixHashes,
      ipHash: address?.hash ?? null,
      createdAt: now,
    });
    const record = async (tx: Transaction, outcome: Assessment) => {
      await this.openBreakers(tx, accountId, outcome.opens, breakerState.recentOpenings, now);
      const row = await d.assessments.insert(tx.manager, rowOf(outcome));
      if (blocksTheStep(outcome)) {
        await tx.publish('fraud.assessment.blocked', {
          accountId,
          subjectId: row.id,
          data: { inquiryId: row.inquiryId, countryCode, reasons: row.reasons },
        });
      }
      return replyOf(row.id, outcome);
    };

    /** An allowed send adds to the velocity counters (one statement on the velocity store). */
    const count = async (decision: AssessReply['decision']) => {
      if (decision !== 'ALLOW' || d.disabled.has('velocity')) return;
      const seenNumber = ((velocity.counts as VelocityCounts).NUMBER ?? 0) > 0;
      await d.velocity.add(velocityKeys, countersTouched(velocityKeys, request.attempt, seenNumber), now);
    };

    if (capsOf(policy)) {
      // The account's capped sends are counted under its lock, so two sends cannot both slip under a cap.
      const reply = await d.outbox.transaction(
        async (tx) => {
          await d.assessments.lockAccount(tx.manager, accountId);
          return record(
            tx,
            decide(await d.assessments.sendCounters(tx.manager, accountId, countryCode, now)),
          );
        },
        { requestId: meta.requestId },
      );
      await count(reply.decision);
      return reply;
    }
    // No cap to count: decide now; an assessment that opens nothing and publishes nothing is one insert.
    // The decision is known, so the send is counted while the assessment is stored (two stores, in
    // parallel): should the store fail, the ask fails — the phone service sends nothing — and the
    // counters hold one send too many, an error on the safe side.
    const outcome = decide({ countryLastHour: 0, accountLastDay: 0 });
    const storing =
      outcome.opens.length === 0 && !blocksTheStep(outcome)
        ? d.assessments.insert(d.assessments.reader, rowOf(outcome)).then((row) => replyOf(row.id, outcome))
        : d.outbox.transaction((tx) => record(tx, outcome), { requestId: meta.requestId });
    const [reply] = await Promise.all([storing, count(outcome.decision)]);
    return reply;
  }

  /** Opens what the send tripped (once across replicas: the unique index), closing cooled ones first. */
  private async openBreakers(
    tx: Transaction,
    accountId: string,
    opens: BreakerOpening[],
    recentOpenings: ReadonlyMap<string, number>,
    now: Date,
  ): Promise<void> {
    if (opens.length === 0) return;
    const { breakers, breakerModel } = this.deps;
    const keys = opens.map((o) => ({ scope: o.conversion.scope, key: o.conversion.key }));
    for (const closed of await breakers.closeCooled(tx.manager, now, {
      accountId,
      keys,
      limit: keys.length,
    })) {
      await publishBreakerClosed(tx, closed);
    }
    for (const { conversion, trip } of opens) {
      const previous = recentOpenings.get(`${conversion.scope}:${conversion.key}`) ?? 0;
      const row: BreakerRow = {
        id: uuidv7(now.getTime()),
        accountId,
        scope: conversion.scope,
        key: conversion.key,
        label: conversion.label,
        reason: `${trip.unverified} unverified sends in ${trip.window} exceed ${trip.threshold}`,
        unverifiedSends: trip.unverified,
        threshold: trip.threshold,
        openedAt: now,
        closesAt: new Date(now.getTime() + coolingMinutesOf(breakerModel, previous) * 60_000),
        closedAt: null,
        closedBy: null,
      };
      const opened = await breakers.open(tx.manager, row);
      if (opened) await publishBreakerOpened(tx, opened, trip.conversionRate);
    }
  }
}

/**
 * A BLOCK that another channel escapes (SMS to a landline, where a voice call is suggested) refuses that
 * send only: the end user may take the suggested channel, so the inquiry's phone step goes on and no
 * `fraud.assessment.blocked` ends it.
 */
function blocksTheStep(outcome: Assessment): boolean {
  return outcome.decision === 'BLOCK' && outcome.suggestedChannel === null;
}

/** Whether the policy caps sends (the caps are counted exactly, under the account's lock). */
function capsOf(policy: FraudPolicy): boolean {
  return policy.maxSmsPerDay !== null || policy.countries.some((country) => country.maxPerHour !== null);
}

function replyOf(assessmentId: string, outcome: Assessment): AssessReply {
  return {
    assessmentId,
    decision: outcome.decision,
    score: outcome.score,
    reasons: outcome.reasons,
    suggestedChannel: outcome.suggestedChannel,
    challengeWork: outcome.challengeWork,
  };
}
