// Browser tests drive Debian's Chromium through playwright-core: no browser is ever downloaded
// (scripts/ensure-test-deps.sh installs the chromium package when it can).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.KAIROS_CHROMIUM ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install chromium, or set KAIROS_CHROMIUM)`;
}

/** Headless Chromium without the sandbox (tests run as root in containers) and without background traffic. */
export async function launchChromium(): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** The admin login the harness created, for a browser context's httpCredentials. */
export function adminCredentials(): { username: string; password: string } {
  return { username: process.env.KAIROS_ADMIN_USER ?? '', password: process.env.KAIROS_ADMIN_PASSWORD ?? '' };
}
