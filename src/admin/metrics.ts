/** @module Prometheus metrics of a bot (text exposition format 0.0.4): event counters since start, quota and queue gauges read when scraped, admin HTTP request counts. */
import type { QuotaInfo } from "../delivery/rate-limit.ts";
import type { EventType } from "./events.ts";

/** What a scrape reads besides the counters. */
export interface MetricsSnapshot {
  readonly quota: QuotaInfo | undefined;
  readonly liveConversations: number;
  readonly sseClients: number;
  readonly webhookPending: number;
}

/**
 * Counters the admin API keeps in memory (they restart at zero with the process, which Prometheus' `rate()`
 * handles) and the exposition of them with the gauges of a snapshot.
 *
 * @example
 * const metrics = new AdminMetrics();
 * metrics.event("message");
 * metrics.render(snapshot); // "# HELP wakubot_events_total …"
 */
export class AdminMetrics {
  readonly #events = new Map<string, number>();
  readonly #requests = new Map<string, number>();
  readonly #webhooks = new Map<string, number>();

  /** Counts a bot event (by type, and failures by code). */
  event(type: EventType, code?: string): void {
    bump(this.#events, code ? `type="${type}",code="${label(code)}"` : `type="${type}"`);
  }

  /** Counts an admin request by route pattern and status. */
  request(method: string, route: string, status: number): void {
    bump(this.#requests, `method="${method}",route="${label(route)}",status="${status}"`);
  }

  /** Counts a webhook attempt's outcome. */
  webhook(outcome: "delivered" | "retry" | "failed"): void {
    bump(this.#webhooks, `outcome="${outcome}"`);
  }

  /**
   * The exposition text.
   *
   * @example
   * new Response(metrics.render(snapshot), { headers: { "content-type": METRICS_CONTENT_TYPE } });
   */
  render(s: MetricsSnapshot): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string, samples: [string, number][]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) out.push(`${name}${labels ? `{${labels}}` : ""} ${value}`);
    };
    family("wakubot_events_total", "counter", "Bot events since start, by type (failed: by code).", [
      ...this.#events,
    ]);
    family("wakubot_admin_requests_total", "counter", "Admin API requests by route and status.", [
      ...this.#requests,
    ]);
    family("wakubot_webhook_attempts_total", "counter", "Outgoing webhook attempts by outcome.", [
      ...this.#webhooks,
    ]);
    family("wakubot_webhook_pending", "gauge", "Webhook deliveries not yet done.", [["", s.webhookPending]]);
    family("wakubot_live_conversations", "gauge", "Conversation actors in memory.", [
      ["", s.liveConversations],
    ]);
    family("wakubot_sse_clients", "gauge", "Open event streams.", [["", s.sseClients]]);
    const q = s.quota;
    if (q) {
      family("wakubot_quota_limit", "gauge", "Messages allowed per rate-limit epoch.", [["", q.limit]]);
      family("wakubot_quota_used", "gauge", "Messages used in the current epoch.", [["", q.used]]);
      family("wakubot_quota_remaining", "gauge", "Messages left in the current epoch.", [["", q.remaining]]);
      family("wakubot_queue_length", "gauge", "Messages waiting in the rate-limit queue, by priority.", [
        ['priority="critical"', q.queued.critical],
        ['priority="normal"', q.queued.normal],
        ['priority="optional"', q.queued.optional],
      ]);
    }
    return `${out.join("\n")}\n`;
  }
}

/** The Prometheus text format's content type. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Label values are ours (routes, codes), but escape anyway: a broken exposition breaks every metric. */
function label(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}
