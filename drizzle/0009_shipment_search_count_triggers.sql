-- Custom migration (drizzle-kit generate --custom): the search total's roll-up
-- (shipment_search_counts, see schema.ts) kept by triggers in the transaction of every write to
-- shipments, whatever code or SQL makes it; same design as the dashboard's (0007): statement-level
-- triggers with transition tables, each writer in the dashboard slot it holds (dashboard_slot), so
-- the counts never make a writer wait and cannot take part in a deadlock.
--
-- A row (b, day, slot) counts the shipments departing on that UTC day with at least b kg
-- available. A shipment counts under every bound up to its available kg (at most 115 bounds, 85
-- for 40 t), so a booking or a cancellation only changes the rows of the bounds between the old
-- and the new available kg: usually none.
--
-- The bounds: every 100 kg up to 5 t, every 500 kg up to 20 t, every 5 t up to 100 t, every 50 t
-- up to 1,000 t (MAX_CAPACITY_KG). The smallest bound at or above `kg`:
CREATE FUNCTION shipment_search_kg_ceil(kg numeric) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT (CASE
    WHEN kg <= 0 THEN 0
    WHEN kg <= 5000 THEN ceil(kg / 100) * 100
    WHEN kg <= 20000 THEN ceil(kg / 500) * 500
    WHEN kg <= 100000 THEN ceil(kg / 5000) * 5000
    ELSE ceil(kg / 50000) * 50000
  END)::integer
$$;
--> statement-breakpoint
-- The greatest bound at or below `kg`.
CREATE FUNCTION shipment_search_kg_floor(kg numeric) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT (CASE
    WHEN kg < 5000 THEN floor(kg / 100) * 100
    WHEN kg < 20000 THEN floor(kg / 500) * 500
    WHEN kg < 100000 THEN floor(kg / 5000) * 5000
    WHEN kg < 1000000 THEN floor(kg / 50000) * 50000
    ELSE 1000000
  END)::integer
$$;
--> statement-breakpoint
-- Every bound at or below `kg` (above 1,000 t, those up to 1,000 t: no search asks for more).
CREATE FUNCTION shipment_search_kg_bounds(kg numeric) RETURNS SETOF integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT generate_series(0, least(floor(kg), 4900)::integer, 100)
  UNION ALL SELECT generate_series(5000, least(floor(kg), 19500)::integer, 500)
  UNION ALL SELECT generate_series(20000, least(floor(kg), 95000)::integer, 5000)
  UNION ALL SELECT generate_series(100000, least(floor(kg), 1000000)::integer, 50000)
$$;
--> statement-breakpoint
-- Shipments leaving (departure, available kg before) and entering (after) the counts: only the
-- (bound, day) cells whose count changes are written, in the slot this transaction holds.
CREATE FUNCTION shipment_search_apply(left_at timestamptz[], left_kg numeric[],
  entered_at timestamptz[], entered_kg numeric[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  WITH moved AS (
    SELECT at, kg, -1 AS sign FROM unnest(left_at, left_kg) AS l(at, kg)
    UNION ALL
    SELECT at, kg, 1 FROM unnest(entered_at, entered_kg) AS e(at, kg)
  ), delta AS (
    SELECT b AS min_available_kg, (at AT TIME ZONE 'UTC')::date AS day, sum(sign) AS n
      FROM moved CROSS JOIN LATERAL shipment_search_kg_bounds(kg) AS b
      GROUP BY 1, 2 HAVING sum(sign) <> 0
  ), taken AS (
    SELECT dashboard_slot() AS slot WHERE EXISTS (SELECT 1 FROM delta)
  )
  INSERT INTO shipment_search_counts AS c (min_available_kg, day, slot, shipments)
    SELECT d.min_available_kg, d.day, t.slot, d.n FROM delta d, taken t
    ON CONFLICT (min_available_kg, day, slot) DO UPDATE
      SET shipments = c.shipments + excluded.shipments;
END $$;
--> statement-breakpoint
CREATE FUNCTION shipment_search_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  left_at timestamptz[];
  left_kg numeric[];
  entered_at timestamptz[];
  entered_kg numeric[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(departure_at), array_agg(capacity_kg - booked_kg)
      INTO entered_at, entered_kg FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(departure_at), array_agg(capacity_kg - booked_kg)
      INTO left_at, left_kg FROM old_rows;
  ELSE
    -- Only the rows that changed day of departure or crossed a bound: a price change, or a
    -- booking that leaves the available kg between the same two bounds, writes nothing.
    SELECT array_agg(o.departure_at), array_agg(o.capacity_kg - o.booked_kg),
           array_agg(n.departure_at), array_agg(n.capacity_kg - n.booked_kg)
      INTO left_at, left_kg, entered_at, entered_kg
      FROM old_rows o JOIN new_rows n USING (id)
      WHERE (o.departure_at AT TIME ZONE 'UTC')::date
              IS DISTINCT FROM (n.departure_at AT TIME ZONE 'UTC')::date
         OR shipment_search_kg_floor(o.capacity_kg - o.booked_kg)
              IS DISTINCT FROM shipment_search_kg_floor(n.capacity_kg - n.booked_kg);
  END IF;
  IF left_at IS NOT NULL OR entered_at IS NOT NULL THEN
    PERFORM shipment_search_apply(left_at, left_kg, entered_at, entered_kg);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Recounts from the table: the backfill below, and after a TRUNCATE (which fires no row
-- trigger). Writers wait while it runs, so nothing is counted twice or missed.
CREATE FUNCTION shipment_search_recount() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE shipments, shipment_search_counts IN SHARE ROW EXCLUSIVE MODE;
  DELETE FROM shipment_search_counts;
  INSERT INTO shipment_search_counts (min_available_kg, day, slot, shipments)
    SELECT b, (departure_at AT TIME ZONE 'UTC')::date, 0, count(*)
      FROM shipments CROSS JOIN LATERAL shipment_search_kg_bounds(capacity_kg - booked_kg) AS b
      GROUP BY 1, 2;
END $$;
--> statement-breakpoint
CREATE FUNCTION shipment_search_recount_after_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM shipment_search_recount();
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER shipment_search_inserted AFTER INSERT ON shipments
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION shipment_search_count();
--> statement-breakpoint
CREATE TRIGGER shipment_search_updated AFTER UPDATE ON shipments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION shipment_search_count();
--> statement-breakpoint
CREATE TRIGGER shipment_search_deleted AFTER DELETE ON shipments
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION shipment_search_count();
--> statement-breakpoint
CREATE TRIGGER shipment_search_truncated AFTER TRUNCATE ON shipments
  FOR EACH STATEMENT EXECUTE FUNCTION shipment_search_recount_after_truncate();
--> statement-breakpoint
SELECT shipment_search_recount();
