// Errors of the model layer that callers (the CLI, services) tell apart from bugs.

/** Training produced non-finite numbers or a singular system. */
export class ModelFitError extends Error {
  /** Stable code for programs: training produced non-finite numbers or a singular system. */
  readonly code = 'ERR_UNTRAIN_FIT';

  constructor(message: string) {
    super(message);
    this.name = 'ModelFitError';
  }
}

/** A user or item id the model does not know. */
export class UnknownIdError extends Error {
  /** Stable code for programs: an id the model does not know. */
  readonly code = 'ERR_UNTRAIN_UNKNOWN_ID';

  constructor(
    readonly kind: 'user' | 'item',
    readonly id: string,
  ) {
    super(`unknown ${kind} "${id}": not in the model`);
    this.name = 'UnknownIdError';
  }
}
