ALTER TABLE "payments" DROP CONSTRAINT "payments_idempotency_key_unique";--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "customer_id" uuid;--> statement-breakpoint
-- Hand-added: existing payments belong to their booking's customer.
UPDATE "payments" SET "customer_id" = "bookings"."customer_id" FROM "bookings" WHERE "bookings"."id" = "payments"."booking_id";--> statement-breakpoint
ALTER TABLE "payments" ALTER COLUMN "customer_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_customer_id_users_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "payments_customer_idempotency_key_unique" ON "payments" USING btree ("customer_id","idempotency_key");