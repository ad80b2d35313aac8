-- Custom migration (drizzle-kit generate --custom): drizzle-kit does not generate functions or
-- triggers. The admin dashboard's counters (dashboard_totals, dashboard_days; see schema.ts) are
-- kept by these triggers in the transaction of every write, whatever code or SQL makes it.
--
-- Statement-level triggers with transition tables: one counter update per statement, so a bulk
-- INSERT of 100,000 rows costs one update, not 100,000 updates of one row.
--
-- Slots: a writer locks a free slot row of dashboard_totals (SKIP LOCKED, its backend's own slot
-- first) and writes only that slot's totals and day rows, which no other transaction touches
-- while it holds the slot. So the counters never make a writer wait and cannot take part in a
-- deadlock, whatever order the application locks its own rows in. Only with more than 16
-- transactions holding slots at once does one wait for its backend's slot.
INSERT INTO dashboard_totals (slot) SELECT generate_series(0, 15);
--> statement-breakpoint
CREATE FUNCTION dashboard_slot() RETURNS smallint LANGUAGE plpgsql AS $$
DECLARE
  home smallint := (pg_backend_pid() % 16)::smallint;
  s smallint;
BEGIN
  SELECT slot INTO s FROM dashboard_totals
    ORDER BY slot <> home, slot
    FOR UPDATE SKIP LOCKED LIMIT 1;
  IF s IS NULL THEN
    PERFORM 1 FROM dashboard_totals WHERE slot = home FOR UPDATE;
    s := home;
  END IF;
  RETURN s;
END $$;
--> statement-breakpoint
CREATE FUNCTION dashboard_add_days(s smallint, created timestamptz[], d_bookings bigint[],
  d_revenue bigint[], d_users bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO dashboard_days AS d (day, slot, bookings, revenue_cents, new_users)
    SELECT (at AT TIME ZONE 'UTC')::date, s, sum(b), sum(r), sum(u)
    FROM unnest(created, d_bookings, d_revenue, d_users) AS c(at, b, r, u)
    GROUP BY 1
    ON CONFLICT (day, slot) DO UPDATE SET
      bookings = d.bookings + excluded.bookings,
      revenue_cents = d.revenue_cents + excluded.revenue_cents,
      new_users = d.new_users + excluded.new_users;
END $$;
--> statement-breakpoint
-- Rows leaving (sign -1) or entering (sign 1) the users table.
CREATE FUNCTION dashboard_apply_users(created timestamptz[], sign bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  s smallint;
  n bigint := coalesce(cardinality(created), 0);
BEGIN
  IF n = 0 THEN RETURN; END IF;
  s := dashboard_slot();
  UPDATE dashboard_totals SET users = users + sign * n WHERE slot = s;
  PERFORM dashboard_add_days(s, created, array_fill(0::bigint, ARRAY[n]::int[]),
    array_fill(0::bigint, ARRAY[n]::int[]), array_fill(sign, ARRAY[n]::int[]));
END $$;
--> statement-breakpoint
CREATE FUNCTION dashboard_apply_bookings(statuses booking_status[], created timestamptz[],
  sign bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  s smallint;
  n bigint := coalesce(cardinality(statuses), 0);
BEGIN
  IF n = 0 THEN RETURN; END IF;
  s := dashboard_slot();
  UPDATE dashboard_totals t SET
    bookings_pending = t.bookings_pending + sign * c.p,
    bookings_confirmed = t.bookings_confirmed + sign * c.c,
    bookings_rejected = t.bookings_rejected + sign * c.r,
    bookings_cancelled = t.bookings_cancelled + sign * c.x,
    bookings_delivered = t.bookings_delivered + sign * c.d
  FROM (
    SELECT count(*) FILTER (WHERE st = 'PENDING') AS p,
           count(*) FILTER (WHERE st = 'CONFIRMED') AS c,
           count(*) FILTER (WHERE st = 'REJECTED') AS r,
           count(*) FILTER (WHERE st = 'CANCELLED') AS x,
           count(*) FILTER (WHERE st = 'DELIVERED') AS d
    FROM unnest(statuses) AS st
  ) AS c
  WHERE t.slot = s;
  PERFORM dashboard_add_days(s, created, array_fill(sign, ARRAY[n]::int[]),
    array_fill(0::bigint, ARRAY[n]::int[]), array_fill(0::bigint, ARRAY[n]::int[]));
END $$;
--> statement-breakpoint
-- Succeeded payments leaving (sign -1) or entering (sign 1) the payments table.
CREATE FUNCTION dashboard_apply_payments(amounts bigint[], created timestamptz[], sign bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  s smallint;
  n bigint := coalesce(cardinality(amounts), 0);
BEGIN
  IF n = 0 THEN RETURN; END IF;
  s := dashboard_slot();
  UPDATE dashboard_totals
    SET revenue_cents = revenue_cents + sign * (SELECT sum(a) FROM unnest(amounts) a)
    WHERE slot = s;
  PERFORM dashboard_add_days(s, created, array_fill(0::bigint, ARRAY[n]::int[]),
    ARRAY(SELECT sign * a FROM unnest(amounts) a), array_fill(0::bigint, ARRAY[n]::int[]));
END $$;
--> statement-breakpoint
CREATE FUNCTION dashboard_count_users() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM dashboard_apply_users(ARRAY(SELECT created_at FROM new_rows), 1);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM dashboard_apply_users(ARRAY(SELECT created_at FROM old_rows), -1);
  ELSIF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n USING (id)
                WHERE o.created_at IS DISTINCT FROM n.created_at) THEN
    PERFORM dashboard_apply_users(ARRAY(SELECT created_at FROM old_rows), -1);
    PERFORM dashboard_apply_users(ARRAY(SELECT created_at FROM new_rows), 1);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION dashboard_count_companies() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
  s smallint;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT count(*) INTO n FROM new_rows;
  ELSE
    SELECT -count(*) INTO n FROM old_rows;
  END IF;
  IF n <> 0 THEN
    s := dashboard_slot();
    UPDATE dashboard_totals SET companies = companies + n WHERE slot = s;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION dashboard_count_shipments() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
  s smallint;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT count(*) INTO n FROM new_rows;
  ELSE
    SELECT -count(*) INTO n FROM old_rows;
  END IF;
  IF n <> 0 THEN
    s := dashboard_slot();
    UPDATE dashboard_totals SET shipments = shipments + n WHERE slot = s;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION dashboard_count_bookings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM dashboard_apply_bookings(ARRAY(SELECT status FROM new_rows),
      ARRAY(SELECT created_at FROM new_rows), 1);
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM dashboard_apply_bookings(ARRAY(SELECT status FROM old_rows),
      ARRAY(SELECT created_at FROM old_rows), -1);
  ELSE
    -- Only the rows whose status or day changed: a booking leaves its old cell, enters its new.
    PERFORM dashboard_apply_bookings(ARRAY(SELECT o.status FROM old_rows o JOIN new_rows n USING (id)
        WHERE o.status IS DISTINCT FROM n.status OR o.created_at IS DISTINCT FROM n.created_at),
      ARRAY(SELECT o.created_at FROM old_rows o JOIN new_rows n USING (id)
        WHERE o.status IS DISTINCT FROM n.status OR o.created_at IS DISTINCT FROM n.created_at),
      -1);
    PERFORM dashboard_apply_bookings(ARRAY(SELECT n.status FROM old_rows o JOIN new_rows n USING (id)
        WHERE o.status IS DISTINCT FROM n.status OR o.created_at IS DISTINCT FROM n.created_at),
      ARRAY(SELECT n.created_at FROM old_rows o JOIN new_rows n USING (id)
        WHERE o.status IS DISTINCT FROM n.status OR o.created_at IS DISTINCT FROM n.created_at),
      1);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION dashboard_count_payments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM dashboard_apply_payments(
      ARRAY(SELECT amount_cents::bigint FROM old_rows WHERE status = 'SUCCEEDED'),
      ARRAY(SELECT created_at FROM old_rows WHERE status = 'SUCCEEDED'), -1);
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    PERFORM dashboard_apply_payments(
      ARRAY(SELECT amount_cents::bigint FROM new_rows WHERE status = 'SUCCEEDED'),
      ARRAY(SELECT created_at FROM new_rows WHERE status = 'SUCCEEDED'), 1);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Recounts everything from the tables: the backfill below, and after a TRUNCATE (which fires no
-- row trigger). Writers wait while it runs, so nothing is counted twice or missed.
CREATE FUNCTION dashboard_recount() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE users, companies, shipments, bookings, payments, dashboard_totals, dashboard_days
    IN SHARE ROW EXCLUSIVE MODE;
  UPDATE dashboard_totals SET users = 0, companies = 0, shipments = 0, bookings_pending = 0,
    bookings_confirmed = 0, bookings_rejected = 0, bookings_cancelled = 0,
    bookings_delivered = 0, revenue_cents = 0;
  DELETE FROM dashboard_days;
  UPDATE dashboard_totals SET
    users = (SELECT count(*) FROM users),
    companies = (SELECT count(*) FROM companies),
    shipments = (SELECT count(*) FROM shipments),
    bookings_pending = (SELECT count(*) FROM bookings WHERE status = 'PENDING'),
    bookings_confirmed = (SELECT count(*) FROM bookings WHERE status = 'CONFIRMED'),
    bookings_rejected = (SELECT count(*) FROM bookings WHERE status = 'REJECTED'),
    bookings_cancelled = (SELECT count(*) FROM bookings WHERE status = 'CANCELLED'),
    bookings_delivered = (SELECT count(*) FROM bookings WHERE status = 'DELIVERED'),
    revenue_cents = (SELECT coalesce(sum(amount_cents), 0) FROM payments
                     WHERE status = 'SUCCEEDED')
  WHERE slot = 0;
  INSERT INTO dashboard_days (day, slot, bookings, revenue_cents, new_users)
    SELECT day, 0, sum(b), sum(r), sum(u)
    FROM (
      SELECT (created_at AT TIME ZONE 'UTC')::date AS day, 1 AS b, 0 AS r, 0 AS u FROM bookings
      UNION ALL
      SELECT (created_at AT TIME ZONE 'UTC')::date, 0, amount_cents, 0 FROM payments
        WHERE status = 'SUCCEEDED'
      UNION ALL
      SELECT (created_at AT TIME ZONE 'UTC')::date, 0, 0, 1 FROM users
    ) AS rows
    GROUP BY day;
END $$;
--> statement-breakpoint
CREATE FUNCTION dashboard_recount_after_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM dashboard_recount();
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER dashboard_users_inserted AFTER INSERT ON users REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_count_users();
--> statement-breakpoint
CREATE TRIGGER dashboard_users_updated AFTER UPDATE ON users
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_count_users();
--> statement-breakpoint
CREATE TRIGGER dashboard_users_deleted AFTER DELETE ON users REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_count_users();
--> statement-breakpoint
CREATE TRIGGER dashboard_companies_inserted AFTER INSERT ON companies
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_count_companies();
--> statement-breakpoint
CREATE TRIGGER dashboard_companies_deleted AFTER DELETE ON companies
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_count_companies();
--> statement-breakpoint
CREATE TRIGGER dashboard_shipments_inserted AFTER INSERT ON shipments
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_count_shipments();
--> statement-breakpoint
CREATE TRIGGER dashboard_shipments_deleted AFTER DELETE ON shipments
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_count_shipments();
--> statement-breakpoint
CREATE TRIGGER dashboard_bookings_inserted AFTER INSERT ON bookings
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_count_bookings();
--> statement-breakpoint
CREATE TRIGGER dashboard_bookings_updated AFTER UPDATE ON bookings
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_count_bookings();
--> statement-breakpoint
CREATE TRIGGER dashboard_bookings_deleted AFTER DELETE ON bookings
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_count_bookings();
--> statement-breakpoint
CREATE TRIGGER dashboard_payments_inserted AFTER INSERT ON payments
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_count_payments();
--> statement-breakpoint
CREATE TRIGGER dashboard_payments_updated AFTER UPDATE ON payments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_count_payments();
--> statement-breakpoint
CREATE TRIGGER dashboard_payments_deleted AFTER DELETE ON payments
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_count_payments();
--> statement-breakpoint
CREATE TRIGGER dashboard_users_truncated AFTER TRUNCATE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_recount_after_truncate();
--> statement-breakpoint
CREATE TRIGGER dashboard_companies_truncated AFTER TRUNCATE ON companies
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_recount_after_truncate();
--> statement-breakpoint
CREATE TRIGGER dashboard_shipments_truncated AFTER TRUNCATE ON shipments
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_recount_after_truncate();
--> statement-breakpoint
CREATE TRIGGER dashboard_bookings_truncated AFTER TRUNCATE ON bookings
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_recount_after_truncate();
--> statement-breakpoint
CREATE TRIGGER dashboard_payments_truncated AFTER TRUNCATE ON payments
  FOR EACH STATEMENT EXECUTE FUNCTION dashboard_recount_after_truncate();
--> statement-breakpoint
SELECT dashboard_recount();
