import { hash, verify } from '@node-rs/argon2';

/** Argon2id with the library's defaults (memory-hard; ~tens of ms per hash). */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** Verified against when the email is unknown, so a miss costs as long as a hit. */
export const TIMING_DUMMY_HASH = hashPassword('timing-equaliser-not-a-password');
