import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/**
 * Files the configuration names (`X_FILE`, an endpoints file's `{ file }`, the endpoints file
 * itself), read as regular files only and never past a cap: `/dev/zero` would otherwise grow the
 * process without end, a FIFO would hang start-up waiting for a writer, and a huge file would
 * take memory many times its size once parsed.
 */

/** A secret file: far above any password, key or token list. */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;
/** The endpoints file: MAX_ENDPOINTS entries of a few hundred bytes each fit. */
export const MAX_ENDPOINTS_FILE_BYTES = 4 * 1024 * 1024;

/** The file's text, or why it was not read (a sentence ending a listed problem, no content). */
export type FileRead = { readonly text: string } | { readonly problem: string };

/**
 * Reads `path` as UTF-8 if it is a regular file of at most `maxBytes` bytes. `shown` names it in
 * the problem (`/run/secrets/x`, `file /run/secrets/x`).
 */
export function readConfigFile(path: string, maxBytes: number, shown = path): FileRead {
  const unreadable = { problem: `cannot read ${shown}` };
  const tooLarge = { problem: `${shown} is larger than ${bytes(maxBytes)}` };
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would wait for a writer; fstat below refuses it.
    // O_NOCTTY: a terminal device named here must not become the process's controlling one.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch {
    return unreadable;
  }
  try {
    // fstat of what was opened, not stat of the path: the file checked is the file read.
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { problem: `${shown} is not a regular file (${kind(stats)})` };
    if (stats.size > maxBytes) return tooLarge;
    // The size may lie (files under /proc say 0) or grow meanwhile: read one byte past the cap.
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > maxBytes) return tooLarge;
    return { text: buffer.toString('utf8', 0, length) };
  } catch {
    return unreadable;
  } finally {
    closeSync(fd);
  }
}

function kind(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSocket()) return 'a socket';
  return 'not a file';
}

function bytes(n: number): string {
  if (n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/**
 * Each secret `X` of `names` given as `X_FILE` instead, read into `raw[X]` (its trailing newline
 * dropped); problems are appended, and `X` with `X_FILE` both set is one.
 */
export function readSecretFiles(
  env: Readonly<Record<string, string | undefined>>,
  names: readonly string[],
  raw: Record<string, string | undefined>,
  problems: string[],
): void {
  for (const name of names) {
    const file = env[`${name}_FILE`];
    if (file === undefined || file === '') continue;
    if (env[name]) {
      problems.push(`${name} and ${name}_FILE are both set: give one`);
      continue;
    }
    const read = readConfigFile(file, MAX_SECRET_FILE_BYTES);
    if ('text' in read) raw[name] = read.text.replace(/\r?\n$/, '');
    else problems.push(`${name}_FILE: ${read.problem}`);
  }
}
