// The platform's EventProducer does not expose its connection state, so readiness is judged by what publishing
// does: after a failed publish the service reports not ready, until a publish succeeds or `coolDownMs` passes.
// The cool-down matters: a not-ready instance gets no traffic, so without it nothing would ever publish again to
// prove Kafka is back.

export interface PublishHealth {
  succeeded(): void;
  failed(error: unknown): void;
  /** A readiness check: `{ ok: false, detail }` while a recent publish failure stands. */
  check(): { ok: true } | { ok: false; detail: string };
}

export function createPublishHealth(coolDownMs: number, now: () => number = Date.now): PublishHealth {
  let failure: { at: number; message: string } | undefined;
  return {
    succeeded() {
      failure = undefined;
    },
    failed(error) {
      failure = { at: now(), message: error instanceof Error ? error.message : String(error) };
    },
    check() {
      if (failure === undefined || now() - failure.at >= coolDownMs) return { ok: true };
      return { ok: false, detail: `last publish failed: ${failure.message}` };
    },
  };
}
