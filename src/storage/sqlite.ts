/** @module Opening one SQLite file safely: header check, exclusive WAL lock, durability pragmas, typed errors. */
import { Database } from "bun:sqlite";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { basename } from "node:path";
import { StorageError, WakubotError } from "../errors.ts";

/** How one database file is opened. */
export interface SqliteOpenOptions {
  /** Create the file if missing (only `init` does); otherwise a missing file is an error. */
  readonly create: boolean;
  /** `FULL` where a lost write would lose a key or a message; see docs/storage.md. */
  readonly synchronous: "FULL" | "NORMAL";
}

const MAGIC = "SQLite format 3\0";

/**
 * Cheap structural check of an existing database file before SQLite touches it, so garbage and truncated files
 * give `db_corrupt` instead of being half-read (SQLite file format §1.3: header fields at offsets 16, 24, 28, 92).
 *
 * @example
 * checkSqliteHeader("/data/secrets.db"); // throws StorageError("db_corrupt") on a bad file
 */
export function checkSqliteHeader(path: string): void {
  const name = basename(path);
  const size = statSync(path).size;
  const corrupt = (why: string) => new StorageError("db_corrupt", `${name} is not a valid database: ${why}`);
  if (size < 100) throw corrupt(`only ${size} bytes`);
  const head = Buffer.alloc(100);
  const fd = openSync(path, "r");
  try {
    readSync(fd, head, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString("latin1", 0, 16) !== MAGIC) throw corrupt("no SQLite header");
  const rawPageSize = head.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) throw corrupt("bad page size");
  if (size % pageSize !== 0) throw corrupt("size is not a whole number of pages (truncated?)");
  const changeCounter = head.readUInt32BE(24);
  const pages = head.readUInt32BE(28);
  const validFor = head.readUInt32BE(92);
  if (changeCounter === validFor && pages * pageSize > size) {
    throw corrupt(`header says ${pages} pages, file holds ${size / pageSize} (truncated)`);
  }
}

/**
 * Maps a bun:sqlite error to the StorageError a user can act on.
 *
 * @example
 * try { db.run(sql) } catch (e) { throw storageErrorFrom(e, "secrets.db") }
 */
export function storageErrorFrom(error: unknown, name: string): WakubotError {
  if (error instanceof WakubotError) return error;
  const code = (error as { code?: unknown }).code;
  if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") {
    return new StorageError(
      "data_dir_locked",
      `${name} is in use by another wakubot process (one process per data directory)`,
      { cause: error },
    );
  }
  if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT" || code === "SQLITE_CORRUPT_VTAB") {
    return new StorageError("db_corrupt", `${name} is corrupt`, { cause: error });
  }
  return new StorageError("db_io", `${name}: ${(error as Error).message ?? String(error)}`, { cause: error });
}

/**
 * Opens a database file in WAL mode with an exclusive lock held until close, so a second process on the same data
 * directory fails fast with `data_dir_locked` instead of interleaving writes. The OS drops the lock when the
 * process dies, so a crash never leaves a stale lock.
 *
 * @example
 * const db = openSqlite("/data/secrets.db", { create: false, synchronous: "FULL" });
 */
export function openSqlite(path: string, options: SqliteOpenOptions): Database {
  const name = basename(path);
  let exists = true;
  try {
    statSync(path);
  } catch {
    exists = false;
  }
  if (!exists && !options.create) {
    throw new StorageError("data_dir_incomplete", `${name} is missing from the data directory`);
  }
  if (exists) checkSqliteHeader(path);
  let db: Database | undefined;
  try {
    db = new Database(path, { create: options.create, readwrite: true, strict: true });
    // EXCLUSIVE before WAL: the lock is then held for the connection's lifetime and no -shm file is used.
    db.run("PRAGMA locking_mode = EXCLUSIVE");
    db.run("PRAGMA busy_timeout = 0");
    const mode = db.query<{ journal_mode: string }, []>("PRAGMA journal_mode = WAL").get();
    if (mode?.journal_mode !== "wal") throw new Error(`cannot switch ${name} to WAL`);
    db.run(`PRAGMA synchronous = ${options.synchronous}`);
    db.run("PRAGMA foreign_keys = ON");
    // Take the lock now rather than at the first write, and read every page of the schema to catch corruption.
    db.run("BEGIN IMMEDIATE");
    db.query("SELECT count(*) FROM sqlite_schema").get();
    db.run("COMMIT");
    return db;
  } catch (error) {
    db?.close(true);
    throw storageErrorFrom(error, name);
  }
}
