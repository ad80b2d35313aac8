CREATE TABLE "shipment_search_counts" (
	"min_available_kg" integer NOT NULL,
	"day" date NOT NULL,
	"slot" smallint NOT NULL,
	"shipments" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "shipment_search_counts_min_available_kg_day_slot_pk" PRIMARY KEY("min_available_kg","day","slot")
);
--> statement-breakpoint
DROP INDEX "shipments_departure_idx";--> statement-breakpoint
DROP INDEX "shipments_available_idx";--> statement-breakpoint
CREATE INDEX "shipments_departure_idx" ON "shipments" USING btree ("departure_at","capacity_kg","booked_kg");--> statement-breakpoint
CREATE INDEX "shipments_available_idx" ON "shipments" USING btree (("capacity_kg" - "booked_kg"),"departure_at","capacity_kg","booked_kg");