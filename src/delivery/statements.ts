/** @module Prepared statements on messages.db for the per-message paths (outbox, rate limit, ledger): drizzle builds the SQL and prepares the statement again on every call, which costs more than the write itself. */
import type { Database, SQLQueryBindings } from "bun:sqlite";
import type { MessagesDb } from "../storage/data-dir.ts";

/** A prepared statement; positional `?` parameters. */
export interface Statement {
  run(...params: SQLQueryBindings[]): { changes: number };
  get(...params: SQLQueryBindings[]): unknown;
  all(...params: SQLQueryBindings[]): unknown[];
}

/**
 * The bun:sqlite connection under a drizzle handle, with each SQL text prepared once.
 *
 * @example
 * const sql = new Statements(dir.messages);
 * sql.q("update messages set attempts = ? where id = ?").run(2, id);
 * sql.transaction(() => { … });
 */
export class Statements {
  readonly #db: Database;
  readonly #prepared = new Map<string, Statement>();

  constructor(db: MessagesDb) {
    // drizzle's bun-sqlite handle keeps its client here; the declared type leaves it out.
    this.#db = (db as MessagesDb & { $client: Database }).$client;
  }

  /** The statement for `sql`, prepared on first use. */
  q(sql: string): Statement {
    let statement = this.#prepared.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql) as unknown as Statement;
      this.#prepared.set(sql, statement);
    }
    return statement;
  }

  /** Runs `work` in one transaction (a nested call becomes a savepoint). */
  transaction<T>(work: () => T): T {
    return this.#db.transaction(work)();
  }
}
