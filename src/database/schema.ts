import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { instant } from './instant-column';

/*
 * The whole relational schema. Migrations in ./drizzle are generated from this file with
 * `npm run db:generate` and applied at start-up (see migrations.ts).
 */

const id = () => uuid('id').primaryKey().defaultRandom();
const createdAt = () =>
  timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const updatedAt = () =>
  timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
/** Kilograms with gram precision, read as JS numbers. */
const kg = (name: string) => numeric(name, { precision: 12, scale: 3, mode: 'number' });

export const userRole = pgEnum('user_role', ['CUSTOMER', 'COMPANY', 'ADMIN']);
export const companyRole = pgEnum('company_role', ['OWNER', 'MEMBER']);
export const companyPlan = pgEnum('company_plan', ['FREE', 'PRO']);
export const shipmentMode = pgEnum('shipment_mode', ['ROAD', 'AIR', 'SEA', 'RAIL']);
export const bookingStatus = pgEnum('booking_status', [
  'PENDING',
  'CONFIRMED',
  'REJECTED',
  'CANCELLED',
  'DELIVERED',
]);
export const paymentStatus = pgEnum('payment_status', ['SUCCEEDED', 'FAILED']);
export const campaignAudience = pgEnum('campaign_audience', ['ALL', 'CUSTOMERS', 'COMPANIES']);
export const campaignStatus = pgEnum('campaign_status', [
  'SCHEDULED',
  'SENDING',
  'SENT',
  'CANCELLED',
  'FAILED',
]);
/**
 * An email's state as admins see it (docs/contract.md "Admin"): PENDING until settled, then SENT,
 * LOGGED (no SMTP_URL: written to the log only), FAILED (given up) or SUPPRESSED (not attempted:
 * the address is on email_suppressions).
 */
export const emailState = pgEnum('email_state', [
  'PENDING',
  'SENT',
  'LOGGED',
  'FAILED',
  'SUPPRESSED',
]);

export const companies = pgTable('companies', {
  id: id(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  description: text('description'),
  activePlan: companyPlan('active_plan').notNull().default('FREE'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const users = pgTable(
  'users',
  {
    id: id(),
    /** Always stored lower-cased. */
    email: text('email').notNull().unique(),
    passwordHash: text('password_hash').notNull(),
    name: text('name').notNull(),
    role: userRole('role').notNull(),
    companyId: uuid('company_id').references(() => companies.id),
    companyRole: companyRole('company_role'),
    /** Campaigns go only to users with this true; transactional emails ignore it. */
    marketingEmails: boolean('marketing_emails').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [index('users_company_idx').on(t.companyId), index('users_created_idx').on(t.createdAt)],
);

export const companyInvitations = pgTable(
  'company_invitations',
  {
    id: id(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    email: text('email').notNull(),
    /** SHA-256 of the token sent by email; the token itself is never stored. */
    tokenHash: text('token_hash').notNull().unique(),
    invitedById: uuid('invited_by_id')
      .notNull()
      .references(() => users.id),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    acceptedById: uuid('accepted_by_id').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [index('invitations_company_idx').on(t.companyId)],
);

export const shipments = pgTable(
  'shipments',
  {
    id: id(),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    origin: text('origin').notNull(),
    destination: text('destination').notNull(),
    departureAt: instant('departure_at').notNull(),
    arrivalAt: instant('arrival_at'),
    capacityKg: kg('capacity_kg').notNull(),
    bookedKg: kg('booked_kg').notNull().default(0),
    pricePerKgCents: integer('price_per_kg_cents').notNull(),
    mode: shipmentMode('mode').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // The database keeps the capacity invariant whatever the application does.
    check(
      'shipments_booked_within_capacity',
      sql`${t.bookedKg} >= 0 AND ${t.bookedKg} <= ${t.capacityKg}`,
    ),
    index('shipments_route_departure_idx').on(
      sql`lower(${t.origin})`,
      sql`lower(${t.destination})`,
      t.departureAt,
    ),
    // Departure order for the list; with capacity and booked kg, the search total's exact count
    // of the departures left today (see shipmentSearchCounts) reads the index alone.
    index('shipments_departure_idx').on(t.departureAt, t.capacityKg, t.bookedKg),
    index('shipments_company_idx').on(t.companyId),
    // Search by mode: its rows in departure order, and its total counted from the index alone.
    index('shipments_mode_departure_idx').on(t.mode, t.departureAt),
    // Search by capacity still available: the exact count of the kilogram range the roll-up
    // (shipmentSearchCounts) does not cover, from the index alone (capacity and booked kg make
    // the scan index-only). The price: a booking's change of booked_kg is no longer a HOT
    // update, every index of the table gets an entry.
    index('shipments_available_idx').on(
      sql`(${t.capacityKg} - ${t.bookedKg})`,
      t.departureAt,
      t.capacityKg,
      t.bookedKg,
    ),
  ],
);

export const bookings = pgTable(
  'bookings',
  {
    id: id(),
    shipmentId: uuid('shipment_id')
      .notNull()
      .references(() => shipments.id),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => users.id),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    weightKg: kg('weight_kg').notNull(),
    description: text('description'),
    priceCents: integer('price_cents').notNull(),
    status: bookingStatus('status').notNull().default('PENDING'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('bookings_customer_idx').on(t.customerId, t.createdAt),
    index('bookings_company_idx').on(t.companyId, t.createdAt),
    index('bookings_shipment_idx').on(t.shipmentId),
    index('bookings_created_idx').on(t.createdAt),
  ],
);

export const payments = pgTable(
  'payments',
  {
    id: id(),
    bookingId: uuid('booking_id')
      .notNull()
      .references(() => bookings.id),
    /** The booking's customer, who sent the Idempotency-Key: keys are scoped to them. */
    customerId: uuid('customer_id')
      .notNull()
      .references(() => users.id),
    idempotencyKey: text('idempotency_key').notNull(),
    amountCents: integer('amount_cents').notNull(),
    status: paymentStatus('status').notNull(),
    providerRef: text('provider_ref'),
    failureReason: text('failure_reason'),
    createdAt: createdAt(),
  },
  (t) => [
    // One payment per key and customer: another customer's key is not this one's.
    uniqueIndex('payments_customer_idempotency_key_unique').on(t.customerId, t.idempotencyKey),
    // A booking is charged at most once, whatever happens above the database.
    uniqueIndex('payments_one_success_per_booking')
      .on(t.bookingId)
      .where(sql`${t.status} = 'SUCCEEDED'`),
    index('payments_created_idx').on(t.createdAt),
  ],
);

const counter = (name: string) => bigint(name, { mode: 'number' }).notNull().default(0);

/**
 * The admin dashboard's totals, kept by statement-level triggers (drizzle/0006_dashboard_counters.sql)
 * in the transaction of every write to users, companies, shipments, bookings and payments, so
 * that the summary reads 16 rows however much data there is. A writer adds to one slot row it
 * holds alone (locked with SKIP LOCKED), so concurrent writers never wait on the counters; the
 * summary is the sum of all slots.
 */
export const dashboardTotals = pgTable('dashboard_totals', {
  slot: smallint('slot').primaryKey(),
  users: counter('users'),
  companies: counter('companies'),
  shipments: counter('shipments'),
  bookingsPending: counter('bookings_pending'),
  bookingsConfirmed: counter('bookings_confirmed'),
  bookingsRejected: counter('bookings_rejected'),
  bookingsCancelled: counter('bookings_cancelled'),
  bookingsDelivered: counter('bookings_delivered'),
  /** Sum of the SUCCEEDED payments. */
  revenueCents: counter('revenue_cents'),
});

/** Per UTC day (of created_at) and slot, kept by the same triggers: the dashboard stats. */
export const dashboardDays = pgTable(
  'dashboard_days',
  {
    day: date('day', { mode: 'string' }).notNull(),
    slot: smallint('slot').notNull(),
    bookings: counter('bookings'),
    revenueCents: counter('revenue_cents'),
    newUsers: counter('new_users'),
  },
  (t) => [primaryKey({ columns: [t.day, t.slot] })],
);

/**
 * The search total without a scan of every match: per UTC day of departure, per bound of
 * available kg (0, 100, ..., 4,900, 5,000, 5,500, ..., 19,500, 20,000, 25,000, ..., 95,000,
 * 100,000, 150,000, ..., 1,000,000: `shipment_search_kg_bounds`) and per slot, how many
 * shipments depart that day with at least that many kg available. Kept by statement-level
 * triggers on shipments (drizzle/0009_shipment_search_count_triggers.sql) in the transaction of every
 * write, in the writer's dashboard slot (see dashboardTotals), so a writer never waits on them.
 * A search filtered only by `from` and `minAvailableKg` sums one row per day and slot for the
 * days after the first and counts exactly only the rest: the first day's departures and the
 * kilograms between `minAvailableKg` and the bound above it (ShipmentsService.search).
 */
export const shipmentSearchCounts = pgTable(
  'shipment_search_counts',
  {
    minAvailableKg: integer('min_available_kg').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    slot: smallint('slot').notNull(),
    shipments: counter('shipments'),
  },
  (t) => [primaryKey({ columns: [t.minAvailableKg, t.day, t.slot] })],
);

export const reviews = pgTable(
  'reviews',
  {
    id: id(),
    bookingId: uuid('booking_id')
      .notNull()
      .unique()
      .references(() => bookings.id),
    companyId: uuid('company_id')
      .notNull()
      .references(() => companies.id),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => users.id),
    rating: integer('rating').notNull(),
    comment: text('comment'),
    createdAt: createdAt(),
  },
  (t) => [
    check('reviews_rating_range', sql`${t.rating} BETWEEN 1 AND 5`),
    index('reviews_company_idx').on(t.companyId, t.createdAt),
  ],
);

export const notifications = pgTable(
  'notifications',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    type: text('type').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    readAt: timestamp('read_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('notifications_user_idx').on(t.userId, t.createdAt)],
);

export const chatMessages = pgTable(
  'chat_messages',
  {
    id: id(),
    bookingId: uuid('booking_id')
      .notNull()
      .references(() => bookings.id),
    senderId: uuid('sender_id')
      .notNull()
      .references(() => users.id),
    text: text('text').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('chat_messages_booking_idx').on(t.bookingId, t.createdAt)],
);

/** Devices (user agents) a user has signed in from, for new-device alerts. */
export const userDevices = pgTable(
  'user_devices',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    /** SHA-256 of the user agent. */
    deviceHash: text('device_hash').notNull(),
    userAgent: text('user_agent').notNull(),
    firstSeenAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.deviceHash] })],
);

/**
 * Transactional outbox: an email is recorded here in the same transaction as the change that
 * causes it, and the worker's relay moves it to the queue (job id = row id).
 */
export const emailOutbox = pgTable(
  'email_outbox',
  {
    id: id(),
    event: text('event').notNull(),
    to: text('to').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    state: emailState('state').notNull().default('PENDING'),
    /** SMTP attempts made so far, and the last one's error. */
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** Admin retries of a FAILED email: each one is a new queue job (`<id>-retry-<n>`). */
    retries: integer('retries').notNull().default(0),
    createdAt: createdAt(),
    /** Set when the relay handed the row to the queue; cleared by an admin retry. */
    queuedAt: timestamp('queued_at', { withTimezone: true }),
    /** Set once SMTP accepted the email: a job re-run after a stall sees it and does not resend. */
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [
    index('email_outbox_unqueued_idx')
      .on(t.createdAt)
      .where(sql`${t.queuedAt} IS NULL`),
    index('email_outbox_created_idx').on(t.createdAt),
    index('email_outbox_to_idx').on(t.to),
  ],
);

/** Addresses that got a permanent SMTP failure: later emails to them are not attempted. */
export const emailSuppressions = pgTable('email_suppressions', {
  /** Always stored lower-cased. */
  email: text('email').primaryKey(),
  reason: text('reason').notNull(),
  createdAt: createdAt(),
});

export const campaigns = pgTable('campaigns', {
  id: id(),
  name: text('name').notNull(),
  subject: text('subject').notNull(),
  html: text('html').notNull(),
  audience: campaignAudience('audience').notNull(),
  status: campaignStatus('status').notNull().default('SCHEDULED'),
  scheduledAt: instant('scheduled_at').notNull(),
  recipients: integer('recipients').notNull().default(0),
  sent: integer('sent').notNull().default(0),
  failed: integer('failed').notNull().default(0),
  /** Recipients not mailed because they opted out or were suppressed after being chosen. */
  skipped: integer('skipped').notNull().default(0),
  createdById: uuid('created_by_id').references(() => users.id),
  createdAt: createdAt(),
  startedAt: timestamp('started_at', { withTimezone: true }),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
});

/** One row per campaign recipient: the primary key makes "each recipient once" a database fact. */
export const campaignDeliveries = pgTable(
  'campaign_deliveries',
  {
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    email: text('email').notNull(),
    status: text('status')
      .$type<'PENDING' | 'SENT' | 'FAILED' | 'SKIPPED'>()
      .notNull()
      .default('PENDING'),
    /** The email_outbox row of this recipient's email, once it was rendered. */
    outboxId: uuid('outbox_id').references(() => emailOutbox.id),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.userId] })],
);
