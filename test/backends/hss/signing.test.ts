import { describe, expect, it } from 'vitest';
import {
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  formatSdkDate,
  parseAuthorization,
  parseSdkDate,
  sha256Hex,
  sign,
  signature,
  stringToSign,
  verify,
} from '../../../src/backends/hss/signing.ts';

const AK = 'HPUAEXAMPLEACCESSKEY';
const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';

describe('AK/SK signing (SDK-HMAC-SHA256)', () => {
  it('matches the published test vector', () => {
    const toSign =
      'SDK-HMAC-SHA256\n20191115T033655Z\nb25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a';
    expect(signature(SK, toSign)).toBe(
      '7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
    );
  });

  it('hashes the empty body to the published value', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('builds the string to sign from the date and the canonical request hash', () => {
    expect(stringToSign('abc', '20191115T033655Z')).toBe(
      `SDK-HMAC-SHA256\n20191115T033655Z\n${sha256Hex('abc')}`,
    );
  });

  it('ends the canonical URI in / and percent-encodes segments', () => {
    expect(canonicalUri('/v5/pid/plugins/attachments/start')).toBe(
      '/v5/pid/plugins/attachments/start/',
    );
    expect(canonicalUri('/v5/pid/')).toBe('/v5/pid/');
    expect(canonicalUri('/v5/a b/x%20y')).toBe('/v5/a%20b/x%20y/');
  });

  it('sorts query pairs by key, repeats keys per value, encodes RFC 3986 style', () => {
    expect(
      canonicalQueryString({ limit: '200', host_ids: ['b', 'a'], offset: '0', x: undefined }),
    ).toBe('host_ids=a&host_ids=b&limit=200&offset=0');
    expect(canonicalQueryString({ name: "a b(c)*!'" })).toBe('name=a%20b%28c%29%2A%21%27');
    expect(canonicalQueryString(undefined)).toBe('');
  });

  it('lays out the canonical request line by line', () => {
    const text = canonicalRequest(
      {
        method: 'post',
        path: '/v5/pid/plugins/attachments/start',
        query: { enterprise_project_id: '0' },
        headers: { Host: 'hss.example.com', 'X-Sdk-Date': '20191115T033655Z' },
        body: '',
      },
      ['host', 'x-sdk-date'],
    );
    expect(text).toBe(
      [
        'POST',
        '/v5/pid/plugins/attachments/start/',
        'enterprise_project_id=0',
        'host:hss.example.com\nx-sdk-date:20191115T033655Z\n',
        'host;x-sdk-date',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ].join('\n'),
    );
  });

  it('formats and parses X-Sdk-Date', () => {
    const date = new Date('2019-11-15T03:36:55.123Z');
    expect(formatSdkDate(date)).toBe('20191115T033655Z');
    expect(parseSdkDate('20191115T033655Z')).toBe(Date.parse('2019-11-15T03:36:55Z'));
    expect(parseSdkDate('2019-11-15')).toBeUndefined();
  });

  it('writes the Authorization header with a space after the algorithm and commas between parts', () => {
    const headers = sign({
      method: 'GET',
      path: '/v5/pid/plugins',
      headers: { host: 'h:1' },
      body: '',
      accessKey: AK,
      secretKey: SK,
      date: new Date('2019-11-15T03:36:55Z'),
    });
    expect(headers['X-Sdk-Date']).toBe('20191115T033655Z');
    expect(headers.Authorization).toMatch(
      /^SDK-HMAC-SHA256 Access=HPUAEXAMPLEACCESSKEY, SignedHeaders=host;x-sdk-date, Signature=[0-9a-f]{64}$/,
    );
    expect(parseAuthorization(headers.Authorization)).toMatchObject({
      accessKey: AK,
      signedHeaders: ['host', 'x-sdk-date'],
    });
  });
});

describe('gateway verification', () => {
  const at = new Date('2026-05-01T10:00:00Z');
  const base = {
    method: 'POST',
    path: '/v5/pid/plugins/attachments/start',
    query: { enterprise_project_id: '0' },
    headers: { host: 'hss.local', 'content-type': 'application/json' },
    body: '{"plugin_code":"ndr"}',
  };
  const signed = sign({ ...base, accessKey: AK, secretKey: SK, date: at });
  const request = { ...base, headers: { ...base.headers, 'x-sdk-date': signed['X-Sdk-Date'] } };
  const secretFor = (ak: string) => (ak === AK ? SK : undefined);
  const check = (over: Partial<Parameters<typeof verify>[0]>) =>
    verify({ request, authorization: signed.Authorization, secretFor, now: at.getTime(), ...over });

  it('accepts what sign() produced', () => {
    expect(check({})).toEqual({ ok: true });
  });

  it('refuses a changed body, path or query', () => {
    expect(check({ request: { ...request, body: '{"plugin_code":"edr"}' } }).ok).toBe(false);
    expect(check({ request: { ...request, path: '/v5/pid/plugins/attachments/stop' } }).ok).toBe(
      false,
    );
    expect(
      check({ request: { ...request, query: { enterprise_project_id: 'all_granted_eps' } } }).ok,
    ).toBe(false);
  });

  it('refuses an unknown AK, a wrong signature and a missing Authorization', () => {
    expect(check({ secretFor: () => undefined })).toMatchObject({
      ok: false,
      reason: 'unknown access key',
    });
    expect(check({ authorization: signed.Authorization.replace(/.$/, '0') }).ok).toBe(false);
    expect(check({ authorization: undefined }).ok).toBe(false);
  });

  it('refuses a date more than 15 minutes off, either way', () => {
    expect(check({ now: at.getTime() + 15 * 60_000 }).ok).toBe(true);
    expect(check({ now: at.getTime() + 15 * 60_000 + 1_000 }).ok).toBe(false);
    expect(check({ now: at.getTime() - 16 * 60_000 }).ok).toBe(false);
  });

  it('refuses when host or x-sdk-date is not signed, or a signed header is absent', () => {
    const noHost = signed.Authorization.replace(
      'SignedHeaders=content-type;host;x-sdk-date',
      'SignedHeaders=content-type;x-sdk-date',
    );
    expect(check({ authorization: noHost })).toMatchObject({
      ok: false,
      reason: 'host is not signed',
    });
    const { 'content-type': _dropped, ...withoutType } = request.headers;
    expect(check({ request: { ...request, headers: withoutType } })).toMatchObject({
      ok: false,
      reason: 'signed header content-type is absent',
    });
  });
});
