/** @module drizzle-kit settings for messages.db; `npm run db:generate` writes migrations to drizzle/messages. */
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./src/storage/schema/messages.ts",
  out: "./drizzle/messages",
});
