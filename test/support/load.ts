/** Result of one request fired by `steadyLoad`. */
export interface Sample {
  at: number;
  status: number;
  ms: number;
}

/**
 * Fires `fn` at a fixed rate for a fixed time (bounded in count and time), without waiting for
 * answers, and collects status and latency of every request.
 */
export async function steadyLoad(
  ratePerSecond: number,
  seconds: number,
  fn: () => Promise<number>,
): Promise<Sample[]> {
  const samples: Sample[] = [];
  const inFlight: Promise<void>[] = [];
  const started = Date.now();
  const total = Math.floor(ratePerSecond * seconds);
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / ratePerSecond;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const at = Date.now();
    inFlight.push(
      fn().then(
        (status) => void samples.push({ at: at - started, status, ms: Date.now() - at }),
        () => void samples.push({ at: at - started, status: 0, ms: Date.now() - at }),
      ),
    );
  }
  await Promise.all(inFlight);
  return samples.sort((x, y) => x.at - y.at);
}

export function countBy<T>(items: T[], key: (item: T) => string | number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[String(key(item))] = (counts[String(key(item))] ?? 0) + 1;
  return counts;
}
