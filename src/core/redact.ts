/** What a secret is shown as. */
export const REDACTED = "***";

/** Option and query-parameter names that hold secrets (password, sentinelPassword, passphrase, token, key, …). */
export function isSecretName(name: string): boolean {
  return /pass|secret|token|credential|auth|key/i.test(name);
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * A connection URL with its credentials replaced by "***": the userinfo's password (a userinfo
 * without ":" may itself be a password, so it goes too) and every query parameter named like a
 * secret (`?password=…`, as ioredis accepts). A string `new URL` cannot parse (an unencoded "/"
 * or "?" in a password) loses everything between "://" and its last "@".
 */
export function redactUrl(text: string): string {
  if (!SCHEME.test(text)) return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    const at = text.lastIndexOf("@");
    const start = text.indexOf("://") + 3;
    return at > start ? `${text.slice(0, start)}${REDACTED}${text.slice(at)}` : redactQuery(text);
  }
  if (url.password) url.password = REDACTED;
  else if (url.username) url.username = REDACTED;
  for (const name of new Set(url.searchParams.keys())) {
    if (isSecretName(name)) url.searchParams.set(name, REDACTED);
  }
  return url.toString().replace(/\/$/, "");
}

function redactQuery(text: string): string {
  return text.replace(/([?&;])([^=&#;]*)=([^&#;]*)/g, (all, separator: string, name: string) =>
    isSecretName(name) ? `${separator}${name}=${REDACTED}` : all,
  );
}

/**
 * A copy of options for display: values under secret-looking names become "***", URLs lose
 * their credentials, nested objects and arrays are redacted the same way.
 */
export function redactValue(value: unknown, name = ""): unknown {
  if (name && isSecretName(name) && value !== undefined && value !== null && value !== "") return REDACTED;
  if (typeof value === "string") return redactUrl(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item));
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactValue(item, key)]));
  }
  return value;
}
