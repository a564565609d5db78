import type { HttpRequest, HttpResponse, VendorHttp } from './http.ts';

/**
 * One vendor session shared by every caller of a client (SDM cookie, ZStack OAuth session,
 * appliance x-dr-session): logged in lazily, one login however many callers arrive at once,
 * and renewed only by a caller who saw *that* session refused, so a burst of 401s on an old
 * session causes one new login, not one per caller.
 */
export class SharedSession {
  private current: Promise<string> | undefined;
  private established: { session: Promise<string>; id: string } | undefined;

  constructor(private readonly login: (deadline: number) => Promise<string>) {}

  /** The session, logging in if there is none; `stale` is a session the vendor just refused. */
  get(deadline: number, stale?: Promise<string>): Promise<string> {
    if (stale !== undefined && this.current === stale) this.current = undefined;
    if (!this.current) {
      const session = this.login(deadline);
      this.current = session;
      session.then(
        (id) => {
          this.established = { session, id };
        },
        () => undefined,
      );
      // A failed login is not kept: the next caller tries again.
      session.catch(() => {
        if (this.current === session) this.current = undefined;
      });
    }
    return this.current;
  }

  /**
   * Sends with the session; when the answer says the session expired (`expired`), logs in again
   * once and sends again. The vendor refused the first attempt unseen, so repeating a write is
   * safe. Returns the last answer, which may still be "expired": the caller decides what that is.
   */
  async send<R>(
    deadline: number,
    send: (id: string) => Promise<R>,
    expired: (answer: R) => boolean,
  ): Promise<R> {
    const first = this.get(deadline);
    const answer = await send(await first);
    if (!expired(answer)) return answer;
    return send(await this.get(deadline, first));
  }

  /** Forgets the session and gives its id, if one was established (for logout). */
  async take(): Promise<string | undefined> {
    const session = this.current;
    this.current = undefined;
    return session?.catch(() => undefined);
  }

  /** The id of the current session once established, without waiting (to scrub vendor text). */
  peekId(): string | undefined {
    return this.established?.session === this.current ? this.established?.id : undefined;
  }
}

/**
 * One vendor call made with the session, as the SDM and appliance clients make it: `ok` statuses
 * are parsed, a 404 becomes `notFound()` where the caller names one, anything else the vendor's
 * error mapping.
 */
export type SessionCall = <T>(
  req: HttpRequest,
  ok: readonly number[],
  parse: (res: HttpResponse) => T,
  notFound?: () => Error,
) => Promise<T>;

/** What differs between the vendors behind a SessionCall. */
export interface SessionCallOptions {
  readonly http: VendorHttp;
  readonly session: SharedSession;
  /** The headers that carry the session id, with any the vendor wants on every call. */
  readonly headers: (id: string) => Readonly<Record<string, string>>;
  /** The vendor's error tiers, for an answer that is neither `ok` nor a handled 404. */
  readonly failure: (res: HttpResponse, operation: string) => Error;
}

/**
 * A 401 means the session expired (or the vendor restarted): log in again once and repeat, all
 * within the call's one deadline. These vendors refuse a 401 request before doing anything, so
 * repeating a write is safe.
 */
export function sessionCall(options: SessionCallOptions): SessionCall {
  const { http, session, headers, failure } = options;
  return async (req, ok, parse, notFound) => {
    const deadline = req.deadline ?? http.deadline();
    const res = await session.send(
      deadline,
      (id) => http.request({ ...req, deadline, headers: { ...req.headers, ...headers(id) } }),
      (answer) => answer.status === 401,
    );
    if (ok.includes(res.status)) return parse(res);
    if (res.status === 404 && notFound) throw notFound();
    throw failure(res, req.operation);
  };
}
