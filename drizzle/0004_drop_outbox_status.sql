DROP INDEX "email_outbox_pending_idx";--> statement-breakpoint
ALTER TABLE "email_outbox" DROP COLUMN "status";--> statement-breakpoint
DROP TYPE "public"."outbox_status";