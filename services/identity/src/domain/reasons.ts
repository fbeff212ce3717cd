/**
 * The reasons a name comparison gives, in the order it lists them. Each says, in a reviewer's words,
 * what the two names have in common or where they part; docs/name-matching.md explains each.
 */
export const NameMatchReason = {
  /** One name is written family name first, or the first- and last-name fields hold each other. */
  TRANSPOSED: 'TRANSPOSED',
  /** A nickname or short form of the other's given name (Bill/William, Paco/Francisco, Seun/Oluwaseun). */
  NICKNAME: 'NICKNAME',
  /** The same given name in another language (Giuseppe/Joseph, João/John). */
  TRANSLATED_NAME: 'TRANSLATED_NAME',
  /** An initial that fits the other's name (R/Robert). */
  INITIAL: 'INITIAL',
  /** The carrier's caller-name record stops at 15 characters and cut the last word (KATARZ/Katarzyna). */
  TRUNCATED: 'TRUNCATED',
  /** One or two letters mistyped (Jonh/John, Smiht/Smith). */
  TYPO: 'TYPO',
  /** Spelled differently, sounds the same (Mohamad/Mohammed, Stephens/Stevens). */
  PHONETIC: 'PHONETIC',
  /** Two existing surnames a letter or two apart (Patel/Patil, Sato/Saito): maybe a typo, maybe another family. */
  SIMILAR_SURNAME: 'SIMILAR_SURNAME',
  /** Another romanization or spelling of the same name (Иван/Ivan, Müller/Mueller, Yusuf/Youssef, McDonald/MacDonald). */
  TRANSLITERATION: 'TRANSLITERATION',
  /** Letters written with and without accents (José/JOSE, Müller/MULLER). */
  DIACRITICS: 'DIACRITICS',
  /** A surname particle present on one side only (van der Berg/Berg, de la Cruz/Cruz, al-Hassan/Hassan). */
  PARTICLE: 'PARTICLE',
  /** One side has a double or hyphenated surname, the other one part of it (García López/García). */
  COMPOUND_SURNAME: 'COMPOUND_SURNAME',
  /** The masculine and feminine forms of one surname (Novák/Nováková, Kowalski/Kowalska). */
  GENDERED_SURNAME: 'GENDERED_SURNAME',
  /** A middle name (or second given name) on one side only. */
  MIDDLE_NAME_MISSING: 'MIDDLE_NAME_MISSING',
  /** The given name on one side is a middle name on the other (John Michael/Michael): could be a relative. */
  MIDDLE_NAME_AS_FIRST: 'MIDDLE_NAME_AS_FIRST',
  /** Both sides have middle names and they differ (John A./John B.): could be a relative. */
  MIDDLE_NAME_DIFFERS: 'MIDDLE_NAME_DIFFERS',
  /** A title (Dr, Mrs, Herr) set aside on one side. */
  HONORIFIC_REMOVED: 'HONORIFIC_REMOVED',
  /** A suffix (Jr, III, PhD, Filho) set aside on one side. */
  SUFFIX_REMOVED: 'SUFFIX_REMOVED',
  /** Both sides name a generation and they differ (Jr/Sr): father and son. */
  SUFFIX_DIFFERS: 'SUFFIX_DIFFERS',
  /** The same surname with another given name: a family member, a reviewer looks. */
  SHARED_SURNAME_ONLY: 'SHARED_SURNAME_ONLY',
  /** The names do not denote the same person. */
  DIFFERENT_PERSON: 'DIFFERENT_PERSON',
} as const;
export type NameMatchReason = (typeof NameMatchReason)[keyof typeof NameMatchReason];

const reasonOrder: readonly NameMatchReason[] = Object.values(NameMatchReason);
const rank = new Map(reasonOrder.map((reason, index) => [reason, index]));

/** Distinct reasons in the documented order. */
export function sortedReasons(reasons: readonly NameMatchReason[]): NameMatchReason[] {
  if (reasons.length <= 1) return reasons.slice();
  const out: NameMatchReason[] = [];
  for (const reason of reasons) if (!out.includes(reason)) out.push(reason);
  return out.sort((x, y) => (rank.get(x) ?? 0) - (rank.get(y) ?? 0));
}
