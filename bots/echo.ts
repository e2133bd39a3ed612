import { createBot } from "wakubot";

const bot = await createBot();
bot.on("text", (ctx) => ctx.reply(ctx.text));
await bot.start();
