import { describe, expect, test } from "bun:test";
import { InboundLimiter, inboundRateLimitRule } from "../../src/delivery/inbound-limit.ts";
import { InputError } from "../../src/errors.ts";
import { expectCode } from "../support/errors.ts";

describe("InboundLimiter (docs/rate-limit.md §Inbound)", () => {
  test("N per epoch per conversation; the first refusal of an epoch is marked; a new epoch starts over", () => {
    const clock = { t: 600_000 * 7 + 5 };
    const limiter = new InboundLimiter({ limit: 2, epochSeconds: 600 }, () => clock.t);
    const verdicts = () => ["a", "a", "b", "a", "a", "b"].map((c) => limiter.admit(c));
    expect(verdicts()).toEqual([
      { admitted: true },
      { admitted: true },
      { admitted: true },
      { admitted: false, first: true, epoch: 7 },
      { admitted: false, first: false, epoch: 7 },
      { admitted: true },
    ]);
    clock.t += 600_000;
    expect(limiter.admit("a")).toEqual({ admitted: true });
    expect(limiter.admit("a")).toEqual({ admitted: true });
    expect(limiter.admit("a")).toEqual({ admitted: false, first: true, epoch: 8 });
  });

  test("rules out of range are refused with InputError invalid_argument", () => {
    for (const rule of [
      { limit: 0, epochSeconds: 600 },
      { limit: 1.5, epochSeconds: 600 },
      { limit: 10, epochSeconds: 0 },
      { limit: 10, epochSeconds: 2_000_000 },
    ]) {
      expectCode(() => inboundRateLimitRule(rule), InputError, "invalid_argument");
      expectCode(() => new InboundLimiter(rule, Date.now), InputError, "invalid_argument");
    }
    expect(inboundRateLimitRule({ limit: 200, epochSeconds: 600 })).toEqual({
      limit: 200,
      epochSeconds: 600,
    });
  });
});
