/** @module The bridge's HTTP side as a hono app: `POST /hooks/<source>` checks size, `X-Hub-Signature-256` and the delivery id, commits the webhook, then answers 202 (or 200 for a replayed delivery id). */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { verifyHubSignature } from "../admin/signature.ts";
import type { Priority } from "../bot/outbox-store.ts";
import { DELIVERY_ID_PATTERN, SOURCE_PATTERN } from "./options.ts";
import { BRIDGE_PRIORITIES } from "./schema.ts";
import type { Accepted, IncomingWebhook } from "./store.ts";
import { webhookText } from "./summary.ts";

/** What the routes work on. */
export interface BridgeAppDeps {
  /** HMAC key: the shared secret's UTF-8 bytes. */
  readonly secret: Uint8Array;
  readonly priority: Priority;
  readonly maxBodyBytes: number;
  /** Commits a webhook (synchronously: it is on disk when this returns). */
  readonly accept: (webhook: IncomingWebhook) => Accepted;
  /** False once the bridge is closing: requests get 503. */
  readonly open: () => boolean;
  /** Called after a new webhook was committed (not for duplicates). */
  readonly onAccepted: (accepted: Accepted) => void;
}

/** An error answer: HTTP status plus `{ error: { code, message } }`. */
class BridgeHttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "BridgeHttpError";
  }
}

/**
 * The bridge's hono app. Serve it with `Bun.serve({ fetch: app.fetch })` (startWebhookBridge does), or call
 * `app.request()` in tests.
 *
 * Answers: 202 `{"accepted":true,"id":N}` once committed; 200 `{"duplicate":true,"id":N}` for a delivery id
 * already accepted for that source; 400 `invalid_argument`; 401 `signature_invalid`; 413 `payload_too_large`;
 * 503 `unavailable`; 404 `not_found`; 405 `method_not_allowed`.
 *
 * @example
 * const app = createBridgeApp({ secret, priority: "normal", maxBodyBytes: 262_144, accept, open: () => true, onAccepted });
 * const res = await app.request("/hooks/ci", { method: "POST", body, headers: { "x-hub-signature-256": sig, "x-webhook-id": "d1" } });
 */
export function createBridgeApp(deps: BridgeAppDeps): Hono {
  const app = new Hono();
  app.onError((error, c) => {
    if (error instanceof BridgeHttpError) {
      return c.json({ error: { code: error.code, message: error.message } }, error.status);
    }
    // Anything else is a bug or a storage failure; its message could carry internals.
    return c.json({ error: { code: "internal", message: "internal error" } }, 500);
  });
  app.notFound((c) => c.json({ error: { code: "not_found", message: `no route ${c.req.path}` } }, 404));

  app.get("/healthz", (c) =>
    deps.open() ? c.json({ status: "ok" }, 200) : c.json({ status: "stopping" }, 503),
  );

  app.post(
    "/hooks/:source",
    bodyLimit({
      maxSize: deps.maxBodyBytes,
      onError: () => {
        throw new BridgeHttpError(
          413,
          "payload_too_large",
          `request body larger than ${deps.maxBodyBytes} bytes`,
        );
      },
    }),
    async (c) => {
      if (!deps.open()) throw new BridgeHttpError(503, "unavailable", "the bridge is stopping");
      const body = new Uint8Array(await c.req.arrayBuffer());
      // Nothing about the request is looked at before its signature is known good.
      if (!verifyHubSignature(deps.secret, body, c.req.header("x-hub-signature-256"))) {
        throw new BridgeHttpError(
          401,
          "signature_invalid",
          "missing or wrong X-Hub-Signature-256 (sha256=<hex HMAC-SHA256 of the body>)",
        );
      }
      const source = c.req.param("source");
      if (!SOURCE_PATTERN.test(source)) {
        throw new BridgeHttpError(
          400,
          "invalid_argument",
          "source must be 1–64 characters of a-z, 0-9, _ and -",
        );
      }
      const deliveryId = c.req.header("x-webhook-id") ?? c.req.header("x-github-delivery");
      if (deliveryId === undefined || !DELIVERY_ID_PATTERN.test(deliveryId)) {
        throw new BridgeHttpError(
          400,
          "invalid_argument",
          "a delivery id is required: X-Webhook-Id or X-GitHub-Delivery, 1–200 visible ASCII characters",
        );
      }
      const asked = c.req.query("priority");
      const priority = asked === undefined ? deps.priority : BRIDGE_PRIORITIES.find((p) => p === asked);
      if (!priority) {
        throw new BridgeHttpError(400, "invalid_argument", "priority must be critical, normal or optional");
      }
      const accepted = deps.accept({
        source,
        deliveryId,
        priority,
        text: webhookText(source, body),
        bodyBytes: body.length,
      });
      if (accepted.duplicate) return c.json({ duplicate: true, id: accepted.id }, 200);
      deps.onAccepted(accepted);
      return c.json({ accepted: true, id: accepted.id }, 202);
    },
  );
  app.all("/hooks/:source", (c) => {
    c.header("allow", "POST");
    return c.json({ error: { code: "method_not_allowed", message: "use POST" } }, 405);
  });
  return app;
}
