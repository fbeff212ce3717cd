/**
 * The proof-of-work search, off the page's main thread: altcha-lib's solver over 0..maxNumber in
 * chunks, reporting progress between them (`challenge.ts` holds the messages).
 */
import { solveChallenge } from 'altcha-lib/v1';
import { chunksOf, type SolveMessage, type SolveRequest } from './challenge.js';

// Typed with the page's (DOM) library: the calls used here have the same shape in a worker.
const post = (message: SolveMessage) => self.postMessage(message);

self.addEventListener('message', (event: MessageEvent<SolveRequest>) => {
  void solve(event.data);
});

async function solve({ algorithm, challenge, salt, maxNumber }: SolveRequest): Promise<void> {
  for (const { start, end } of chunksOf(maxNumber)) {
    const found = await solveChallenge(challenge, salt, algorithm, end, start).promise;
    if (found !== null) {
      post({ kind: 'solved', number: found.number });
      return;
    }
    post({ kind: 'progress', tried: end + 1, of: maxNumber + 1 });
  }
  post({ kind: 'unsolvable' });
}
