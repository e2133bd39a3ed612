/** @module The built-in file reference type: where a file is and how to check and decrypt it, never its bytes. */
import { concatBytes } from "../crypto/provider.ts";
import { InputError } from "../errors.ts";
import { ByteReader, hexOf, utf8Bytes, varint } from "./bytes.ts";
import { BUILTIN_WIRE, type PayloadType, payloadType } from "./type.ts";

/**
 * Longest URL in a file reference, in UTF-8 bytes.
 *
 * @example
 * if (url.length > MAX_FILE_URL_BYTES) url = await shorten(url);
 */
export const MAX_FILE_URL_BYTES = 2048;
/**
 * Longest file name or media type in a file reference, in bytes.
 *
 * @example
 * const fits = new TextEncoder().encode(fileName).length <= MAX_FILE_FIELD_BYTES;
 */
export const MAX_FILE_FIELD_BYTES = 255;

/**
 * A reference to a file stored elsewhere (HTTP, IPFS, Codex …). The content is fetched from `url`, checked against
 * `sha256` (lowercase hex of the digest of the fetched bytes) and, if `key` is set, decrypted with that 32-byte
 * key by the application's chosen scheme.
 *
 * @example
 * const ref: FileRef = { url: "https://files.example/x", name: "x.png", mediaType: "image/png", size: 1234 };
 */
export interface FileRef {
  /** Absolute URL (anything `URL.canParse` accepts), 1 … 2048 bytes. */
  readonly url: string;
  /** Suggested file name, 1 … 255 UTF-8 bytes. */
  readonly name?: string;
  /** Media type such as `image/png`, 1 … 255 printable ASCII characters including a `/`. */
  readonly mediaType?: string;
  /** Size in bytes, 0 … 2^53 − 1. */
  readonly size?: number;
  /** SHA-256 of the stored bytes, 64 lowercase hex characters. */
  readonly sha256?: string;
  /** 32-byte symmetric key that decrypts the stored bytes. */
  readonly key?: Uint8Array;
}

const NAME = 0x01;
const MEDIA_TYPE = 0x02;
const SIZE = 0x04;
const SHA256 = 0x08;
const KEY = 0x10;
const KNOWN = NAME | MEDIA_TYPE | SIZE | SHA256 | KEY;
const MEDIA = /^[\x20-\x7e]+$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

function bad(message: string): InputError {
  return new InputError("invalid_argument", `file.${message}`);
}

function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  return concatBytes(varint(bytes.length), bytes);
}

function checkUrl(url: string, bytes: number): boolean {
  return bytes >= 1 && bytes <= MAX_FILE_URL_BYTES && URL.canParse(url);
}

function checkMediaType(mediaType: string): boolean {
  return mediaType.length <= MAX_FILE_FIELD_BYTES && MEDIA.test(mediaType) && mediaType.includes("/");
}

function encodeFile(value: FileRef): Uint8Array {
  if (typeof value !== "object" || value === null) throw bad("reference must be an object");
  const url = utf8Bytes(value.url, "file.url");
  if (!checkUrl(value.url, url.length))
    throw bad(`url must be an absolute URL of 1 … ${MAX_FILE_URL_BYTES} bytes`);
  let flags = 0;
  const parts: Uint8Array[] = [lengthPrefixed(url)];
  if (value.name !== undefined) {
    const name = utf8Bytes(value.name, "file.name");
    if (name.length < 1 || name.length > MAX_FILE_FIELD_BYTES) throw bad("name must be 1 … 255 bytes");
    flags |= NAME;
    parts.push(lengthPrefixed(name));
  }
  if (value.mediaType !== undefined) {
    if (typeof value.mediaType !== "string" || !checkMediaType(value.mediaType)) {
      throw bad("mediaType must be 1 … 255 printable ASCII characters including a /");
    }
    flags |= MEDIA_TYPE;
    parts.push(lengthPrefixed(utf8Bytes(value.mediaType, "file.mediaType")));
  }
  if (value.size !== undefined) {
    if (!Number.isSafeInteger(value.size) || value.size < 0)
      throw bad("size must be an integer in 0 … 2^53 − 1");
    flags |= SIZE;
    parts.push(varint(value.size));
  }
  if (value.sha256 !== undefined) {
    if (typeof value.sha256 !== "string" || !SHA256_HEX.test(value.sha256)) {
      throw bad("sha256 must be 64 lowercase hex characters");
    }
    flags |= SHA256;
    parts.push(Uint8Array.from(Buffer.from(value.sha256, "hex")));
  }
  if (value.key !== undefined) {
    if (!(value.key instanceof Uint8Array) || value.key.length !== 32) throw bad("key must be 32 bytes");
    flags |= KEY;
    parts.push(value.key);
  }
  return concatBytes(Uint8Array.of(flags), ...parts);
}

function decodeFile(body: Uint8Array): FileRef {
  const r = new ByteReader(body, "file");
  const flags = r.byte();
  if ((flags & ~KNOWN) !== 0) throw r.malformed("has reserved flag bits set");
  const urlLength = r.varint();
  if (urlLength > MAX_FILE_URL_BYTES) throw r.malformed("has a url over 2048 bytes");
  const url = r.text(urlLength);
  if (!checkUrl(url, urlLength)) throw r.malformed("has an invalid url");
  const out: { -readonly [K in keyof FileRef]: FileRef[K] } = { url };
  if (flags & NAME) {
    const n = r.varint();
    if (n < 1 || n > MAX_FILE_FIELD_BYTES) throw r.malformed("has a name of the wrong length");
    out.name = r.text(n);
  }
  if (flags & MEDIA_TYPE) {
    const n = r.varint();
    if (n < 1 || n > MAX_FILE_FIELD_BYTES) throw r.malformed("has a media type of the wrong length");
    const mediaType = r.text(n);
    if (!checkMediaType(mediaType)) throw r.malformed("has an invalid media type");
    out.mediaType = mediaType;
  }
  if (flags & SIZE) out.size = r.varint();
  if (flags & SHA256) out.sha256 = hexOf(r.take(32));
  if (flags & KEY) out.key = r.take(32);
  r.end();
  return out;
}

/**
 * A file reference (wire type 5). Body: a flag byte saying which optional fields follow (bit 0 name, 1 media type,
 * 2 size, 3 sha256, 4 key; bits 5–7 zero), the URL as varint length + UTF-8, then the present fields in bit order:
 * name and media type as varint length + bytes, size as a varint, sha256 and key as 32 raw bytes each. Absent
 * fields take no bytes; decoded references carry only the fields present.
 *
 * @example
 * registry.encode(file, { url: "https://x.example/a", size: 300 });
 * // body 04 13 "https://x.example/a" ac 02
 */
export const file: PayloadType<FileRef, "file"> = payloadType<FileRef, "file">(
  "file",
  BUILTIN_WIRE.file,
  1,
  encodeFile,
  decodeFile,
);
