import { describe, expect, test } from "bun:test";
import { nativeProvider, nobleProvider } from "../../src/crypto/providers.ts";
import vectors from "../vectors/session.json";
import { runSessionScenario } from "../vectors/session-scenario.ts";

describe("session vectors (test/vectors/session.json)", () => {
  for (const [name, make] of [
    ["noble", nobleProvider],
    ["native", nativeProvider],
  ] as const) {
    test(`the ${name} provider recomputes invite, agreement and every message byte for byte`, () => {
      const result = runSessionScenario((random) => make(random));
      expect(result.invite).toBe(vectors.invite);
      expect(result.x3dh).toEqual(vectors.x3dh);
      expect(result.messages as { from: string }[]).toEqual(vectors.messages);
      expect(result.decrypted).toEqual(vectors.decrypted);
    });
  }

  test("the vectors cover a first message, both directions and an out-of-order delivery", () => {
    expect(vectors.messages.map((m) => m.frame.slice(0, 2))).toEqual(["A0", "A1", "B2", "A4", "A3", "B5"]);
    expect(vectors.decrypted).toEqual(vectors.messages.map((m) => m.frame));
  });
});
