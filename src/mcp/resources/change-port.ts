/**
 * The change hub's port for replicas (implemented over Redis in src/scale/coordinator.ts)
 * and its tuning: kept apart from the hub so the port reads on its own.
 */

/** Tuning of the change feed; tests and benchmarks shorten it. */
export interface HubOptions {
  /** Long-poll wait on the local API's change counter. */
  longPollMs?: number;
  /** Polling interval bounds for APIs without a change counter (the hosted API). */
  pollMinMs?: number;
  pollMaxMs?: number;
  /** Shared change state when several replicas serve one API (see ChangeCoordinator). */
  coordinator?: ChangeCoordinator;
}

/**
 * What several replicas share so a change is noticed once and notified once (Redis in
 * practice; src/scale/). Without one, the hub keeps everything in this process, as before.
 */
export interface ChangeCoordinator {
  /**
   * Records a URI's content hash for the whole cluster and resolves whether it differs from
   * the one recorded before, or undefined when there was none (then nothing is recorded:
   * only what somebody watches is). `first` (a new subscription) records only when nothing
   * is recorded yet. Rejects when the store is unreachable.
   */
  record(uri: string, hash: string, first: boolean): Promise<boolean | undefined>;
  /** Of these URIs, the ones watched on any replica (rejects when unreachable). */
  watchedAnywhere(uris: readonly string[]): Promise<string[]>;
  /** Every URI watched on any replica (rejects when unreachable). */
  clusterWatched(): Promise<string[]>;
  /** This replica's own interest changed: share it now. */
  interestChanged(): void;
  /** Whether this replica should run the change feed now (it holds the poller lease). */
  readonly feedWanted: boolean;
}
