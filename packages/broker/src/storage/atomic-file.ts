// Replacing a small state file so that a crash at any moment leaves either the old or the new contents, never a mix:
// write a temporary file, fsync it, rename it over the target, then fsync the directory so the rename itself is
// durable (POSIX does not persist a directory entry change until the directory is synced).
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDirectory } from './framed-log.ts';

/** Suffix of the temporary file; a leftover one is an interrupted replacement and can be deleted. */
export const ATOMIC_TEMPORARY_SUFFIX = '.tmp';

export function writeFileAtomicSync(path: string, contents: Buffer | string): void {
  const temporaryPath = path + ATOMIC_TEMPORARY_SUFFIX;
  const fd = openSync(temporaryPath, 'w');
  try {
    writeSync(fd, typeof contents === 'string' ? Buffer.from(contents) : contents);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporaryPath, path);
  syncDirectory(dirname(path));
}

/** The same as writeFileAtomicSync without blocking the event loop; callers must not run two at once on one path. */
export async function writeFileAtomic(path: string, contents: Buffer): Promise<void> {
  const temporaryPath = path + ATOMIC_TEMPORARY_SUFFIX;
  const file = await open(temporaryPath, 'w');
  try {
    await file.writeFile(contents);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporaryPath, path);
  await syncDirectoryAsync(dirname(path));
}

export async function syncDirectoryAsync(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
