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
