CREATE TABLE "dashboard_days" (
	"day" date NOT NULL,
	"slot" smallint NOT NULL,
	"bookings" bigint DEFAULT 0 NOT NULL,
	"revenue_cents" bigint DEFAULT 0 NOT NULL,
	"new_users" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "dashboard_days_day_slot_pk" PRIMARY KEY("day","slot")
);
--> statement-breakpoint
CREATE TABLE "dashboard_totals" (
	"slot" smallint PRIMARY KEY NOT NULL,
	"users" bigint DEFAULT 0 NOT NULL,
	"companies" bigint DEFAULT 0 NOT NULL,
	"shipments" bigint DEFAULT 0 NOT NULL,
	"bookings_pending" bigint DEFAULT 0 NOT NULL,
	"bookings_confirmed" bigint DEFAULT 0 NOT NULL,
	"bookings_rejected" bigint DEFAULT 0 NOT NULL,
	"bookings_cancelled" bigint DEFAULT 0 NOT NULL,
	"bookings_delivered" bigint DEFAULT 0 NOT NULL,
	"revenue_cents" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX "shipments_mode_departure_idx" ON "shipments" USING btree ("mode","departure_at");--> statement-breakpoint
CREATE INDEX "shipments_available_idx" ON "shipments" USING btree (("capacity_kg" - "booked_kg"),"capacity_kg","booked_kg");