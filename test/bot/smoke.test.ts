import { expect, test } from "bun:test";
import { createBot } from "../../src/bot/bot.ts";
import { MemoryNetwork } from "../../src/waku/memory.ts";
import { TEST_KDF, tempDir } from "../support/tmp.ts";

test("smoke: echo over the memory network with a receipt", async () => {
  const network = new MemoryNetwork({ seed: 1 });
  const quiet = () => {};
  const bot = await createBot({
    data: `${tempDir()}/bot`,
    passphrase: "p",
    kdf: TEST_KDF,
    delivery: network.join("bot"),
    output: quiet,
  });
  bot.on("text", (ctx) => ctx.reply(`echo: ${ctx.text}`));
  const { invite } = await bot.start();
  const client = await createBot({
    data: `${tempDir()}/client`,
    passphrase: "p",
    kdf: TEST_KDF,
    delivery: network.join("client"),
    output: quiet,
  });
  const replies: string[] = [];
  client.on("text", (ctx) => void replies.push(ctx.text));
  await client.start();
  const conversation = await client.connect(invite);
  const handle = await conversation.send("hello");
  await handle.wait("delivered", 5000);
  for (let i = 0; i < 50 && replies.length === 0; i++) await network.settle();
  expect(replies).toEqual(["echo: hello"]);
  await client.stop();
  await bot.stop();
});
