/**
 * @module A more realistic bot: a shop assistant that takes typed `shop/order` payloads from a client app, keeps a
 * cart per conversation (persisted, so it survives restarts), and answers texts. Run: `wakubot run bots/shop.ts`.
 */
import { createBot } from "wakubot";
import { order } from "./shop-order.ts";

/** What the bot remembers per conversation. */
interface Cart {
  readonly lines: Record<string, number>;
}

const describe = (cart: Cart) =>
  Object.entries(cart.lines)
    .map(([item, n]) => `${n} × ${item}`)
    .join(", ") || "nothing yet";

const bot = await createBot();

bot.on(order, async (ctx) => {
  const cart = ctx.conversation.state<Cart>() ?? { lines: {} };
  const { item, quantity } = ctx.payload;
  const next: Cart = { lines: { ...cart.lines, [item]: (cart.lines[item] ?? 0) + quantity } };
  ctx.conversation.setState(next);
  await ctx.reply(`added ${quantity} × ${item}; your cart: ${describe(next)}`);
});

bot.on("text", async (ctx) => {
  const command = ctx.text.trim().toLowerCase();
  if (command === "cart") {
    await ctx.reply(`your cart: ${describe(ctx.conversation.state<Cart>() ?? { lines: {} })}`);
  } else if (command === "clear") {
    ctx.conversation.setState(undefined);
    await ctx.reply("cart cleared");
  } else {
    await ctx.reply('send an order from the shop app, or "cart" / "clear"');
  }
});

bot.on("unsupported", (ctx) =>
  ctx.reply(`sorry, I cannot read ${ctx.payload.typeName} v${ctx.payload.version} yet`),
);

bot.catch((error, ctx) => console.error(`conversation ${ctx?.conversation.id}:`, error));

await bot.start();
