/**
 * A webhook-to-chat bridge (docs/webhook-bridge.md): chats subscribe with `/subscribe <source>`, and every signed
 * `POST /hooks/<source>` is forwarded to them. Run it with
 * `WEBHOOK_BRIDGE_SECRET=… wakubot run bots/webhook-bridge.ts`; WEBHOOK_BRIDGE_LISTEN (default 127.0.0.1:8787) and
 * WEBHOOK_BRIDGE_PRIORITY (default normal) are optional.
 */
import { join } from "node:path";
import { BRIDGE_DB, createBot, resolveBridgeEnv, resolveDataDir, startWebhookBridge } from "wakubot";

const config = resolveBridgeEnv(process.env); // refuses to start without a secret of 16+ characters
const bot = await createBot();
const bridge = await startWebhookBridge(bot, {
  ...config,
  database: join(resolveDataDir(undefined, process.env), BRIDGE_DB),
});
await bot.start();
if (process.env.WAKUBOT_JSON === "1") console.log(JSON.stringify({ event: "bridge_ready", url: bridge.url }));
else console.log(`webhook bridge: POST ${bridge.url}/hooks/<source>`);
