/** What a redacted value is written as. */
export const redacted = '[redacted]';

// Keys whose values are secrets or card data, whatever they hold.
const secretKeys =
  /^(authorization|proxy-authorization|cookie|set-cookie|password|passwd|secret|client_?secret|token|access_?token|refresh_?token|api_?key|x-api-key|stripe-signature|card|card_?number|cvc|cvv|payment_?method)$/i;

// Secrets that turn up inside text: in an error message, a URL, a header echoed back.
const secretPatterns: readonly [RegExp, string][] = [
  [/\bBearer\s+[\w.~+/=-]+/gi, `Bearer ${redacted}`],
  [/\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g, redacted],
  [/\b(sk|rk|whsec|pk)_(test|live)?_?[A-Za-z0-9]{8,}/g, `$1_${redacted}`],
  [/(\/\/[^/\s:@]+):[^/\s@]+@/g, '$1:***@'],
  [/([?&](?:token|access_token|api_key|key|secret|password)=)[^&#\s]+/gi, `$1${redacted}`],
];

// A run of 13 to 19 digits, maybe grouped by spaces or dashes: a card number if its Luhn sum is right.
const digitRun = /\b\d(?:[ -]?\d){12,18}\b/g;

// C0 and C1 controls and DEL, and UTF-16 halves without their partner: written as \uXXXX, never raw.
const unsafeCharacters =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const lineBreaks = /[\n\r]/g;

// Letters, digits and a few separators, with nothing a pattern above could match (no run of 13 digits,
// no `//`, no token or key prefix): what redactText leaves as it is.
const plainText = /^(?!.*\d(?:[ -]?\d){12})(?!.*\/\/)(?!.*(?:eyJ|bearer|sk_|rk_|pk_|whsec_))[\w .,:/@#=+-]{0,200}$/i;

const escapeCharacter = (character: string) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;

function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return sum % 10 === 0;
}

/**
 * Text fit for a log line: known kinds of secret replaced, card numbers masked, control characters and
 * lone surrogates escaped; line breaks too, unless `multiline` (a stack trace), so a value cannot forge
 * a line of its own.
 */
export function redactText(text: string, { multiline = false } = {}): string {
  // Most values are ids, names and numbers: nothing in them can be a secret, a control byte or a card.
  if (plainText.test(text)) return text;
  let safe = text;
  for (const [pattern, replacement] of secretPatterns) safe = safe.replace(pattern, replacement);
  safe = safe.replace(digitRun, (run) => (passesLuhn(run.replace(/\D/g, '')) ? '[redacted card number]' : run));
  safe = safe.replace(unsafeCharacters, escapeCharacter);
  return multiline ? safe : safe.replace(lineBreaks, escapeCharacter);
}

const maxDepth = 8;

/** A value fit for a log entry: secrets under secret keys replaced, every string as redactText makes it. */
export function redactValue(value: unknown, key = '', depth = 0): unknown {
  if (key !== '' && secretKeys.test(key) && value !== null && value !== undefined) return redacted;
  if (typeof value === 'string') return redactText(value, { multiline: key === 'stack' });
  if (value === null || typeof value !== 'object') return value;
  if (depth >= maxDepth) return '[too deep]';
  if (Array.isArray(value)) return value.map((item) => redactValue(item, '', depth + 1));
  if (value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [redactText(k), redactValue(v, k, depth + 1)]),
  );
}
