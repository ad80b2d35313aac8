/**
 * Text that cannot be stored as sent: PostgreSQL `text` refuses NUL (a 500 when it reached a
 * query), and a lone UTF-16 surrogate has no UTF-8 form (the driver silently replaced it with
 * U+FFFD, so the stored value differed from the one accepted).
 */
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function isUnstorableText(text: string): boolean {
  return UNSTORABLE.test(text);
}

/** Object keys that are never a field: JSON.parse makes them own properties, validation skips them. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor']);

const MAX_PROBLEMS = 20;

/**
 * Every problem in a request's body, query or path parameter, at any depth: unstorable text in
 * a value or a key, and prototype keys (`__proto__`, `constructor`), which class-transformer drops
 * silently so that the whitelist check would never see them. `path` names the value in messages.
 */
export function hostileInputProblems(value: unknown, path: string): string[] {
  const problems: string[] = [];
  const visit = (node: unknown, at: string): void => {
    if (problems.length >= MAX_PROBLEMS) return;
    if (typeof node === 'string') {
      if (isUnstorableText(node)) {
        problems.push(
          `${at || 'value'} must not contain NUL characters or unpaired UTF-16 surrogates`,
        );
      }
    } else if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, `${at}[${index}]`));
    } else if (typeof node === 'object' && node !== null) {
      for (const key of Object.keys(node)) {
        const keyPath = at ? `${at}.${key}` : key;
        if (FORBIDDEN_KEYS.has(key)) problems.push(`property ${keyPath} should not exist`);
        else if (isUnstorableText(key)) {
          problems.push(
            'property names must not contain NUL characters or unpaired UTF-16 surrogates',
          );
        } else visit((node as Record<string, unknown>)[key], keyPath);
      }
    }
  };
  visit(value, path);
  return problems;
}
