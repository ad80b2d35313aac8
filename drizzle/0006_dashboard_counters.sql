-- Custom migration (drizzle-kit generate --custom): drizzle-kit does not generate functions or
-- triggers. The admin dashboard's counters (dashboard_totals, dashboard_days; see schema.ts) are
-- kept by these triggers in the transaction of every write, whatever code or SQL makes it.
--
-- Why deferred constraint triggers: they run at commit, after every other statement of the
-- transaction, so a counter row is locked only while committing and always after any other row
-- the transaction locks (a booking locks its shipment first): no lock-order deadlock with the
-- application's own locks. Each invocation locks its slot's totals row before any day row, so
-- two writers on one slot queue on the totals row and never deadlock over day rows either.
CREATE FUNCTION dashboard_add(
  d_users bigint DEFAULT 0,
  d_companies bigint DEFAULT 0,
  d_shipments bigint DEFAULT 0,
  d_pending bigint DEFAULT 0,
  d_confirmed bigint DEFAULT 0,
  d_rejected bigint DEFAULT 0,
  d_cancelled bigint DEFAULT 0,
  d_delivered bigint DEFAULT 0,
  d_revenue bigint DEFAULT 0
) RETURNS smallint LANGUAGE plpgsql AS $$
DECLARE
  s smallint := (pg_backend_pid() % 16)::smallint;
BEGIN
  INSERT INTO dashboard_totals AS t (slot, users, companies, shipments, bookings_pending,
      bookings_confirmed, bookings_rejected, bookings_cancelled, bookings_delivered, revenue_cents)
    VALUES (s, d_users, d_companies, d_shipments, d_pending, d_confirmed, d_rejected, d_cancelled,
      d_delivered, d_revenue)
    ON CONFLICT (slot) DO UPDATE SET
      users = t.users + excluded.users,
      companies = t.companies + excluded.companies,
      shipments = t.shipments + excluded.shipments,
      bookings_pending = t.bookings_pending + excluded.bookings_pending,
      bookings_confirmed = t.bookings_confirmed + excluded.bookings_confirmed,
      bookings_rejected = t.bookings_rejected + excluded.bookings_rejected,
      bookings_cancelled = t.bookings_cancelled + excluded.bookings_cancelled,
      bookings_delivered = t.bookings_delivered + excluded.bookings_delivered,
      revenue_cents = t.revenue_cents + excluded.revenue_cents;
  RETURN s;
END $$;
--> statement-breakpoint
CREATE FUNCTION dashboard_add_day(
  s smallint,
  at timestamptz,
  d_bookings bigint DEFAULT 0,
  d_revenue bigint DEFAULT 0,
  d_users bigint DEFAULT 0
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO dashboard_days AS d (day, slot, bookings, revenue_cents, new_users)
    VALUES ((at AT TIME ZONE 'UTC')::date, s, d_bookings, d_revenue, d_users)
    ON CONFLICT (day, slot) DO UPDATE SET
      bookings = d.bookings + excluded.bookings,
      revenue_cents = d.revenue_cents + excluded.revenue_cents,
      new_users = d.new_users + excluded.new_users;
END $$;
--> statement-breakpoint
CREATE FUNCTION dashboard_count_users() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  s smallint;
BEGIN
  IF TG_OP = 'INSERT' THEN
    s := dashboard_add(d_users => 1);
    PERFORM dashboard_add_day(s, NEW.created_at, d_users => 1);
  ELSIF TG_OP = 'DELETE' THEN
    s := dashboard_add(d_users => -1);
    PERFORM dashboard_add_day(s, OLD.created_at, d_users => -1);
  ELSE
    s := dashboard_add();
    PERFORM dashboard_add_day(s, OLD.created_at, d_users => -1);
    PERFORM dashboard_add_day(s, NEW.created_at, d_users => 1);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION dashboard_count_companies() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM dashboard_add(d_companies => CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION dashboard_count_shipments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM dashboard_add(d_shipments => CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION dashboard_count_bookings() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  s smallint;
  d_pending bigint := 0;
  d_confirmed bigint := 0;
  d_rejected bigint := 0;
  d_cancelled bigint := 0;
  d_delivered bigint := 0;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    CASE OLD.status
      WHEN 'PENDING' THEN d_pending := d_pending - 1;
      WHEN 'CONFIRMED' THEN d_confirmed := d_confirmed - 1;
      WHEN 'REJECTED' THEN d_rejected := d_rejected - 1;
      WHEN 'CANCELLED' THEN d_cancelled := d_cancelled - 1;
      WHEN 'DELIVERED' THEN d_delivered := d_delivered - 1;
    END CASE;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    CASE NEW.status
      WHEN 'PENDING' THEN d_pending := d_pending + 1;
      WHEN 'CONFIRMED' THEN d_confirmed := d_confirmed + 1;
      WHEN 'REJECTED' THEN d_rejected := d_rejected + 1;
      WHEN 'CANCELLED' THEN d_cancelled := d_cancelled + 1;
      WHEN 'DELIVERED' THEN d_delivered := d_delivered + 1;
    END CASE;
  END IF;
  s := dashboard_add(d_pending => d_pending, d_confirmed => d_confirmed,
    d_rejected => d_rejected, d_cancelled => d_cancelled, d_delivered => d_delivered);
  IF TG_OP <> 'INSERT' THEN
    PERFORM dashboard_add_day(s, OLD.created_at, d_bookings => -1);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM dashboard_add_day(s, NEW.created_at, d_bookings => 1);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION dashboard_count_payments() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  s smallint;
  old_cents bigint := 0;
  new_cents bigint := 0;
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.status = 'SUCCEEDED' THEN
    old_cents := OLD.amount_cents;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.status = 'SUCCEEDED' THEN
    new_cents := NEW.amount_cents;
  END IF;
  IF old_cents = 0 AND new_cents = 0 THEN
    RETURN NULL;
  END IF;
  s := dashboard_add(d_revenue => new_cents - old_cents);
  IF old_cents <> 0 THEN
    PERFORM dashboard_add_day(s, OLD.created_at, d_revenue => -old_cents);
  END IF;
  IF new_cents <> 0 THEN
    PERFORM dashboard_add_day(s, NEW.created_at, d_revenue => new_cents);
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
  DELETE FROM dashboard_totals;
  DELETE FROM dashboard_days;
  INSERT INTO dashboard_totals (slot, users, companies, shipments, bookings_pending,
      bookings_confirmed, bookings_rejected, bookings_cancelled, bookings_delivered, revenue_cents)
    SELECT 0,
      (SELECT count(*) FROM users),
      (SELECT count(*) FROM companies),
      (SELECT count(*) FROM shipments),
      count(*) FILTER (WHERE status = 'PENDING'),
      count(*) FILTER (WHERE status = 'CONFIRMED'),
      count(*) FILTER (WHERE status = 'REJECTED'),
      count(*) FILTER (WHERE status = 'CANCELLED'),
      count(*) FILTER (WHERE status = 'DELIVERED'),
      (SELECT coalesce(sum(amount_cents), 0) FROM payments WHERE status = 'SUCCEEDED')
    FROM bookings;
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
CREATE CONSTRAINT TRIGGER dashboard_users_inserted AFTER INSERT ON users
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dashboard_count_users();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER dashboard_users_deleted AFTER DELETE ON users
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dashboard_count_users();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER dashboard_users_redated AFTER UPDATE OF created_at ON users
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at)
  EXECUTE FUNCTION dashboard_count_users();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER dashboard_companies_changed AFTER INSERT OR DELETE ON companies
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dashboard_count_companies();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER dashboard_shipments_changed AFTER INSERT OR DELETE ON shipments
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dashboard_count_shipments();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER dashboard_bookings_inserted AFTER INSERT OR DELETE ON bookings
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dashboard_count_bookings();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER dashboard_bookings_updated AFTER UPDATE OF status, created_at ON bookings
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.created_at IS DISTINCT FROM NEW.created_at)
  EXECUTE FUNCTION dashboard_count_bookings();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER dashboard_payments_inserted AFTER INSERT OR DELETE ON payments
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dashboard_count_payments();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER dashboard_payments_updated
  AFTER UPDATE OF status, amount_cents, created_at ON payments
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.amount_cents IS DISTINCT FROM NEW.amount_cents
    OR OLD.created_at IS DISTINCT FROM NEW.created_at)
  EXECUTE FUNCTION dashboard_count_payments();
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
