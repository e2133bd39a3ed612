/** @module drizzle-kit settings for secrets.db; `npm run db:generate` writes migrations to drizzle/secrets. */
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./src/storage/schema/secrets.ts",
  out: "./drizzle/secrets",
});
