/** @module The chat text of a webhook: `[<source>] <summary>`, the summary taken from common JSON fields (text, message, title, GitHub-style action and repository) or else the raw body, at most 2,000 characters. */

/** Longest summary, in characters (code points); longer ones end with "…". */
export const MAX_SUMMARY_CHARS = 2000;

const decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * The chat text for a webhook body from `source`.
 *
 * - a JSON object with a string `text`, else `message`, else `title`: that string;
 * - a GitHub-style event (`repository.full_name`, with `action`, a pull request, an issue, a release or a push):
 *   e.g. `octo/app: pull request #12 opened: Fix the build`;
 * - anything else: the body as UTF-8 text;
 *
 * whitespace-trimmed and cut to {@link MAX_SUMMARY_CHARS} characters.
 *
 * @example
 * webhookText("ci", new TextEncoder().encode('{"text":"build 41 passed"}')); // "[ci] build 41 passed"
 * webhookText("gh", body); // "[gh] octo/app: issue #3 closed: Crash on start"
 */
export function webhookText(source: string, body: Uint8Array): string {
  return `[${source}] ${summarize(body)}`;
}

/**
 * The summary part of {@link webhookText}.
 *
 * @example
 * summarize(new TextEncoder().encode("plain text")); // "plain text"
 */
export function summarize(body: Uint8Array): string {
  const raw = decoder.decode(body);
  const fromJson = jsonSummary(raw);
  const text = (fromJson ?? raw).trim();
  return truncate(text === "" ? "(empty body)" : text);
}

function truncate(text: string): string {
  const chars = Array.from(text);
  if (chars.length <= MAX_SUMMARY_CHARS) return text;
  return `${chars.slice(0, MAX_SUMMARY_CHARS - 1).join("")}…`;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

function jsonSummary(raw: string): string | undefined {
  if (!/^\s*\{/.test(raw)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  return str(value.text) ?? str(value.message) ?? str(value.title) ?? githubSummary(value);
}

function githubSummary(event: Json): string | undefined {
  const repository = isObject(event.repository) ? str(event.repository.full_name) : undefined;
  if (!repository) return undefined;
  const action = str(event.action);
  const subject = (label: string, item: unknown): string | undefined => {
    if (!isObject(item)) return undefined;
    const number = num(item.number);
    const title = str(item.title);
    const head = [label, number === undefined ? undefined : `#${number}`, action].filter(Boolean).join(" ");
    return title ? `${head}: ${title}` : head;
  };
  const detail =
    subject("pull request", event.pull_request) ??
    subject("issue", event.issue) ??
    (isObject(event.release)
      ? ["release", str(event.release.tag_name), action].filter(Boolean).join(" ")
      : undefined) ??
    pushSummary(event) ??
    action;
  return detail ? `${repository}: ${detail}` : repository;
}

function pushSummary(event: Json): string | undefined {
  const ref = str(event.ref);
  if (!ref || !Array.isArray(event.commits)) return undefined;
  const n = event.commits.length;
  const head = isObject(event.head_commit) ? str(event.head_commit.message)?.split("\n")[0] : undefined;
  const line = `push to ${ref.replace(/^refs\/heads\//, "")}, ${n} commit${n === 1 ? "" : "s"}`;
  return head ? `${line}: ${head}` : line;
}
