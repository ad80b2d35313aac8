/** `::ffff:127.0.0.1` → `127.0.0.1`. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * The client's address: the socket address, or with `trustProxy = N` the address N hops back in
 * X-Forwarded-For (the same rule as Express's numeric `trust proxy`). X-Forwarded-For is never
 * read when no proxy is trusted, so a client cannot choose its own address.
 */
export function clientIp(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustProxy: number,
): string {
  const remote = normalise(socketAddress ?? 'unknown');
  if (trustProxy === 0 || !forwardedFor) return remote;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  const hops = header
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .reverse();
  if (hops.length === 0) return remote;
  return normalise(hops[Math.min(trustProxy, hops.length) - 1]);
}
