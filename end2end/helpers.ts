// Shared constants and helpers of the browser tests. Every test runs against the one server that
// playwright.config.ts starts through serve-test.sh, signed in as its one admin (test-env.ts).

import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  expect,
  test as base,
  type APIRequestContext,
  type Locator,
  type Page,
  type Request,
  type Response,
} from '@playwright/test';
import { ADMIN_STORAGE_STATE, SERVER_LOG, TEST_FILES_DIR } from './test-env';

export { SERVER_LOG };

export { expect };

// Keeps any AWS SDK in the test workers away from the EC2 metadata endpoint.
process.env.AWS_EC2_METADATA_DISABLED = 'true';

// The example key pairs of the AWS documentation. serve-test.sh points every AWS endpoint at
// 127.0.0.1, so the server never sends them to AWS.
export const ACCESS_KEY = 'AKIAIOSFODNN7EXAMPLE';
export const ACCESS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
export const NEW_ACCESS_KEY = 'AKIAI44QH8DHBEXAMPLE';
export const NEW_ACCESS_SECRET = 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY';
export const ALL_SECRETS = [ACCESS_SECRET, NEW_ACCESS_SECRET];

export const SETTINGS_PATH = '/settings/ai/api-keys';
export const DELETE_PATH = '/settings/ai/api-keys/delete';
export const ONBOARDING_PATHS = ['/onboarding', '/onboarding/access-keys', '/onboarding/done'];

/** Paths of the server functions that store a key pair. */
export const STORE_KEY_PATHS = ['/api/keys/save', '/api/keys/replace'];

/** Text of the API Keys page when no keys are saved. */
export const DEFAULT_CREDENTIALS_TEXT = 'Guardian is using the default credentials';

/**
 * The saved access key ID on the API Keys page. Notices and the audit table also name key IDs,
 * including old ones, so checks of the current keys look only here.
 */
export const SAVED_KEY_ID = '.saved-keys code.key-id';

/** Storage state of a browser or request context that is not signed in. */
export const SIGNED_OUT = { cookies: [], origins: [] };

/** Format of a saved time, as `app/src/time.rs` renders it. */
export const UTC_TIME = /\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/;


/**
 * The Playwright `test` with a `request` fixture that calls the server as the signed-in test
 * admin, and a leak scan that runs around every test. The `request` fixture's calls carry the
 * server's `Origin`, as a browser's form posts do, because the server rejects state-changing
 * requests that come from another origin.
 *
 * The leak scan reads every page and server function response of the test's browser context,
 * headers and bodies, and fails the test when one contains a known secret in plaintext,
 * URL-encoded or base64. Contexts that a test opens itself are not covered; the specs that use
 * them capture their responses with `captureResponses`.
 */
export const test = base.extend<{ leakScan: void }>({
  request: async ({ playwright, baseURL }, use) => {
    const request = await playwright.request.newContext({
      baseURL,
      storageState: ADMIN_STORAGE_STATE,
      extraHTTPHeaders: { Origin: baseURL! },
    });
    await use(request);
    await request.dispose();
  },
  leakScan: [
    async ({ context }, use) => {
      const pending: Promise<CapturedResponse>[] = [];
      context.on('response', (response) => {
        const kind = responseKind(response);
        if (kind !== null) {
          pending.push(readResponse(response, kind));
        }
      });
      await use();
      for (const response of await Promise.all(pending)) {
        for (const secret of ALL_SECRETS) {
          for (const form of secretForms(secret)) {
            const where = `${response.kind} ${response.url}`;
            expect(response.headers, `${where} headers contain the ${form.name} secret`).not.toContain(form.text);
            expect(response.body ?? '', `${where} body contains the ${form.name} secret`).not.toContain(form.text);
          }
        }
      }
    },
    { auto: true },
  ],
});

/** Encodings under which a leaked secret would still be readable. */
export function secretForms(secret: string): { name: string; text: string }[] {
  return [
    { name: 'plaintext', text: secret },
    { name: 'URL-encoded', text: encodeURIComponent(secret) },
    { name: 'base64', text: Buffer.from(secret).toString('base64') },
  ];
}

/**
 * Deletes the organization's keys so that a test starts from "not configured". The server
 * returns 404 when there is nothing to delete, which counts as success here.
 */
export async function resetKeys(request: APIRequestContext): Promise<void> {
  const response = await request.post('/api/keys/delete');
  expect([200, 404], `POST /api/keys/delete returned ${response.status()}`).toContain(response.status());
}

/** Saves a key pair through the server function, the way the WASM client calls it. */
export async function saveKeysViaApi(
  request: APIRequestContext,
  accessKey = ACCESS_KEY,
  accessSecret = ACCESS_SECRET,
): Promise<void> {
  const response = await request.post('/api/keys/save', {
    form: { access_key: accessKey, access_secret: accessSecret },
  });
  expect(response.status(), await response.text()).toBe(200);
}

/** Opens a path and waits until the WASM client has hydrated the page. */
export async function gotoHydrated(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await waitForHydration(page);
}

/** Waits for `<body data-hydrated>`, which the hydrate entry sets once the page is live. */
export async function waitForHydration(page: Page): Promise<void> {
  // Compiling the WASM bundle can take several seconds when the two-core test machine is busy.
  await expect(page.locator('body[data-hydrated]'), `${page.url()} hydrated`).toHaveCount(1, { timeout: 15_000 });
}

/** Returns the throwaway data directory of the test server (guardian.db and master.key). */
export function dataDir(): string {
  const file = join(TEST_FILES_DIR, 'data-dir');
  expect(existsSync(file), `${file} is missing; serve-test.sh writes it at startup`).toBe(true);
  return readFileSync(file, 'utf8').trim();
}

/** Returns the SQLite files of the test server: the database, its write-ahead log and its shared memory. */
export function databaseFiles(): string[] {
  const dir = dataDir();
  return ['guardian.db', 'guardian.db-wal', 'guardian.db-shm'].map((name) => join(dir, name));
}

/** Fills both fields of the key form on the current page. */
export async function fillKeyForm(page: Page, accessKey: string, accessSecret: string): Promise<void> {
  await page.getByLabel('Access Key', { exact: true }).fill(accessKey);
  await page.getByLabel('Access Secret', { exact: true }).fill(accessSecret);
}

/**
 * Records every request to the key-storing server functions. Call it before the page loads, then
 * check `requests` after the interactions.
 */
export function recordStoreRequests(page: Page): { requests: string[] } {
  const recorded = { requests: [] as string[] };
  page.on('request', (request: Request) => {
    const path = new URL(request.url()).pathname;
    if (STORE_KEY_PATHS.includes(path)) {
      recorded.requests.push(`${request.method()} ${path}`);
    }
  });
  return recorded;
}

/**
 * The connection check, which the server limits to 10 requests a minute per organization and
 * rejects with 429 beyond that. Pages start a check by themselves (the onboarding Done page, and
 * the API Keys page after a save), and other specs run many, so its 429 is expected here.
 */
const RATE_LIMITED_PATH = '/api/keys/test';

function isRateLimitedCheck(url: string, status: number | undefined): boolean {
  return status === 429 && url !== '' && new URL(url).pathname === RATE_LIMITED_PATH;
}

/**
 * Collects console errors, uncaught page errors and HTTP error responses, except the connection
 * check's 429 (see RATE_LIMITED_PATH). Call it before the page loads.
 */
export function recordPageErrors(page: Page): { errors: string[] } {
  const recorded = { errors: [] as string[] };
  page.on('console', (message) => {
    if (message.type() !== 'error') {
      return;
    }
    const source = message.location().url;
    if (message.text().includes('status of 429') && isRateLimitedCheck(source, 429)) {
      return;
    }
    recorded.errors.push(`console error on ${page.url()} from ${source || 'unknown source'}: ${message.text()}`);
  });
  page.on('pageerror', (error) => {
    recorded.errors.push(`page error on ${page.url()}: ${error.message}`);
  });
  // Console messages about failed loads do not name the resource, so record the failed responses too.
  page.on('response', (response) => {
    if (response.status() >= 400 && !isRateLimitedCheck(response.url(), response.status())) {
      recorded.errors.push(`HTTP ${response.status()} for ${response.request().method()} ${response.url()} on ${page.url()}`);
    }
  });
  return recorded;
}

/** One HTTP response that a leak check read: the HTML of a navigation or a server function result. */
export interface CapturedResponse {
  url: string;
  status: number;
  kind: 'document' | 'server function';
  /** The body, or null when the browser discarded it before it could be read. */
  body: string | null;
  headers: string;
}

/** Time to wait for a response body before treating it as discarded by a later navigation. */
const BODY_READ_TIMEOUT_MS = 5_000;

/**
 * Captures the HTML of every navigation and the body of every server function response of a
 * page, so a test can check that no secret appears in them. Call it before the page loads and
 * await `responses()` after the interactions.
 */
export function captureResponses(page: Page): { responses: () => Promise<CapturedResponse[]> } {
  const pending: Promise<CapturedResponse>[] = [];
  page.on('response', (response: Response) => {
    const kind = responseKind(response);
    if (kind !== null) {
      pending.push(readResponse(response, kind));
    }
  });
  return { responses: () => Promise.all(pending) };
}

/** Names a page or server function response; other responses (scripts, styles) give null. */
function responseKind(response: Response): CapturedResponse['kind'] | null {
  if (response.request().resourceType() === 'document') {
    return 'document';
  }
  return new URL(response.url()).pathname.startsWith('/api/') ? 'server function' : null;
}

async function readResponse(response: Response, kind: CapturedResponse['kind']): Promise<CapturedResponse> {
  const headers = JSON.stringify(await response.allHeaders());
  // Redirects have no body that the browser keeps; their Location header is still checked.
  const isRedirect = response.status() >= 300 && response.status() < 400;
  const body = isRedirect ? '' : await readBody(response);
  return { url: response.url(), status: response.status(), kind, body, headers };
}

/**
 * Returns the body, or null when the browser discards it first: a fetch still running when the
 * page navigates (a reload right after a save) loses its body, and reading it then either
 * fails or never settles.
 */
async function readBody(response: Response): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const discarded = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), BODY_READ_TIMEOUT_MS);
  });
  try {
    return await Promise.race([response.text().catch(() => null), discarded]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Asserts that none of the captured responses contains any of the secrets, and that every page's
 * HTML and every key-storing server function result was read. Other server function bodies
 * that the browser discarded are skipped.
 */
export function expectNoSecretIn(responses: CapturedResponse[], secrets: string[] = ALL_SECRETS): void {
  for (const response of responses) {
    const path = new URL(response.url).pathname;
    if (response.kind === 'document' || STORE_KEY_PATHS.includes(path)) {
      expect(response.body, `${response.kind} ${response.url} body was read`).not.toBeNull();
    }
    for (const secret of secrets) {
      expect(response.headers, `${response.kind} ${response.url} headers contain a secret`).not.toContain(secret);
      if (response.body === null) {
        continue;
      }
      expect(response.body, `${response.kind} ${response.url} body contains a secret`).not.toContain(secret);
      expect(response.body, `${response.kind} ${response.url} body contains a URL-encoded secret`).not.toContain(
        encodeURIComponent(secret),
      );
    }
  }
}

/**
 * Presses Tab (or Shift+Tab) until `target` has the keyboard focus, and fails after `maxPresses`.
 * Tests use it instead of counting tab stops, so adding a link to the header does not break them.
 */
export async function tabTo(page: Page, target: Locator, options: { backwards?: boolean; maxPresses?: number } = {}) {
  const key = options.backwards ? 'Shift+Tab' : 'Tab';
  const maxPresses = options.maxPresses ?? 30;
  for (let presses = 0; presses < maxPresses; presses += 1) {
    if (await target.evaluate((element) => element === document.activeElement)) {
      return;
    }
    await page.keyboard.press(key);
  }
  await expect(target, `not reached with ${maxPresses} presses of ${key}`).toBeFocused({ timeout: 1 });
}
