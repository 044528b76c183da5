// Measures the time from navigation start to hydration (`<body data-hydrated>`, which the
// frontend sets once `hydrate()` returns) in headless Chromium, for the API Keys page of a
// signed-in admin and for the sign-in page.
//
// Usage: node bench/hydration.mjs
// Environment:
//   BENCH_BASE_URL        the server, e.g. http://127.0.0.1:3300 (must be a loopback address)
//   BENCH_SESSION_COOKIE  value of the guardian_session cookie of a signed-in admin
//   BENCH_LOADS           loads per page and cache state (default 20)
//   BENCH_RESULTS_JSON    file to write the figures to (optional)
//   CHROMIUM_PATH         browser binary (default /usr/bin/chromium)
//
// Each page is measured twice:
//   cold: a new browser context per load, so the bundle is downloaded and compiled every time,
//         as on a first visit;
//   warm: one context for all loads, after one unmeasured load, so the bundle comes from the
//         HTTP cache, as on later visits.
// The two pages alternate, so a slow moment of the machine affects both alike.

import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';

const require = createRequire(new URL('../end2end/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const baseUrl = process.env.BENCH_BASE_URL;
const sessionCookie = process.env.BENCH_SESSION_COOKIE;
const loads = Number.parseInt(process.env.BENCH_LOADS ?? '20', 10);
const resultsFile = process.env.BENCH_RESULTS_JSON;
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hydrationTimeoutMs = 30_000;

if (!baseUrl || !sessionCookie) {
  console.error('BENCH_BASE_URL or BENCH_SESSION_COOKIE is missing; bench/run.sh sets both');
  process.exit(2);
}
if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(baseUrl).hostname)) {
  console.error(`BENCH_BASE_URL must be a loopback address such as http://127.0.0.1:3300, but it is ${baseUrl}`);
  process.exit(2);
}
if (!Number.isInteger(loads) || loads < 2) {
  console.error(`BENCH_LOADS must be an integer of at least 2, but it is ${process.env.BENCH_LOADS}`);
  process.exit(2);
}

const pages = [
  { name: 'api-keys', path: '/settings/ai/api-keys', signedIn: true },
  { name: 'login', path: '/login', signedIn: false },
];

// Records performance.now() (milliseconds since navigation start) when data-hydrated appears.
// A MutationObserver callback runs as a microtask right after the change, so no polling delay
// enters the figure. Playwright injects this before any page script, outside the page's CSP.
const recordHydration = () => {
  const observer = new MutationObserver(() => {
    if (document.body?.hasAttribute('data-hydrated')) {
      window.__benchHydratedAt = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document, { subtree: true, attributes: true, attributeFilter: ['data-hydrated'] });
};

async function newContext(browser, page) {
  const context = await browser.newContext();
  await context.addInitScript(recordHydration);
  if (page.signedIn) {
    await context.addCookies([{ name: 'guardian_session', value: sessionCookie, url: baseUrl }]);
  }
  return context;
}

/** Loads the page once in `context` and returns milliseconds from navigation start to hydration. */
async function measureLoad(context, page) {
  const tab = await context.newPage();
  // Browser-side failures, reported when hydration does not finish.
  const problems = [];
  tab.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  tab.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  tab.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
  try {
    const response = await tab.goto(baseUrl + page.path, { waitUntil: 'commit' });
    const status = response?.status();
    const finalPath = new URL(tab.url()).pathname;
    if (status !== 200 || finalPath !== page.path) {
      throw new Error(`${page.path} returned status ${status} at ${finalPath}; is the session cookie valid?`);
    }
    try {
      await tab.waitForFunction(() => window.__benchHydratedAt !== undefined, null, { timeout: hydrationTimeoutMs });
    } catch (error) {
      const details = problems.length > 0 ? problems.join('\n  ') : 'no browser error was reported';
      throw new Error(`${page.path} did not hydrate within ${hydrationTimeoutMs} ms:\n  ${details}`, { cause: error });
    }
    return await tab.evaluate(() => window.__benchHydratedAt);
  } finally {
    await tab.close();
  }
}

/** Returns the median (mean of the two middle values for an even count) and the nearest-rank p95. */
function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 0 ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle];
  const p95 = sorted[Math.ceil(0.95 * sorted.length) - 1];
  return { median, p95, min: sorted[0], max: sorted[sorted.length - 1], samples: sorted.length };
}

async function main() {
  const browser = await chromium.launch({ executablePath, headless: true });
  const samples = {};
  for (const page of pages) {
    samples[`${page.name} cold`] = [];
    samples[`${page.name} warm`] = [];
  }

  try {
    // Warm: one context per page, primed with an unmeasured load.
    const warmContexts = new Map();
    for (const page of pages) {
      const context = await newContext(browser, page);
      await measureLoad(context, page);
      warmContexts.set(page.name, context);
    }

    for (let load = 0; load < loads; load += 1) {
      for (const page of pages) {
        const cold = await newContext(browser, page);
        try {
          samples[`${page.name} cold`].push(await measureLoad(cold, page));
        } finally {
          await cold.close();
        }
        samples[`${page.name} warm`].push(await measureLoad(warmContexts.get(page.name), page));
      }
    }
  } finally {
    await browser.close();
  }

  const results = {};
  for (const [name, values] of Object.entries(samples)) {
    results[name] = summarize(values);
    const { median, p95, min, max } = results[name];
    console.log(
      `${name.padEnd(14)} median ${median.toFixed(1)} ms  p95 ${p95.toFixed(1)} ms  ` +
        `(min ${min.toFixed(1)}, max ${max.toFixed(1)}, ${values.length} loads)`,
    );
  }
  if (resultsFile) {
    writeFileSync(resultsFile, JSON.stringify(results, null, 2));
  }
}

main().catch((error) => {
  console.error(`hydration benchmark failed: ${error.stack ?? error}`);
  process.exit(1);
});
