import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import {
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { x25519SecretFromIdentity } from "../../src/account/identity.ts";
import { decodeKdfParams, deriveKey } from "../../src/crypto/kdf.ts";
import { PassphraseError, StorageError, WakubotError } from "../../src/errors.ts";
import { createDataDir, openDataDir, readAccountId } from "../../src/storage/data-dir.ts";
import { changePassphrase, unlockKeyring, unwrapDataKey } from "../../src/storage/keyring.ts";
import * as secretsSchema from "../../src/storage/schema/secrets.ts";
import { expectCode } from "../support/errors.ts";
import { hex, TEST_KDF, tempDir } from "../support/tmp.ts";

const passphrase = "correct horse battery staple";

function newDir(): string {
  const path = join(tempDir(), "data");
  createDataDir(path, { passphrase, kdf: TEST_KDF }).close();
  return path;
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    out[name] = createHash("sha256")
      .update(readFileSync(join(dir, name)))
      .digest("hex");
  }
  return out;
}

function tables(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .query<{ name: string }, []>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
      .all()
      .map((r) => r.name);
  } finally {
    db.close(true);
  }
}

describe("migrations", () => {
  test("a fresh data directory gets every table of both schemas, private file modes, and WAL", () => {
    const dir = newDir();
    expect(tables(join(dir, "secrets.db"))).toEqual([
      "__drizzle_migrations",
      "identity",
      "inbox",
      "kek",
      "keyring",
      "node_key",
      "one_time_prekeys",
      "seen_ephemerals",
      "sessions",
      "signed_prekeys",
      "tag_index",
    ]);
    expect(tables(join(dir, "messages.db"))).toEqual([
      "__drizzle_migrations",
      "account",
      "admin_events",
      "admin_requests",
      "admin_token",
      "conversation_state",
      "conversations",
      "messages",
      "rate_limit_queue",
      "rate_limit_usage",
      "sqlite_sequence",
      "sync_state",
      "webhook_deliveries",
      "webhooks",
    ]);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "secrets.db")).mode & 0o777).toBe(0o600);
    const db = new Database(join(dir, "secrets.db"), { readonly: true });
    expect(db.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()?.journal_mode).toBe("wal");
    db.close(true);
  });

  test("re-opening is idempotent: same account, same migration rows, nothing re-applied", () => {
    const dir = newDir();
    const first = openDataDir(dir, { passphrase });
    const id = first.accountId;
    first.close();
    for (let i = 0; i < 3; i++) {
      const again = openDataDir(dir, { passphrase });
      expect(again.accountId).toBe(id);
      again.close();
    }
    const db = new Database(join(dir, "messages.db"), { readonly: true });
    // One row per migration in drizzle/messages, each applied once.
    const migrations = readdirSync(join(import.meta.dir, "../../drizzle/messages")).filter((f) =>
      f.endsWith(".sql"),
    );
    expect(db.query<{ n: number }, []>("SELECT count(*) AS n FROM __drizzle_migrations").get()?.n).toBe(
      migrations.length,
    );
    db.close(true);
    expect(readAccountId(dir)).toBe(id);
  });

  test("a database migrated by a newer wakubot is refused with db_schema_newer", () => {
    const dir = newDir();
    const db = new Database(join(dir, "messages.db"));
    db.run("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('future', 99999999999999)");
    db.close(true);
    expectCode(() => openDataDir(dir, { passphrase }), StorageError, "db_schema_newer");
  });

  test("init on a directory that has an account fails with account_exists and keeps the account", () => {
    const dir = newDir();
    const id = readAccountId(dir);
    expectCode(() => createDataDir(dir, { passphrase, kdf: TEST_KDF }), WakubotError, "account_exists");
    expect(readAccountId(dir)).toBe(id);
  });

  test("messages.db lost its account row: it is restored from secrets.db on open", () => {
    const dir = newDir();
    const id = readAccountId(dir);
    const db = new Database(join(dir, "messages.db"));
    db.run("DELETE FROM account");
    db.close(true);
    const opened = openDataDir(dir, { passphrase });
    expect(opened.accountId).toBe(id);
    opened.close();
  });

  test("messages.db of another account is refused with data_dir_mismatch", () => {
    const a = newDir();
    const b = newDir();
    writeFileSync(join(a, "messages.db"), readFileSync(join(b, "messages.db")));
    expectCode(() => openDataDir(a, { passphrase }), StorageError, "data_dir_mismatch");
  });
});

describe("passphrase", () => {
  test("a wrong passphrase gives passphrase_wrong and changes no byte on disk", () => {
    const dir = newDir();
    const before = snapshot(dir);
    expectCode(() => openDataDir(dir, { passphrase: "wrong" }), PassphraseError, "passphrase_wrong");
    expect(snapshot(dir)).toEqual(before);
  });

  test("changing it rewraps the data key only: sealed rows keep their bytes, old passphrase stops working", () => {
    const dir = newDir();
    const opened = openDataDir(dir, { passphrase });
    const sealedBefore = opened.secrets.select().from(secretsSchema.identity).get()?.secretKey;
    const seed = opened.identitySecretKey();
    changePassphrase(opened.secrets, passphrase, "new passphrase", { cost: TEST_KDF });
    expectCode(() => unlockKeyring(opened.secrets, passphrase), PassphraseError, "passphrase_wrong");
    opened.close();
    const reopened = openDataDir(dir, { passphrase: "new passphrase" });
    expect(hex(reopened.secrets.select().from(secretsSchema.identity).get()?.secretKey as Buffer)).toBe(
      hex(sealedBefore as Buffer),
    );
    expect(hex(reopened.identitySecretKey())).toBe(hex(seed));
    reopened.close();
  });

  test("changing it with a wrong old passphrase writes nothing", () => {
    const dir = newDir();
    const opened = openDataDir(dir, { passphrase });
    expectCode(
      () => changePassphrase(opened.secrets, "wrong", "next", { cost: TEST_KDF }),
      PassphraseError,
      "passphrase_wrong",
    );
    opened.close();
    openDataDir(dir, { passphrase }).close();
  });

  test("an edited KDF parameter row no longer unwraps (parameters are bound into the wrap)", () => {
    const dir = newDir();
    const db = new Database(join(dir, "secrets.db"));
    const row = db.query<{ kdf_params: string }, []>("SELECT kdf_params FROM kek").get();
    const params = JSON.parse(row?.kdf_params as string);
    db.run("UPDATE kek SET kdf_params = ?", [JSON.stringify({ ...params, t: params.t + 1 })]);
    db.close(true);
    expectCode(() => openDataDir(dir, { passphrase }), PassphraseError, "passphrase_wrong");
  });
});

describe("secrets at rest", () => {
  test("secrets.db and its WAL contain no private key, data key or passphrase bytes", () => {
    const dir = join(tempDir(), "data");
    const created = createDataDir(dir, { passphrase, kdf: TEST_KDF });
    const seed = created.identitySecretKey();
    const kdf = created.secrets.select().from(secretsSchema.kek).get();
    const ring = created.secrets.select().from(secretsSchema.keyring).get();
    const kek = deriveKey(passphrase, decodeKdfParams(kdf?.kdfParams as string));
    const needles: Record<string, Uint8Array> = {
      seed,
      x25519Secret: x25519SecretFromIdentity(seed),
      dataKey: unwrapDataKey(kek, ring?.wrappedKey as Buffer, 1, kdf?.kdfParams as string),
      kek,
      passphrase: new TextEncoder().encode(passphrase),
    };
    const found = () => {
      const hits: string[] = [];
      for (const f of readdirSync(dir)) {
        const bytes = readFileSync(join(dir, f));
        for (const [name, needle] of Object.entries(needles)) {
          if (bytes.indexOf(Buffer.from(needle)) >= 0) hits.push(`${name} in ${f}`);
        }
      }
      return hits;
    };
    const publicKeyIn = (f: string) =>
      readFileSync(join(dir, f)).indexOf(Buffer.from(created.identityPublicKey));
    // While open, the fresh writes sit in the WAL; the search must find the public key there, proving it looks.
    expect(readdirSync(dir)).toContain("secrets.db-wal");
    expect(publicKeyIn("secrets.db-wal")).toBeGreaterThanOrEqual(0);
    expect(found()).toEqual([]);
    created.close();
    // After close the WAL is checkpointed into the main file.
    expect(publicKeyIn("secrets.db")).toBeGreaterThanOrEqual(0);
    expect(found()).toEqual([]);
  });
});

describe("damaged or busy data directories", () => {
  test("garbage in secrets.db or messages.db gives db_corrupt", () => {
    for (const name of ["secrets.db", "messages.db"]) {
      const dir = newDir();
      const size = statSync(join(dir, name)).size;
      writeFileSync(join(dir, name), crypto.getRandomValues(new Uint8Array(size)));
      expectCode(() => openDataDir(dir, { passphrase }), StorageError, "db_corrupt");
    }
  });

  test("a truncated database gives db_corrupt, whether cut mid-page or at a page boundary", () => {
    for (const cut of [(size: number) => Math.floor(size / 2) + 7, (size: number) => size - 4096]) {
      const dir = newDir();
      const path = join(dir, "secrets.db");
      truncateSync(path, cut(statSync(path).size));
      expectCode(() => openDataDir(dir, { passphrase }), StorageError, "db_corrupt");
    }
  });

  test("an empty or tiny file gives db_corrupt", () => {
    const dir = newDir();
    writeFileSync(join(dir, "messages.db"), "SQLite");
    expectCode(() => openDataDir(dir, { passphrase }), StorageError, "db_corrupt");
    expectCode(() => readAccountId(dir), StorageError, "db_corrupt");
  });

  test("a missing database gives data_dir_incomplete; no database at all gives no_account", () => {
    const dir = newDir();
    const bytes = readFileSync(join(dir, "messages.db"));
    writeFileSync(join(dir, "messages.db.bak"), bytes);
    unlinkSync(join(dir, "messages.db"));
    expectCode(() => openDataDir(dir, { passphrase }), StorageError, "data_dir_incomplete");
    expect(existsSync(join(dir, "messages.db"))).toBe(false);
    expectCode(() => openDataDir(join(tempDir(), "none"), { passphrase }), WakubotError, "no_account");
  });

  test("a second open in the same process gives data_dir_locked until the first closes", () => {
    const dir = newDir();
    const first = openDataDir(dir, { passphrase });
    expectCode(() => openDataDir(dir, { passphrase }), StorageError, "data_dir_locked");
    expectCode(() => readAccountId(dir), StorageError, "data_dir_locked");
    first.close();
    openDataDir(dir, { passphrase }).close();
  });

  test("a second process gives data_dir_locked while this one holds the directory", async () => {
    const dir = newDir();
    const first = openDataDir(dir, { passphrase });
    const child = Bun.spawn(
      [
        process.execPath,
        "-e",
        `import { readAccountId } from "${join(import.meta.dir, "../../src/storage/data-dir.ts")}";
         try { readAccountId(${JSON.stringify(dir)}); console.log("opened") } catch (e) { console.log(e.code) }`,
      ],
      { stdout: "pipe" },
    );
    expect((await new Response(child.stdout).text()).trim()).toBe("data_dir_locked");
    first.close();
  });
});
