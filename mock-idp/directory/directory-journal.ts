/**
 * Where the directory's changes are kept: a snapshot (`directory.json`) and an append-only journal
 * (`directory.journal`, one JSON line per acknowledged write) that is folded into a new snapshot once it
 * outgrows it. A write costs one append and one fdatasync whatever the directory's size; the snapshot is
 * rewritten only every so often, so its cost per write stays constant on average.
 *
 * Crash safety: a line is acknowledged only after fdatasync, so a kill -9 can at worst tear the last line,
 * which was never acknowledged and is dropped on the next load. The journal's first line names the snapshot
 * generation it continues; a snapshot written (tmp, fsync, rename) just before a crash makes the old journal's
 * lines stale, and they are ignored rather than applied twice.
 */
import { closeSync, existsSync, fdatasyncSync, fstatSync, ftruncateSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { writeFileAtomic } from '../../common/atomic-file.ts';
import type { Role, TenantUser } from '../tenant.ts';

const DIRECTORY_FILE = 'directory.json';
const JOURNAL_FILE = 'directory.journal';

/** One durable change; a write is a list of them, applied together or not at all. */
export type DirectoryChange = { user: TenantUser } | { deleteUser: string } | { role: Role } | { deleteRole: string };

export interface DirectorySnapshot {
  /** A hash of tenant.yaml's users and roles when this state began: a changed definition is worth a warning. */
  defined: string;
  /** Which journal continues this snapshot (absent in files written before the journal existed: 0). */
  generation?: number;
  users: TenantUser[];
  roles: Role[];
}

interface SavedDirectory {
  snapshot: DirectorySnapshot | undefined;
  /** The journal's writes after the snapshot, in order. */
  writes: DirectoryChange[][];
}

/** The journal is folded into the snapshot once it is larger than this and than the snapshot itself. */
const MIN_COMPACTION_BYTES = 1 << 20;

export class DirectoryJournal {
  readonly #snapshotFile: string;
  readonly #journalFile: string;
  readonly #mode = 0o600;
  #fd: number | undefined;
  #generation = 0;
  #journalBytes = 0;
  #snapshotBytes = 0;

  constructor(stateDir: string) {
    this.#snapshotFile = join(stateDir, DIRECTORY_FILE);
    this.#journalFile = join(stateDir, JOURNAL_FILE);
  }

  get files(): string[] {
    return [this.#snapshotFile, this.#journalFile];
  }

  /** What was stored, the torn tail of a write cut short by a crash dropped (and cut from the file). */
  load(): SavedDirectory {
    const snapshotText = existsSync(this.#snapshotFile) ? readFileSync(this.#snapshotFile, 'utf8') : undefined;
    const snapshot = snapshotText === undefined ? undefined : parseStateFile<DirectorySnapshot>(this.#snapshotFile, snapshotText);
    this.#generation = snapshot?.generation ?? 0;
    this.#snapshotBytes = snapshotText === undefined ? 0 : Buffer.byteLength(snapshotText);
    if (!existsSync(this.#journalFile)) return { snapshot, writes: [] };

    const text = readFileSync(this.#journalFile, 'utf8');
    const lines = text.split('\n');
    const header = lines[0] ? parseStateFile<{ generation: number }>(this.#journalFile, lines[0]) : undefined;
    if (header?.generation !== this.#generation) {
      this.#startJournal(); // stale: a crash came between the snapshot and the journal's restart; the snapshot holds it
      return { snapshot, writes: [] };
    }
    const writes: DirectoryChange[][] = [];
    let kept = lines[0]!.length + 1;
    // Every line but the last ends in "\n"; a last piece without one is a write that was never acknowledged.
    for (const line of lines.slice(1, -1)) {
      writes.push(parseStateFile<DirectoryChange[]>(this.#journalFile, line));
      kept += Buffer.byteLength(line) + 1;
    }
    this.#journalBytes = kept;
    if (kept < Buffer.byteLength(text)) {
      const fd = openSync(this.#journalFile, 'r+');
      try {
        ftruncateSync(fd, kept);
        fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    return { snapshot, writes };
  }

  /** Makes `changes` durable; throws (having written nothing that counts) when the disk refuses. */
  append(changes: DirectoryChange[]): void {
    const line = Buffer.from(`${JSON.stringify(changes)}\n`);
    const fd = this.#open();
    try {
      const written = writeSync(fd, line);
      if (written !== line.length) throw new Error(`only ${written} of ${line.length} bytes could be written (is the disk full?)`);
      fdatasyncSync(fd);
    } catch (error) {
      // A line cut short by a full disk would spoil the next one: cut it off before reporting.
      try {
        ftruncateSync(fd, this.#journalBytes);
      } catch {
        this.#close(); // reopened (and its size read again) on the next write
      }
      throw error;
    }
    this.#journalBytes += line.length;
  }

  /** True when the journal has outgrown the snapshot enough to fold it in. */
  get wantsCompaction(): boolean {
    return this.#journalBytes > Math.max(MIN_COMPACTION_BYTES, this.#snapshotBytes);
  }

  /** Writes `state` as the new snapshot and starts an empty journal after it. */
  compact(state: Omit<DirectorySnapshot, 'generation'>): void {
    const generation = this.#generation + 1;
    const text = `${JSON.stringify({ ...state, generation } satisfies DirectorySnapshot)}\n`;
    writeFileAtomic(this.#snapshotFile, text, this.#mode);
    this.#close();
    this.#generation = generation;
    this.#snapshotBytes = Buffer.byteLength(text);
    this.#startJournal();
  }

  /** Everything stored goes: the journal first, so a crash in between never replays it onto the tenant. */
  remove(): void {
    this.#close();
    rmSync(this.#journalFile, { force: true });
    rmSync(this.#snapshotFile, { force: true });
    this.#generation = 0;
    this.#snapshotBytes = 0;
    this.#journalBytes = 0;
  }

  close(): void {
    this.#close();
  }

  #open(): number {
    if (this.#fd !== undefined) return this.#fd;
    if (!existsSync(this.#journalFile)) this.#startJournal();
    this.#fd = openSync(this.#journalFile, 'a', this.#mode);
    this.#journalBytes = fstatSync(this.#fd).size;
    return this.#fd;
  }

  #startJournal(): void {
    const header = `${JSON.stringify({ generation: this.#generation })}\n`;
    writeFileAtomic(this.#journalFile, header, this.#mode);
    this.#journalBytes = header.length;
  }

  #close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** Removes a stopped IdP's stored directory; true when there was one. */
export function removeSavedDirectory(stateDir: string): boolean {
  const journal = new DirectoryJournal(stateDir);
  const existed = journal.files.some((file) => existsSync(file));
  journal.remove();
  return existed;
}

function parseStateFile<T>(file: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(`${file} is damaged (${(error as Error).message}); \`dial-sandbox reset --state-dir <dir>\` removes the stored directory and starts again from tenant.yaml.`);
  }
}
