import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './config.js';
import { numberSeedSchema } from './numbers.js';
import type { NumberSeed } from './numbers.js';

/** Reads the numbers seeded at start; a bad file stops the emulator with one line that says where. */
export function loadFixtures(path: string): NumberSeed[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`Invalid EMULATOR_FIXTURES: cannot read ${path}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(`Invalid EMULATOR_FIXTURES: ${path} is not JSON`);
  }
  const result = z.array(numberSeedSchema).safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(
      `Invalid EMULATOR_FIXTURES: ${path} at [${issue?.path.join('.') ?? ''}]: ${issue?.message ?? 'invalid'}`,
    );
  }
  return result.data;
}
