// Throttling of failed logins (HTTP Basic, API keys, dialect logins such as Volt MX's): after a few
// failures for one username, or from one client address, within a window, further attempts are
// refused with RateLimited (HTTP 429 and Retry-After) without checking the password, even a right
// one, until the window ends. Refusals do not count as failures, so a throttled username does not
// also lock its client's address out, and other users and other addresses are unaffected. A success
// clears its username's count. Counts live in this process's memory (rate-limiter-flexible's
// RateLimiterMemory); several API processes each keep their own.
import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';
import type { LoginThrottleConfig } from '../config.ts';
import { RateLimited } from '../errors.ts';

/** The defaults of KAIROS_LOGIN_FAILURES_PER_USER / _PER_ADDRESS / KAIROS_LOGIN_THROTTLE_WINDOW. */
export const DEFAULT_LOGIN_THROTTLE: LoginThrottleConfig = { failuresPerUser: 5, failuresPerAddress: 20, windowMs: 15 * 60_000 };

/** Longer names cannot be users (USERNAME_PATTERN allows 64): they share one key rather than fill memory. */
const KEY_MAX = 256;

/** Who is trying: the username (absent for an API key) and the client address (absent off-network, e.g. a CLI). */
export interface LoginAttemptSource {
  username?: string;
  address?: string;
}

/** A password check in progress: counted as a failure unless `succeeded()` is called. */
export interface LoginAttempt {
  succeeded(): Promise<void>;
}

export class LoginThrottle {
  private readonly users: RateLimiterMemory;
  private readonly addresses: RateLimiterMemory;

  constructor(readonly config: LoginThrottleConfig = DEFAULT_LOGIN_THROTTLE) {
    const duration = Math.max(1, Math.ceil(config.windowMs / 1000));
    this.users = new RateLimiterMemory({ points: config.failuresPerUser, duration });
    this.addresses = new RateLimiterMemory({ points: config.failuresPerAddress, duration });
  }

  /** Throws RateLimited if the username or the address has no failures left; changes nothing. */
  async check(src: LoginAttemptSource): Promise<void> {
    const [u, a] = await Promise.all([this.get(this.users, userKey(src)), this.get(this.addresses, src.address)]);
    // No failure left: the next one would be over the limit.
    refuseIfOver(1, [u, this.users], [a, this.addresses]);
  }

  /** A success without a password check (a remembered one): the username's failures are forgotten. */
  async succeeded(src: LoginAttemptSource): Promise<void> {
    const user = userKey(src);
    if (user !== undefined) await this.users.delete(user);
  }

  /**
   * Counts a failure in advance (atomically, so concurrent guesses cannot all slip in before the
   * first one fails), or throws RateLimited, counting nothing, when none is left.
   */
  async begin(src: LoginAttemptSource): Promise<LoginAttempt> {
    const user = userKey(src);
    const address = src.address;
    const u = user === undefined ? null : await this.users.penalty(user);
    const a = address === undefined ? null : await this.addresses.penalty(address);
    try {
      refuseIfOver(0, [u, this.users], [a, this.addresses]);
    } catch (err) {
      if (user !== undefined) await this.users.reward(user);
      if (address !== undefined) await this.addresses.reward(address);
      throw err;
    }
    return {
      succeeded: async () => {
        if (user !== undefined) await this.users.delete(user);
        if (address !== undefined) await this.addresses.reward(address);
      },
    };
  }

  private async get(limiter: RateLimiterMemory, key: string | undefined): Promise<RateLimiterRes | null> {
    return key === undefined ? null : await limiter.get(key);
  }
}

function userKey(src: LoginAttemptSource): string | undefined {
  return src.username === undefined ? undefined : src.username.slice(0, KEY_MAX);
}

/** Throws RateLimited when a count plus `next` exceeds its limit. */
function refuseIfOver(next: number, ...checks: [RateLimiterRes | null, RateLimiterMemory][]): void {
  const over = checks.filter(([res, limiter]) => res !== null && res.consumedPoints + next > limiter.points).map(([res]) => res as RateLimiterRes);
  if (over.length === 0) return;
  const retryAfterSeconds = Math.max(1, ...over.map((r) => Math.ceil(r.msBeforeNext / 1000)));
  throw new RateLimited(`too many failed logins; try again in ${retryAfterSeconds} s`, retryAfterSeconds);
}
