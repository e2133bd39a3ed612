/** @module drizzle-kit settings for bridge.db (the webhook-to-chat bridge); migrations go to drizzle/bridge. */
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./src/bridge/schema.ts",
  out: "./drizzle/bridge",
});
