/** @module The `shop/order` payload type, shared by the shop bot (bots/shop.ts) and the apps that talk to it. */
import { jsonPayload } from "wakubot";

/** An order line a client app sends. Version 1; docs/payloads.md shows how it would evolve to v2. */
export const order = jsonPayload<{ item: string; quantity: number }>({
  namespace: "shop",
  name: "order",
  validate: (v) => {
    const o = v as { item?: unknown; quantity?: unknown };
    if (typeof o.item !== "string" || !Number.isInteger(o.quantity) || (o.quantity as number) < 1) {
      throw new Error("an order needs an item and a positive whole quantity");
    }
    return { item: o.item, quantity: o.quantity as number };
  },
});
