import { randomBytes } from 'node:crypto';

/** "Swift Parcels Ltd." → "swift-parcels-ltd" (ASCII, dash-separated, at most 60 chars). */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/g, '');
  return slug || 'company';
}

/** The slug with a short random suffix, for when the plain one is taken. */
export function slugWithSuffix(name: string): string {
  return `${slugify(name).slice(0, 53)}-${randomBytes(3).toString('hex')}`;
}
