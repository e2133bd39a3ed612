/**
 * A bot with no chat handlers: everything happens through the admin API (docs/admin.md). Run it with
 * `wakubot run bots/service.ts --admin 127.0.0.1:8080` and drive it from Go (clients/go), Rust (clients/rust) or curl.
 */
import { createBot } from "wakubot";

const bot = await createBot();
await bot.start();
