// Writing CSV the way the readers take it back (RFC 4180).

/** A field as CSV: quoted, with quotes doubled, when it holds a comma, a quote or a line break. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
