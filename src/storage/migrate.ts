/** @module Applies the drizzle-kit migrations in drizzle/ when a database opens, and refuses databases from a newer wakubot. */
import type { Database } from "bun:sqlite";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { BunSQLiteDatabase } from "drizzle-orm/bun-sqlite";
import { migrate } from "drizzle-orm/bun-sqlite/migrator";
import { StorageError } from "../errors.ts";
import { storageErrorFrom } from "./sqlite.ts";

/** The databases of a data directory; each has its own migrations folder under drizzle/. */
export type DatabaseName = "messages" | "secrets" | "store";

/**
 * Absolute path of a database's migrations folder, resolved from this file so it works from any working directory.
 *
 * @example
 * migrationsFolder("secrets"); // "/…/wakubot/drizzle/secrets"
 */
export function migrationsFolder(name: DatabaseName): string {
  return fileURLToPath(new URL(`../../drizzle/${name}`, import.meta.url));
}

function newestKnownMigration(name: DatabaseName): number {
  const journal = JSON.parse(readFileSync(`${migrationsFolder(name)}/meta/_journal.json`, "utf8")) as {
    entries: { when: number }[];
  };
  return Math.max(...journal.entries.map((e) => e.when));
}

/**
 * Time stamp of the newest migration applied to `db`, or undefined for a database no migration has touched.
 *
 * @example
 * appliedMigration(sqlite); // 1795310682885
 */
export function appliedMigration(db: Database): number | undefined {
  const table = db
    .query<{ n: number }, []>(
      "SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name = '__drizzle_migrations'",
    )
    .get();
  if (!table?.n) return undefined;
  const row = db
    .query<{ at: number | null }, []>("SELECT max(created_at) AS at FROM __drizzle_migrations")
    .get();
  return row?.at ?? undefined;
}

/**
 * Brings `db` to the newest schema this wakubot knows, in one transaction. A database migrated by a newer wakubot
 * is refused with `db_schema_newer` rather than used with a schema this code does not understand (S2).
 *
 * @example
 * applyMigrations(sqlite, drizzle(sqlite), "secrets");
 */
export function applyMigrations<TSchema extends Record<string, unknown>>(
  db: Database,
  orm: BunSQLiteDatabase<TSchema>,
  name: DatabaseName,
): void {
  const applied = appliedMigration(db);
  if (applied !== undefined && applied > newestKnownMigration(name)) {
    throw new StorageError(
      "db_schema_newer",
      `${name}.db was written by a newer wakubot; upgrade wakubot to open it`,
    );
  }
  try {
    migrate(orm, { migrationsFolder: migrationsFolder(name) });
  } catch (error) {
    throw storageErrorFrom(error, `${name}.db`);
  }
}
