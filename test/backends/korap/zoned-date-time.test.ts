import { describe, expect, it } from 'vitest';
import { javaZoned, parseZonedDateTime } from '../../../src/backends/korap/zoned-date-time.ts';

describe('korap installed_date (Java ZonedDateTime.toString)', () => {
  it.each([
    ['2022-05-06T09:21:19.452+02:00[Europe/Berlin]', '2022-05-06T07:21:19.452Z', 'Europe/Berlin'],
    ['2022-05-06T09:21+02:00[Europe/Berlin]', '2022-05-06T07:21:00.000Z', 'Europe/Berlin'],
    ['2022-05-06T09:21:07+02:00[Europe/Berlin]', '2022-05-06T07:21:07.000Z', 'Europe/Berlin'],
    ['2022-01-06T09:21:19.029+01:00[Europe/Berlin]', '2022-01-06T08:21:19.029Z', 'Europe/Berlin'],
    ['2022-05-06T07:21:19.452123456Z[UTC]', '2022-05-06T07:21:19.452Z', 'UTC'],
    ['2022-05-06T07:21:19.4Z', '2022-05-06T07:21:19.400Z', undefined],
    ['2022-05-06T02:51:19.452-04:30', '2022-05-06T07:21:19.452Z', undefined],
    ['2022-05-06T12:51:19.452+05:30[Asia/Kolkata]', '2022-05-06T07:21:19.452Z', 'Asia/Kolkata'],
    ['1890-01-01T00:00+00:53:28[Europe/Berlin]', '1889-12-31T23:06:32.000Z', 'Europe/Berlin'],
  ])('%s is the instant %s', (text, iso, zone) => {
    const parsed = parseZonedDateTime(text);
    expect(parsed?.instant.toISOString()).toBe(iso);
    expect(parsed?.zone).toBe(zone);
  });

  it.each([
    '',
    'yesterday',
    '2022-05-06',
    '2022-02-30T10:00Z',
    '2022-05-06T25:00Z',
    '2022-05-06T09:21',
  ])('refuses %j', (text) => {
    expect(parseZonedDateTime(text)).toBeUndefined();
  });

  it('round-trips what the simulator prints, across DST and zones', () => {
    for (const iso of [
      '2022-05-06T07:21:19.452Z',
      '2022-12-24T23:00:00.000Z',
      '2023-03-26T01:30:05.000Z',
    ]) {
      for (const zone of ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'UTC']) {
        const text = javaZoned(new Date(iso), zone);
        expect(parseZonedDateTime(text)?.instant.toISOString(), text).toBe(iso);
      }
    }
    expect(javaZoned(new Date('2022-05-06T07:21:19.452Z'), 'Europe/Berlin')).toBe(
      '2022-05-06T09:21:19.452+02:00[Europe/Berlin]',
    );
    expect(javaZoned(new Date('2022-12-24T23:00:00.000Z'), 'Europe/Berlin')).toBe(
      '2022-12-25T00:00+01:00[Europe/Berlin]',
    );
    expect(javaZoned(new Date('2022-12-24T23:00:00.000Z'), 'UTC')).toBe('2022-12-24T23:00Z[UTC]');
  });
});
