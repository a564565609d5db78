/**
 * Java's `ZonedDateTime.toString()`, `2022-05-06T09:21:19.452+02:00[Europe/Berlin]`: how Kustvakt
 * prints `installed_date` and `registration_date` (vendor-apis.md §5). The client reads it, the
 * simulator writes it; a test round-trips the two.
 */

// ---------------------------------------------------------------------------------------------
// Reading (the client): Java drops zero seconds and zero fractions (`09:21+02:00`), prints up to
// nine fraction digits, `Z` for UTC, and offsets with seconds for historical zones; all of these
// parse here.

const ZONED =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}(?::\d{2})?)(?:\[([^\]]+)\])?$/;

export interface ZonedInstant {
  readonly instant: Date;
  /** The region id in brackets (`Europe/Berlin`), when Java printed one. */
  readonly zone?: string | undefined;
}

export function parseZonedDateTime(text: string): ZonedInstant | undefined {
  const m = ZONED.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, offset, zone] = m;
  const fields = [y, mo, d, h, mi, s ?? '0'].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [year, month, day, hour, minute, second] = fields;
  // Digits, not floating point: 0.029 * 1000 is 28.999…
  const millis = frac === undefined ? 0 : Number(frac.padEnd(3, '0').slice(0, 3));
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const check = new Date(local);
  // Date.UTC rolls 2022-02-30 over into March; Java never prints such a date, so refuse it.
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  const instant = new Date(local - offsetSeconds(offset!) * 1000);
  return zone === undefined ? { instant } : { instant, zone };
}

function offsetSeconds(offset: string): number {
  if (offset === 'Z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const [hh, mm, ss] = offset.slice(1).split(':').map(Number) as [number, number, number?];
  return sign * (hh * 3600 + mm * 60 + (ss ?? 0));
}

// ---------------------------------------------------------------------------------------------
// Writing (the simulator): dropping zero seconds and zero millis the way java.time does, `Z` for
// a zero offset.

export function javaZoned(date: Date, zone: string): string {
  const offsetMin = zoneOffsetMinutes(date, zone);
  const local = new Date(date.getTime() + offsetMin * 60_000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  let time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`;
  const s = local.getUTCSeconds();
  const ms = local.getUTCMilliseconds();
  if (s !== 0 || ms !== 0) time += `:${pad(s)}`;
  if (ms !== 0) time += `.${pad(ms, 3)}`;
  const day = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const abs = Math.abs(offsetMin);
  const offset =
    offsetMin === 0
      ? 'Z'
      : `${offsetMin < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  return `${day}T${time}${offset}[${zone}]`;
}

function zoneOffsetMinutes(date: Date, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(date);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  const whole = Math.floor(date.getTime() / 1000) * 1000;
  return Math.round((wall - whole) / 60_000);
}
