/** @module The closed set of error classes every wakubot failure belongs to, each with a stable `code`. */

/**
 * Stable error codes, grouped by class. Codes never change meaning once released; scripts match on them.
 * The full table with explanations is in docs/errors.md.
 */
export const ERROR_CODES = {
  InputError: [
    "usage",
    "invalid_argument",
    "invalid_account_id",
    "account_exists",
    "no_account",
    "invite_malformed",
    "invite_truncated",
    "invite_trailing_data",
    "invite_version_unknown",
    "invite_tampered",
    "invite_expired",
  ],
  PassphraseError: ["passphrase_missing", "passphrase_wrong", "passphrase_file_unreadable"],
  StorageError: [
    "data_dir_locked",
    "data_dir_incomplete",
    "data_dir_mismatch",
    "db_corrupt",
    "db_schema_newer",
    "db_io",
    "sealed_value_invalid",
  ],
  CryptoError: [
    "decrypt_failed",
    "signature_invalid",
    "invalid_key",
    "replay",
    "too_many_skipped",
    "unknown_tag",
    "prekey_unavailable",
  ],
  ProtocolError: ["version_unknown", "malformed", "too_large"],
  NetworkError: ["timeout", "unreachable"],
} as const;

type Codes = typeof ERROR_CODES;
/** Name of one of the error classes. */
export type ErrorClassName = keyof Codes;
/** Every code any wakubot error can carry. */
export type ErrorCode = Codes[ErrorClassName][number];

/** Process exit code for a failure: 2 for bad input or usage, 1 for runtime failures (see docs/cli.md). */
export type ExitCode = 1 | 2;

/**
 * Base of every error wakubot throws on purpose. Never constructed directly; catch it to handle any of them.
 *
 * @example
 * try { await openDataDir(dir) } catch (e) {
 *   if (e instanceof WakubotError) console.error(e.code, e.message);
 * }
 */
export abstract class WakubotError extends Error {
  abstract readonly code: ErrorCode;
  /** The process exit code the CLI uses for this error. */
  abstract readonly exitCode: ExitCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /** The JSON shape the CLI prints with `--json`. Never includes the cause: it may hold data we do not vet. */
  toJSON(): { event: "error"; code: ErrorCode; message: string } {
    return { event: "error", code: this.code, message: this.message };
  }
}

/**
 * Bad input from the user or the calling program: arguments, ids, links. Exit code 2.
 *
 * @example
 * throw new InputError("invalid_account_id", "checksum mismatch");
 */
export class InputError extends WakubotError {
  readonly exitCode = 2;
  constructor(
    readonly code: Codes["InputError"][number],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The passphrase that unlocks secrets.db is missing, unreadable or wrong. Exit code 2; nothing is written.
 *
 * @example
 * if (!passphrase) throw new PassphraseError("passphrase_missing", "set WAKUBOT_PASSPHRASE");
 */
export class PassphraseError extends WakubotError {
  readonly exitCode = 2;
  constructor(
    readonly code: Codes["PassphraseError"][number],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The data directory or one of its databases cannot be used: locked, corrupt, newer schema, I/O. Exit code 1.
 *
 * @example
 * throw new StorageError("db_corrupt", "secrets.db: file is not a database", { cause: sqliteError });
 */
export class StorageError extends WakubotError {
  readonly exitCode = 1;
  constructor(
    readonly code: Codes["StorageError"][number],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A cryptographic check failed: authentication tag, signature. Exit code 1.
 *
 * @example
 * throw new CryptoError("decrypt_failed", "message authentication failed");
 */
export class CryptoError extends WakubotError {
  readonly exitCode = 1;
  /** The local conversation the message belongs to, when known (a `replay` of a committed message names it). */
  readonly conversation: string | undefined;
  constructor(
    readonly code: Codes["CryptoError"][number],
    message: string,
    options?: { cause?: unknown; conversation?: string },
  ) {
    super(message, options);
    this.conversation = options?.conversation;
  }
}

/**
 * Bytes from a peer do not follow the wire format: unknown version, malformed encoding. Exit code 1.
 *
 * @example
 * throw new ProtocolError("version_unknown", "frame version 9 is newer than this wakubot understands");
 */
export class ProtocolError extends WakubotError {
  readonly exitCode = 1;
  constructor(
    readonly code: Codes["ProtocolError"][number],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The network did not do what was asked in time: no peer, timeout. Exit code 1.
 *
 * @example
 * throw new NetworkError("timeout", "no delivery receipt within 30 s");
 */
export class NetworkError extends WakubotError {
  readonly exitCode = 1;
  constructor(
    readonly code: Codes["NetworkError"][number],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
