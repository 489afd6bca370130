/** What a breaker lets through right now. */
export type BreakerAdmission = 'closed' | 'trial' | 'open';

export interface BreakerConfig {
  /** Consecutive retryable failures that open the breaker. */
  failureThreshold: number;
  cooldownMs: number;
}

/**
 * One target's circuit breaker. Closed: every call passes. After `failureThreshold` consecutive retryable
 * failures it opens and the target is skipped for `cooldownMs`. Then one trial call is let through
 * (half-open): success closes it, failure opens it for another cooldown. Time comes from the caller, so
 * the breaker needs no clock of its own.
 */
export class CircuitBreaker {
  readonly #config: BreakerConfig;
  #failures = 0;
  /** Epoch ms until which the breaker is open; 0 when closed. */
  #openUntil = 0;
  #trialInFlight = false;

  constructor(config: BreakerConfig) {
    this.#config = config;
  }

  /** Asks to make a call at `now`. A `'trial'` admission must end in `succeeded`, `failed` or `released`. */
  admit(now: number): BreakerAdmission {
    if (this.#openUntil === 0) return 'closed';
    if (now < this.#openUntil || this.#trialInFlight) return 'open';
    this.#trialInFlight = true;
    return 'trial';
  }

  /** The target answered (an error that is the caller's fault counts as an answer too). */
  succeeded(): void {
    this.#failures = 0;
    this.#openUntil = 0;
    this.#trialInFlight = false;
  }

  /** A retryable failure. Returns true when this failure opened the breaker. */
  failed(now: number): boolean {
    const wasTrial = this.#trialInFlight;
    this.#trialInFlight = false;
    this.#failures += 1;
    if (wasTrial || (this.#openUntil === 0 && this.#failures >= this.#config.failureThreshold)) {
      this.#openUntil = now + this.#config.cooldownMs;
      return true;
    }
    return false;
  }

  /** The call ended without telling anything about the target (the client went away). */
  released(): void {
    this.#trialInFlight = false;
  }

  /** Epoch ms until which the target is skipped, or undefined when the breaker is closed. */
  openUntil(): number | undefined {
    return this.#openUntil === 0 ? undefined : this.#openUntil;
  }

  state(now: number): 'closed' | 'open' | 'half-open' {
    if (this.#openUntil === 0) return 'closed';
    return now < this.#openUntil ? 'open' : 'half-open';
  }
}
