/** Why this instance's task store cannot do its job (served in /readyz; no path, no secret). */
export interface StoreProblem {
  /** `sqlite` or `redis`. */
  readonly store: string;
  /** STORE_UNAVAILABLE, STORE_WRITE_FAILED, DATA_FILE_GONE, DATA_FILE_REPLACED. */
  readonly code: string;
  readonly reason?: string;
}

/** The instance's task store (SQLite in the data dir, or Redis), as readiness sees it. */
export interface ReadinessStore {
  /** What keeps it from doing its job now; undefined while it can. */
  problem(): Promise<StoreProblem | undefined>;
}
