import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { NumberProfile } from './numbers.js';
import type { OutboxMessage } from './outbox.js';
import type { EmulatorState } from './state.js';
import type { Verification } from './verifications.js';

/**
 * The emulator's state in a file (EMULATOR_STATE_PATH; `npm start` keeps it in `.data/`), so a
 * restarted emulator still knows the codes it sent and the numbers it was given: an inquiry that was
 * mid-flow when the launcher restarted it can still be verified. Written atomically (a temporary file
 * renamed over the old one) shortly after every request that may have changed something — 50 ms
 * after, or later once the state is large (SAVE_SPACING) — and at close.
 * Faults are not kept: they belong to the test or run that armed them.
 */
const VERSION = 1;
const SAVE_DELAY_MS = 50;
/**
 * A save serialises the whole state synchronously: the wait before the next one is this many times
 * the last save's duration (at most MAX_SAVE_DELAY_MS), so saving takes at most about 5 % of the
 * emulator's time however large the state grows (a benchmark's tens of thousands of codes).
 */
const SAVE_SPACING = 20;
const MAX_SAVE_DELAY_MS = 5_000;

/** How long after a change the state is saved, given how long the last save took. */
export function saveDelayMs(lastSaveMs: number): number {
  return Math.min(MAX_SAVE_DELAY_MS, Math.max(SAVE_DELAY_MS, lastSaveMs * SAVE_SPACING));
}

const dateText = z.iso.datetime();
const fileSchema = z.object({
  version: z.literal(VERSION),
  clockOffsetMs: z.number(),
  outbox: z.array(z.looseObject({ to: z.string(), code: z.string(), sid: z.string() })),
  numbers: z.array(z.looseObject({ phoneNumber: z.string(), blockedAt: dateText.nullable() })),
  verifications: z.array(
    z.looseObject({
      sid: z.string(),
      to: z.string(),
      code: z.string(),
      createdAt: dateText,
      updatedAt: dateText,
      expiresAt: dateText,
      sendCodeAttempts: z.array(z.looseObject({ time: dateText })),
    }),
  ),
});

export interface StatePersistence {
  /** Saves soon (coalescing bursts of requests into one write). */
  schedule(): void;
  /** Saves now, if anything is waiting; at close. */
  flush(): void;
}

type Log = (message: string) => void;

/** Loads `path` into `state` when it holds a state file; one that cannot be read is set aside, not fatal. */
export function loadState(state: EmulatorState, path: string, log: Log): void {
  if (!existsSync(path)) return;
  try {
    const file = fileSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
    state.clock.restore(file.clockOffsetMs);
    state.outbox.restore(file.outbox as unknown as OutboxMessage[]);
    state.numbers.restore(
      file.numbers.map((profile) => ({
        ...(profile as unknown as NumberProfile),
        blockedAt: profile.blockedAt === null ? null : new Date(profile.blockedAt),
      })),
    );
    state.verify.restore(
      file.verifications.map((verification) => ({
        ...(verification as unknown as Verification),
        createdAt: new Date(verification.createdAt),
        updatedAt: new Date(verification.updatedAt),
        expiresAt: new Date(verification.expiresAt),
        sendCodeAttempts: (verification.sendCodeAttempts as unknown as Verification['sendCodeAttempts']).map(
          (attempt) => ({ ...attempt, time: new Date(attempt.time) }),
        ),
      })),
    );
    log(
      `restored ${file.verifications.length} verifications, ${file.outbox.length} messages and ${file.numbers.length} numbers from ${path}`,
    );
  } catch (error) {
    const aside = `${path}.unreadable-${Date.now()}`;
    renameSync(path, aside);
    log(
      `could not read ${path} (${String(error).slice(0, 200)}); set it aside as ${aside} and started empty`,
    );
  }
}

export function persistState(state: EmulatorState, path: string, log: Log): StatePersistence {
  mkdirSync(dirname(path), { recursive: true });
  let timer: NodeJS.Timeout | undefined;
  let lastSaveMs = 0;
  const save = () => {
    timer = undefined;
    const started = performance.now();
    const file = {
      version: VERSION,
      clockOffsetMs: state.clock.offsetMs,
      outbox: state.outbox.snapshot(),
      numbers: state.numbers.snapshot(),
      verifications: state.verify.snapshot(),
    };
    const temporary = `${path}.${process.pid}.tmp`;
    try {
      writeFileSync(temporary, JSON.stringify(file), { mode: 0o600 });
      renameSync(temporary, path);
    } catch (error) {
      log(`could not save the state to ${path}: ${String(error).slice(0, 200)}`);
    }
    lastSaveMs = performance.now() - started;
  };
  return {
    schedule: () => {
      timer ??= setTimeout(save, saveDelayMs(lastSaveMs));
    },
    flush: () => {
      if (timer === undefined) return;
      clearTimeout(timer);
      save();
    },
  };
}
