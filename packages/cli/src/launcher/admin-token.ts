// The stock admin API needs a token. When none is given, the launcher makes one per data directory, keeps it in a
// file only the user can read, and every `orderflow` subcommand finds it there.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FILE_NAME = 'admin-token';

export function adminTokenPath(dataDir: string): string {
  return join(dataDir, FILE_NAME);
}

export function readAdminToken(dataDir: string): string | undefined {
  try {
    const token = readFileSync(adminTokenPath(dataDir), 'utf8').trim();
    return token.length > 0 ? token : undefined;
  } catch {
    return undefined;
  }
}

export function loadOrCreateAdminToken(dataDir: string): string {
  const existing = readAdminToken(dataDir);
  if (existing !== undefined) return existing;
  mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(24).toString('base64url');
  writeFileSync(adminTokenPath(dataDir), `${token}\n`, { mode: 0o600 });
  return token;
}
