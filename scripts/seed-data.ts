import { randomUUID } from 'node:crypto';
import { like, sql } from 'drizzle-orm';
import { hashPassword } from '../src/auth/password';
import { slugify } from '../src/companies/company-slug';
import { Database, schema } from '../src/database';

/*
 * Realistic demo data for Parcsal: companies with owners (and some members), customers,
 * shipments on European routes, bookings consistent with capacity, payments and reviews.
 * Everything is generated in memory first, then written with multi-row INSERTs in one
 * transaction: a failed run leaves nothing behind.
 */

export interface SeedSizes {
  companies: number;
  customers: number;
  shipments: number;
  bookings: number;
}

export const DEFAULT_SEED_SIZES: SeedSizes = {
  companies: 100,
  customers: 1_000,
  shipments: 10_000,
  bookings: 20_000,
};

/** Every seeded user, the admin included, signs in with this password. */
export const SEED_PASSWORD = 'parcsal-seed';
export const SEED_ADMIN_EMAIL = 'admin@parcsal.local';
/** Seeded users' emails end with this (customer1@seed.parcsal.local, owner1@..., member1@...). */
export const SEED_EMAIL_DOMAIN = 'seed.parcsal.local';

export interface SeedProgress {
  phase: string;
  /** Rows written so far, over all phases. */
  done: number;
  total: number;
}

export interface SeedSummary {
  /** Users the seed created (the admin included when it created it). */
  users: number;
  /**
   * False when an account with SEED_ADMIN_EMAIL already existed: the seed never takes over an
   * account it did not create (anyone can register any address), so it left it unchanged.
   */
  adminCreated: boolean;
  companies: number;
  proCompanies: number;
  customers: number;
  members: number;
  shipments: number;
  bookings: number;
  bookingsByStatus: Record<BookingStatus, number>;
  payments: number;
  revenueCents: number;
  reviews: number;
}

type BookingStatus = (typeof schema.bookingStatus.enumValues)[number];
type ShipmentMode = (typeof schema.shipmentMode.enumValues)[number];

const BATCH_ROWS = 1_000;
const DAY_MS = 24 * 3600 * 1000;
const HOUR_MS = 3600 * 1000;

/** Cities with coordinates (for distances and durations) and whether ships call there. */
const CITIES: { name: string; lat: number; lon: number; port: boolean }[] = [
  { name: 'Paris', lat: 48.86, lon: 2.35, port: false },
  { name: 'Berlin', lat: 52.52, lon: 13.4, port: false },
  { name: 'Madrid', lat: 40.42, lon: -3.7, port: false },
  { name: 'Rome', lat: 41.9, lon: 12.5, port: false },
  { name: 'Amsterdam', lat: 52.37, lon: 4.9, port: true },
  { name: 'Brussels', lat: 50.85, lon: 4.35, port: false },
  { name: 'Vienna', lat: 48.21, lon: 16.37, port: false },
  { name: 'Warsaw', lat: 52.23, lon: 21.01, port: false },
  { name: 'Prague', lat: 50.08, lon: 14.44, port: false },
  { name: 'Budapest', lat: 47.5, lon: 19.04, port: false },
  { name: 'Lisbon', lat: 38.72, lon: -9.14, port: true },
  { name: 'Barcelona', lat: 41.39, lon: 2.17, port: true },
  { name: 'Milan', lat: 45.46, lon: 9.19, port: false },
  { name: 'Munich', lat: 48.14, lon: 11.58, port: false },
  { name: 'Hamburg', lat: 53.55, lon: 9.99, port: true },
  { name: 'Rotterdam', lat: 51.92, lon: 4.48, port: true },
  { name: 'Antwerp', lat: 51.22, lon: 4.4, port: true },
  { name: 'Lyon', lat: 45.76, lon: 4.84, port: false },
  { name: 'Marseille', lat: 43.3, lon: 5.37, port: true },
  { name: 'Copenhagen', lat: 55.68, lon: 12.57, port: true },
  { name: 'Stockholm', lat: 59.33, lon: 18.07, port: true },
  { name: 'Oslo', lat: 59.91, lon: 10.75, port: true },
  { name: 'Helsinki', lat: 60.17, lon: 24.94, port: true },
  { name: 'Dublin', lat: 53.35, lon: -6.26, port: true },
  { name: 'London', lat: 51.51, lon: -0.13, port: false },
  { name: 'Manchester', lat: 53.48, lon: -2.24, port: false },
  { name: 'Zurich', lat: 47.38, lon: 8.54, port: false },
  { name: 'Geneva', lat: 46.2, lon: 6.14, port: false },
  { name: 'Frankfurt', lat: 50.11, lon: 8.68, port: false },
  { name: 'Cologne', lat: 50.94, lon: 6.96, port: false },
  { name: 'Athens', lat: 37.98, lon: 23.73, port: true },
  { name: 'Bucharest', lat: 44.43, lon: 26.1, port: false },
  { name: 'Sofia', lat: 42.7, lon: 23.32, port: false },
  { name: 'Krakow', lat: 50.06, lon: 19.94, port: false },
  { name: 'Gdansk', lat: 54.35, lon: 18.65, port: true },
  { name: 'Riga', lat: 56.95, lon: 24.11, port: true },
  { name: 'Vilnius', lat: 54.69, lon: 25.28, port: false },
  { name: 'Tallinn', lat: 59.44, lon: 24.75, port: true },
  { name: 'Valencia', lat: 39.47, lon: -0.38, port: true },
  { name: 'Porto', lat: 41.15, lon: -8.61, port: true },
  { name: 'Genoa', lat: 44.41, lon: 8.93, port: true },
  { name: 'Naples', lat: 40.85, lon: 14.27, port: true },
  { name: 'Ljubljana', lat: 46.06, lon: 14.51, port: false },
  { name: 'Zagreb', lat: 45.81, lon: 15.98, port: false },
  { name: 'Bratislava', lat: 48.15, lon: 17.11, port: false },
  { name: 'Luxembourg', lat: 49.61, lon: 6.13, port: false },
  { name: 'Bordeaux', lat: 44.84, lon: -0.58, port: true },
  { name: 'Seville', lat: 37.39, lon: -5.98, port: false },
];

// prettier-ignore
const FIRST_NAMES = [
  'Anna', 'Lukas', 'Sofia', 'Mateo', 'Emma', 'Liam', 'Mia', 'Noah', 'Elena', 'Jan', 'Chloé',
  'Hugo', 'Giulia', 'Marco', 'Ingrid', 'Lars', 'Zofia', 'Piotr', 'Inês', 'João', 'Aoife',
  'Sean', 'Eva', 'Tomáš', 'Katalin', 'Bence', 'Freja', 'Oskar', 'Leonie', 'Matteo', 'Lucía',
  'Pablo', 'Nora', 'Emil', 'Ana', 'Luka', 'Maria', 'Nikolaos', 'Ioana', 'Andrei',
];
// prettier-ignore
const LAST_NAMES = [
  'Müller', 'Schmidt', 'García', 'Rossi', 'Dubois', 'Janssen', 'Novák', 'Kowalski', 'Silva',
  'Nagy', 'Hansen', 'Johansson', 'Murphy', 'Bianchi', 'Martin', 'Fischer', 'López', 'Peeters',
  'Virtanen', 'Papadopoulos', 'Popescu', 'Horvat', 'Berg', 'Costa', 'Wagner', 'Moreau',
  'Ferrari', 'Nielsen', 'Lindqvist', 'Kazlauskas',
];
// prettier-ignore
const COMPANY_WORDS = [
  'Swift', 'Nordic', 'Alpine', 'Baltic', 'Atlantic', 'Iberian', 'Danube', 'Rhine', 'Coastal',
  'Euro', 'Continental', 'Blue', 'Green', 'Red Arrow', 'Polar', 'Mediterranean', 'Carpathian',
  'Hanseatic', 'Celtic', 'Adriatic', 'Express', 'Northern', 'Golden',
];
// prettier-ignore
const COMPANY_NOUNS = [
  'Freight', 'Parcels', 'Cargo', 'Logistics', 'Couriers', 'Haulage', 'Transport', 'Shipping',
  'Lines', 'Movers',
];
const COMPANY_SUFFIXES = [
  'GmbH',
  'Ltd',
  'SA',
  'BV',
  'AB',
  'SRL',
  'S.p.A.',
  'Oy',
  'AS',
  'sp. z o.o.',
];
const DESCRIPTIONS = [
  'Reliable scheduled departures across Europe, door to door.',
  'Temperature-controlled and fragile goods our speciality.',
  'Small family-run fleet with big-network reach.',
  'Consolidated shipments at fair prices, every week.',
  'Express and heavy cargo, tracked end to end.',
];
// prettier-ignore
const PARCELS = [
  'Books and documents', 'Household goods', 'Bicycle', 'Spare parts', 'Clothing',
  'Electronics (boxed)', 'Furniture flat-pack', 'Wine, 12 bottles', 'Sports equipment',
  'Artwork, crated', 'Tools', 'Samples for a trade fair',
];
// prettier-ignore
const REVIEW_COMMENTS: Record<number, string[]> = {
  5: ['Perfect, arrived early and well handled.', 'Excellent service, will book again.', 'Great communication throughout.'],
  4: ['Good service, a small delay at pickup.', 'Arrived safely, friendly driver.', 'Solid value for money.'],
  3: ['Fine, but tracking updates were sparse.', 'Arrived a day late, goods intact.'],
  2: ['Late delivery and hard to reach.', 'Packaging was damaged on arrival.'],
  1: ['Very late and no updates at all.', 'Items damaged, slow to respond.'],
};

/** Deterministic PRNG (mulberry32): the same seed gives the same data set shape. */
function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
    chance: (p: number) => next() < p,
    /** Picks a key by weight. */
    weighted: <K extends string | number>(weights: [K, number][]): K => {
      const total = weights.reduce((sum, [, w]) => sum + w, 0);
      let r = next() * total;
      for (const [key, w] of weights) {
        r -= w;
        if (r < 0) return key;
      }
      return weights[weights.length - 1][0];
    },
  };
}
type Random = ReturnType<typeof createRandom>;

function distanceKm(a: (typeof CITIES)[number], b: (typeof CITIES)[number]): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

/** Mode-specific figures: door-to-door hours, capacity range (kg), price per kg (cents). */
const MODES: Record<
  ShipmentMode,
  { hours: (km: number) => number; capacity: [number, number]; price: [number, number] }
> = {
  ROAD: { hours: (km) => (km * 1.25) / 60 + 6, capacity: [300, 3_500], price: [80, 260] },
  RAIL: { hours: (km) => (km * 1.3) / 45 + 18, capacity: [1_000, 12_000], price: [50, 170] },
  AIR: { hours: (km) => km / 650 + 20, capacity: [100, 1_500], price: [350, 950] },
  SEA: { hours: (km) => (km * 1.6) / 28 + 60, capacity: [5_000, 40_000], price: [25, 110] },
};

function chooseMode(random: Random, km: number, bothPorts: boolean): ShipmentMode {
  if (bothPorts && km > 300 && random.chance(0.3)) return 'SEA';
  if (km > 1_100 && random.chance(0.4)) return 'AIR';
  if (km > 250 && random.chance(0.2)) return 'RAIL';
  return 'ROAD';
}

/** Parcel weights in grams: mostly small, sometimes pallets. */
function parcelGrams(random: Random): number {
  const kind = random.weighted<string>([
    ['parcel', 60],
    ['bulky', 30],
    ['pallet', 10],
  ]);
  if (kind === 'parcel') return random.int(500, 30_000);
  if (kind === 'bulky') return random.int(30_000, 150_000);
  return random.int(150_000, 800_000);
}

const ACTIVE: ReadonlySet<BookingStatus> = new Set(['PENDING', 'CONFIRMED', 'DELIVERED']);

function bookingStatus(random: Random, departed: boolean, arrived: boolean): BookingStatus {
  if (arrived) {
    return random.weighted<BookingStatus>([
      ['DELIVERED', 78],
      ['CANCELLED', 9],
      ['REJECTED', 8],
      ['CONFIRMED', 5],
    ]);
  }
  if (departed) {
    return random.weighted<BookingStatus>([
      ['CONFIRMED', 80],
      ['CANCELLED', 10],
      ['REJECTED', 10],
    ]);
  }
  return random.weighted<BookingStatus>([
    ['PENDING', 40],
    ['CONFIRMED', 42],
    ['CANCELLED', 11],
    ['REJECTED', 7],
  ]);
}

function between(random: Random, from: number, to: number): Date {
  return new Date(from + random.next() * Math.max(0, to - from));
}

export interface SeedOptions {
  /** PRNG seed: the same seed gives the same shape of data. */
  randomSeed?: number;
  onProgress?: (progress: SeedProgress) => void;
}

/**
 * Seeds `db` (already migrated) with `sizes` of demo data and the admin. Refuses a database
 * that was seeded before (its seed emails are taken): seed a fresh one.
 */
export async function seedDatabase(
  db: Database,
  sizes: SeedSizes = DEFAULT_SEED_SIZES,
  options: SeedOptions = {},
): Promise<SeedSummary> {
  if (sizes.bookings > 0 && (sizes.shipments === 0 || sizes.customers === 0))
    throw new Error('bookings need at least one shipment and one customer');
  if (sizes.shipments > 0 && sizes.companies === 0)
    throw new Error('shipments need at least one company');

  const random = createRandom(options.randomSeed ?? 20_260_101);
  const now = Date.now();
  const passwordHash = await hashPassword(SEED_PASSWORD);

  return db.transaction(async (tx) => {
    const [seeded] = await tx
      .select({ id: schema.users.id })
      .from(schema.users)
      .where(like(schema.users.email, `%@${SEED_EMAIL_DOMAIN}`))
      .limit(1);
    if (seeded) throw new Error('this database is already seeded: seed a fresh database');
    const takenSlugs = new Set(
      (await tx.select({ slug: schema.companies.slug }).from(schema.companies)).map((c) => c.slug),
    );

    // Companies, each with an owner and every third with a member; some on the PRO plan.
    type CompanyInsert = typeof schema.companies.$inferInsert;
    type UserInsert = typeof schema.users.$inferInsert;
    const companies: (CompanyInsert & { id: string; home: number; quality: number })[] = [];
    const users: (UserInsert & { id: string; createdAt: Date })[] = [];
    for (let i = 1; i <= sizes.companies; i++) {
      const name = `${random.pick(COMPANY_WORDS)} ${random.pick(COMPANY_NOUNS)} ${random.pick(COMPANY_SUFFIXES)}`;
      let slug = slugify(name);
      for (let n = 2; takenSlugs.has(slug); n++) slug = `${slugify(name)}-${n}`;
      takenSlugs.add(slug);
      const createdAt = between(random, now - 600 * DAY_MS, now - 150 * DAY_MS);
      const id = randomUUID();
      companies.push({
        id,
        slug,
        name,
        description: random.chance(0.8) ? random.pick(DESCRIPTIONS) : null,
        activePlan: random.chance(0.25) ? 'PRO' : 'FREE',
        createdAt,
        updatedAt: createdAt,
        home: random.int(0, CITIES.length - 1),
        // How well this company treats its customers, shifts its review ratings.
        quality: random.next(),
      });
      users.push({
        id: randomUUID(),
        email: `owner${i}@${SEED_EMAIL_DOMAIN}`,
        passwordHash,
        name: `${random.pick(FIRST_NAMES)} ${random.pick(LAST_NAMES)}`,
        role: 'COMPANY',
        companyId: id,
        companyRole: 'OWNER',
        createdAt,
      });
      if (i % 3 === 0) {
        users.push({
          id: randomUUID(),
          email: `member${i}@${SEED_EMAIL_DOMAIN}`,
          passwordHash,
          name: `${random.pick(FIRST_NAMES)} ${random.pick(LAST_NAMES)}`,
          role: 'COMPANY',
          companyId: id,
          companyRole: 'MEMBER',
          createdAt: between(random, createdAt.getTime(), now - 30 * DAY_MS),
        });
      }
    }
    const members = users.length - companies.length;

    // Customers: most signed up months ago, a steady trickle in the last 60 days.
    const customers: (UserInsert & { id: string; createdAt: Date })[] = [];
    for (let i = 1; i <= sizes.customers; i++) {
      const recent = random.chance(0.15);
      customers.push({
        id: randomUUID(),
        email: `customer${i}@${SEED_EMAIL_DOMAIN}`,
        passwordHash,
        name: `${random.pick(FIRST_NAMES)} ${random.pick(LAST_NAMES)}`,
        role: 'CUSTOMER',
        createdAt: recent
          ? between(random, now - 60 * DAY_MS, now)
          : between(random, now - 500 * DAY_MS, now - 60 * DAY_MS),
      });
    }
    // Oldest first, so "a customer who existed by time t" is a prefix of the array.
    customers.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());

    // Shipments: departures spread over -30..+90 days, mostly from the company's home city.
    type ShipmentPlan = typeof schema.shipments.$inferInsert & {
      id: string;
      companyId: string;
      departureAt: Date;
      createdAt: Date;
      capacityGrams: number;
      bookedGrams: number;
      quality: number;
    };
    const shipments: ShipmentPlan[] = [];
    for (let i = 0; i < sizes.shipments; i++) {
      const company = companies[i % companies.length];
      const origin = random.chance(0.6) ? CITIES[company.home] : random.pick(CITIES);
      let destination = random.pick(CITIES);
      while (destination === origin) destination = random.pick(CITIES);
      const km = distanceKm(origin, destination);
      const mode = chooseMode(random, km, origin.port && destination.port);
      const spec = MODES[mode];
      const departure =
        Math.round((now + (-30 + random.next() * 120) * DAY_MS) / HOUR_MS) * HOUR_MS;
      const createdAt = new Date(
        Math.min(now, departure - random.int(3, 45) * DAY_MS - random.int(0, 23) * HOUR_MS),
      );
      const capacityKg = Math.round(random.int(spec.capacity[0], spec.capacity[1]) / 50) * 50;
      shipments.push({
        id: randomUUID(),
        companyId: company.id,
        origin: origin.name,
        destination: destination.name,
        departureAt: new Date(departure),
        arrivalAt: new Date(departure + Math.round(spec.hours(km)) * HOUR_MS),
        capacityKg,
        capacityGrams: capacityKg * 1000,
        bookedGrams: 0,
        pricePerKgCents: random.int(spec.price[0], spec.price[1]),
        mode,
        createdAt,
        updatedAt: createdAt,
        quality: company.quality,
      });
    }

    // Bookings: a customer who existed by then books a parcel that still fits the shipment.
    type BookingInsert = typeof schema.bookings.$inferInsert & { id: string; createdAt: Date };
    const bookings: (BookingInsert & { shipment: ShipmentPlan })[] = [];
    for (let i = 0; i < sizes.bookings; i++) {
      let shipment = random.pick(shipments);
      let grams = parcelGrams(random);
      for (
        let attempt = 0;
        attempt < 20 && shipment.bookedGrams + grams > shipment.capacityGrams;
        attempt++
      ) {
        shipment = random.pick(shipments);
        if (attempt > 10) grams = random.int(500, 5_000);
      }
      const departed = shipment.departureAt.getTime() <= now;
      const arrived = (shipment.arrivalAt as Date).getTime() <= now;
      let status = bookingStatus(random, departed, arrived);
      // Full shipment: the request was turned down rather than overbooking it.
      if (ACTIVE.has(status) && shipment.bookedGrams + grams > shipment.capacityGrams)
        status = 'REJECTED';
      if (ACTIVE.has(status)) shipment.bookedGrams += grams;

      const bookedUntil = Math.min(now, shipment.departureAt.getTime() - HOUR_MS);
      let createdAt = between(random, shipment.createdAt.getTime(), bookedUntil);
      let customer = random.pick(customers);
      if (customer.createdAt > createdAt) {
        // Someone who had an account by then (customers are sorted by sign-up).
        const existed = customers.findIndex((c) => c.createdAt > createdAt);
        customer = existed > 0 ? customers[random.int(0, existed - 1)] : customers[0];
        if (customer.createdAt > createdAt) createdAt = customer.createdAt;
      }
      const weightKg = grams / 1000;
      const priceCents = Math.round(weightKg * shipment.pricePerKgCents);
      bookings.push({
        id: randomUUID(),
        shipmentId: shipment.id,
        customerId: customer.id,
        companyId: shipment.companyId,
        weightKg,
        description: random.chance(0.7) ? random.pick(PARCELS) : null,
        priceCents,
        status,
        createdAt,
        updatedAt: createdAt,
        shipment,
      });
    }

    // Payments: CONFIRMED and DELIVERED bookings were paid; a few first had a declined card.
    const payments: (typeof schema.payments.$inferInsert)[] = [];
    const reviews: (typeof schema.reviews.$inferInsert)[] = [];
    for (const booking of bookings) {
      if (booking.status !== 'CONFIRMED' && booking.status !== 'DELIVERED') continue;
      const paidAt = new Date(
        Math.min(now, booking.createdAt.getTime() + random.int(1, 48) * HOUR_MS),
      );
      if (random.chance(0.03)) {
        payments.push({
          bookingId: booking.id,
          customerId: booking.customerId,
          idempotencyKey: `seed-failed-${booking.id}`,
          amountCents: booking.priceCents,
          status: 'FAILED',
          failureReason: 'card_declined',
          createdAt: new Date(paidAt.getTime() - 10 * 60 * 1000),
        });
      }
      payments.push({
        bookingId: booking.id,
        customerId: booking.customerId,
        idempotencyKey: `seed-${booking.id}`,
        amountCents: booking.priceCents,
        status: 'SUCCEEDED',
        providerRef: `seed_ch_${booking.id.slice(0, 8)}`,
        createdAt: paidAt,
      });
      // A share of delivered bookings is reviewed, better companies get better ratings.
      if (booking.status === 'DELIVERED' && random.chance(0.35)) {
        const q = booking.shipment.quality;
        const rating = random.weighted<number>([
          [5, 25 + 50 * q],
          [4, 30],
          [3, 12],
          [2, 8 * (1.2 - q)],
          [1, 6 * (1.2 - q)],
        ]);
        const arrivedAt = (booking.shipment.arrivalAt as Date).getTime();
        reviews.push({
          bookingId: booking.id,
          companyId: booking.companyId,
          customerId: booking.customerId,
          rating,
          comment: random.chance(0.75) ? random.pick(REVIEW_COMMENTS[rating]) : null,
          createdAt: new Date(Math.min(now, arrivedAt + random.int(2, 240) * HOUR_MS)),
        });
      }
    }

    // Write everything, parents before children, in batches of multi-row INSERTs.
    const phases: [string, number][] = [
      ['companies', companies.length],
      ['users', users.length + customers.length + 1],
      ['shipments', shipments.length],
      ['bookings', bookings.length],
      ['payments', payments.length],
      ['reviews', reviews.length],
    ];
    const total = phases.reduce((sum, [, n]) => sum + n, 0);
    let done = 0;
    const report = (phase: string, rows: number) => {
      done += rows;
      options.onProgress?.({ phase, done, total });
    };
    const insertAll = async <T>(
      phase: string,
      rows: T[],
      insert: (batch: T[]) => Promise<unknown>,
    ) => {
      for (let start = 0; start < rows.length; start += BATCH_ROWS) {
        const batch = rows.slice(start, start + BATCH_ROWS);
        await insert(batch);
        report(phase, batch.length);
      }
    };
    options.onProgress?.({ phase: 'companies', done, total });

    await insertAll('companies', companies, (batch) =>
      tx.insert(schema.companies).values(batch.map(({ home: _h, quality: _q, ...c }) => c)),
    );
    const [admin] = await tx
      .insert(schema.users)
      .values({ email: SEED_ADMIN_EMAIL, passwordHash, name: 'Administrator', role: 'ADMIN' })
      .onConflictDoNothing({ target: schema.users.email })
      .returning({ id: schema.users.id });
    report('users', 1);
    await insertAll('users', [...users, ...customers], (batch) =>
      tx.insert(schema.users).values(batch),
    );
    await insertAll('shipments', shipments, (batch) =>
      tx.insert(schema.shipments).values(
        batch.map(({ capacityGrams: _c, bookedGrams, quality: _q, ...s }) => ({
          ...s,
          // Exactly the sum of its active bookings' weights (summed in grams: no float drift).
          bookedKg: bookedGrams / 1000,
        })),
      ),
    );
    await insertAll('bookings', bookings, (batch) =>
      tx.insert(schema.bookings).values(batch.map(({ shipment: _s, ...b }) => b)),
    );
    await insertAll('payments', payments, (batch) => tx.insert(schema.payments).values(batch));
    await insertAll('reviews', reviews, (batch) => tx.insert(schema.reviews).values(batch));

    // The database agrees with what was planned: booked_kg is the sum of active bookings.
    const [drift] = await tx
      .execute<{ n: number }>(
        sql`
      SELECT count(*)::int AS n FROM shipments s
      LEFT JOIN (
        SELECT shipment_id, sum(weight_kg) AS kg FROM bookings
        WHERE status IN ('PENDING', 'CONFIRMED', 'DELIVERED') GROUP BY shipment_id
      ) b ON b.shipment_id = s.id
      WHERE s.booked_kg <> coalesce(b.kg, 0)
    `,
      )
      .then((r) => r.rows);
    if (Number(drift.n) > 0) throw new Error(`${drift.n} shipments have inconsistent booked_kg`);

    const bookingsByStatus = Object.fromEntries(
      schema.bookingStatus.enumValues.map((s) => [s, 0]),
    ) as Record<BookingStatus, number>;
    for (const b of bookings) bookingsByStatus[b.status as BookingStatus]++;
    return {
      users: users.length + customers.length + (admin ? 1 : 0),
      adminCreated: Boolean(admin),
      companies: companies.length,
      proCompanies: companies.filter((c) => c.activePlan === 'PRO').length,
      customers: customers.length,
      members,
      shipments: shipments.length,
      bookings: bookings.length,
      bookingsByStatus,
      payments: payments.length,
      revenueCents: payments
        .filter((p) => p.status === 'SUCCEEDED')
        .reduce((sum, p) => sum + p.amountCents, 0),
      reviews: reviews.length,
    };
  });
}
