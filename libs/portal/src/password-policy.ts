import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 200;

// The packaged dictionaries (common passwords, common names and words, keyboard patterns) ship
// inside the npm package: the check needs no network.
const zxcvbn = new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs });

/**
 * The customer password rule: at least 10 characters, not one of the most common passwords (nor
 * one with a digit or two tacked on), nothing built from the person's own address or name, and a
 * zxcvbn score of at least 3 ("safely unguessable"). Returns the message to show, or null.
 */
export function passwordProblem(password: string, personal: string[] = []): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  const words = personal.flatMap((p) => p.toLowerCase().split(/[^a-z0-9]+/)).filter((w) => w.length >= 3);
  const result = zxcvbn.check(password, words);
  const common = result.sequence.some(
    (m) =>
      m.pattern === 'dictionary' &&
      String(m.dictionaryName).startsWith('passwords') &&
      m.token.length >= password.length - 4,
  );
  if (common) return 'is one of the most common passwords; choose another';
  if (result.sequence.some((m) => m.pattern === 'dictionary' && m.dictionaryName === 'userInputs')) {
    return 'must not contain your name or email address';
  }
  if (result.score < 3) return 'is too easy to guess; use a longer password or a few unrelated words';
  return null;
}
