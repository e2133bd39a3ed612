/** @module drizzle-kit settings for store.db; `npm run db:generate` writes migrations to drizzle/store. */
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./src/storage/schema/store.ts",
  out: "./drizzle/store",
});
