/**
 * Given names that are the same person's name: a formal name with its common short forms, and
 * spelling variants of one name. Small on purpose (docs/name-matching.md): the later, full matcher
 * replaces it with a curated data set. Lowercase, folded as `tokenize` folds.
 */
// prettier-ignore
const groups: readonly (readonly string[])[] = [
  ['william', 'bill', 'billy', 'will', 'willy', 'liam'],
  ['robert', 'bob', 'bobby', 'rob', 'robbie', 'bert'],
  ['elizabeth', 'liz', 'lizzie', 'beth', 'betty', 'eliza', 'elisabeth', 'libby'],
  ['katherine', 'catherine', 'kathryn', 'kate', 'katie', 'kathy', 'cathy', 'kat', 'katya'],
  ['alexander', 'alex', 'xander', 'sasha', 'aleksandr', 'alexandre'],
  ['alexandra', 'alex', 'sandra', 'sasha', 'lexi'],
  ['margaret', 'peggy', 'maggie', 'meg', 'marge', 'margo', 'greta'],
  ['richard', 'rick', 'ricky', 'dick', 'rich', 'richie'],
  ['james', 'jim', 'jimmy', 'jamie'],
  ['john', 'jack', 'johnny', 'jon', 'ivan', 'juan', 'johann', 'hans'],
  ['jonathan', 'jon', 'jonny', 'nathan'],
  ['michael', 'mike', 'mikey', 'mick', 'mikhail', 'miguel'],
  ['christopher', 'chris', 'kit', 'topher'],
  ['christine', 'christina', 'chris', 'chrissy', 'tina'],
  ['thomas', 'tom', 'tommy'],
  ['joseph', 'joe', 'joey', 'jose'],
  ['charles', 'charlie', 'chuck', 'chas'],
  ['edward', 'ed', 'eddie', 'ted', 'ned'],
  ['theodore', 'theo', 'ted', 'teddy'],
  ['anthony', 'tony', 'antonio'],
  ['daniel', 'dan', 'danny'],
  ['david', 'dave', 'davey'],
  ['matthew', 'matt', 'matty'],
  ['andrew', 'andy', 'drew', 'andrei', 'andres'],
  ['benjamin', 'ben', 'benny', 'benji'],
  ['samuel', 'sam', 'sammy'],
  ['samantha', 'sam', 'sammy'],
  ['nicholas', 'nick', 'nicky', 'nikolai', 'nicolas'],
  ['patricia', 'pat', 'patty', 'trish', 'tricia'],
  ['patrick', 'pat', 'paddy'],
  ['jennifer', 'jen', 'jenny'],
  ['rebecca', 'becky', 'becca'],
  ['susan', 'sue', 'susie', 'suzanne'],
  ['deborah', 'debra', 'deb', 'debbie'],
  ['victoria', 'vicky', 'tori'],
  ['francis', 'frank', 'frankie', 'fran'],
  ['frances', 'fran', 'frannie'],
  ['stephen', 'steven', 'steve', 'stevie', 'stefan'],
  ['gregory', 'greg'],
  ['timothy', 'tim', 'timmy'],
  ['peter', 'pete', 'pyotr', 'pedro'],
  ['lawrence', 'laurence', 'larry'],
  ['henry', 'hank', 'harry', 'heinrich', 'enrique'],
  ['dorothy', 'dot', 'dottie'],
  ['abigail', 'abby', 'gail'],
  ['dmitry', 'dmitri', 'dima'],
  ['mary', 'molly', 'polly', 'maria', 'marie'],
  ['sarah', 'sara', 'sally'],
];

const groupsByName = new Map<string, Set<number>>();
groups.forEach((group, index) => {
  for (const name of group) {
    const known = groupsByName.get(name) ?? new Set<number>();
    known.add(index);
    groupsByName.set(name, known);
  }
});

/** True when the two (different) given names belong to one group of the table. */
export function areNicknames(a: string, b: string): boolean {
  if (a === b) return false;
  const ofA = groupsByName.get(a);
  const ofB = groupsByName.get(b);
  if (!ofA || !ofB) return false;
  for (const group of ofA) if (ofB.has(group)) return true;
  return false;
}

/** Number of name groups, for the docs and the tests. */
export const nicknameGroupCount = groups.length;
