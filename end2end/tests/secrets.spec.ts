// The secret access key goes from the form to the sealed column and nowhere else: not into a
// page, a server function response, the server log or the SQLite files in plaintext.

import { existsSync, readFileSync } from 'node:fs';
import type { Browser, Page } from '@playwright/test';
import {
  expect,
  test,
  ACCESS_KEY,
  ACCESS_SECRET,
  ALL_SECRETS,
  NEW_ACCESS_KEY,
  NEW_ACCESS_SECRET,
  SERVER_LOG,
  SETTINGS_PATH,
  captureResponses,
  databaseFiles,
  expectNoSecretIn,
  fillKeyForm,
  gotoHydrated,
  resetKeys,
  secretForms,
  waitForHydration,
  SAVED_KEY_ID,
} from '../helpers';
import { ADMIN_STORAGE_STATE } from '../test-env';

/** Runs the whole key lifecycle with JavaScript on, including invalid input that contains a secret. */
async function runFlowWithJavaScript(page: Page): Promise<void> {
  await gotoHydrated(page, '/onboarding/access-keys');
  // The secret typed into the Access Key field is rejected in the browser.
  await fillKeyForm(page, ACCESS_SECRET, ACCESS_KEY);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByLabel('Access Key', { exact: true })).toHaveAttribute('aria-invalid', 'true');

  await fillKeyForm(page, ACCESS_KEY, ACCESS_SECRET);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL('/onboarding/done');
  await expect(page.getByText(ACCESS_KEY, { exact: true })).toBeVisible();

  await gotoHydrated(page, SETTINGS_PATH);
  await page.getByRole('button', { name: 'Replace' }).click();
  await fillKeyForm(page, NEW_ACCESS_KEY, NEW_ACCESS_SECRET);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator(SAVED_KEY_ID)).toHaveText(NEW_ACCESS_KEY);

  await page.reload();
  await waitForHydration(page);
  await gotoHydrated(page, `${SETTINGS_PATH}/audit`);
  await expect(page.getByText(NEW_ACCESS_KEY).first()).toBeVisible();
  await gotoHydrated(page, `${SETTINGS_PATH}/delete`);
  await expect(page.getByText(NEW_ACCESS_KEY, { exact: true })).toBeVisible();
}

/** Runs save, a rejected save and replace with JavaScript off, where every step is a form post. */
async function runFlowWithoutJavaScript(browser: Browser, baseURL: string): Promise<void> {
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL, storageState: ADMIN_STORAGE_STATE });
  const page = await context.newPage();
  const capture = captureResponses(page);

  await page.goto('/onboarding/access-keys');
  await fillKeyForm(page, ACCESS_SECRET, ACCESS_KEY);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByLabel('Access Key', { exact: true })).toHaveAttribute('aria-invalid', 'true');

  await fillKeyForm(page, ACCESS_KEY, ACCESS_SECRET);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText(ACCESS_KEY, { exact: true })).toBeVisible();

  await page.goto(`${SETTINGS_PATH}?replace=1`);
  await fillKeyForm(page, NEW_ACCESS_KEY, NEW_ACCESS_SECRET);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator(SAVED_KEY_ID)).toHaveText(NEW_ACCESS_KEY);

  const responses = await capture.responses();
  expect(responses.filter((response) => response.kind === 'document').length).toBeGreaterThanOrEqual(4);
  expectNoSecretIn(responses);
  await context.close();
}

test.beforeEach(async ({ request }) => {
  await resetKeys(request);
});

test('pages and responses never contain secret', async ({ page }) => {
  const capture = captureResponses(page);
  await runFlowWithJavaScript(page);

  const responses = await capture.responses();
  const serverFunctions = responses.filter((response) => response.kind === 'server function');
  expect(serverFunctions.map((response) => new URL(response.url).pathname)).toEqual(
    expect.arrayContaining(['/api/keys/save', '/api/keys/replace']),
  );
  expect(responses.filter((response) => response.kind === 'document').length).toBeGreaterThanOrEqual(4);
  expectNoSecretIn(responses);
});

test('form posts never return secret', async ({ browser, baseURL }) => {
  await runFlowWithoutJavaScript(browser, baseURL!);
});

test('server log never contains secret', async ({ page, request, browser, baseURL }) => {
  await runFlowWithJavaScript(page);
  await resetKeys(request);
  await runFlowWithoutJavaScript(browser, baseURL!);

  // The stored-keys line proves that the log being read is the live server's.
  await expect
    .poll(() => readFileSync(SERVER_LOG, 'utf8'), { message: `${SERVER_LOG} records the saves` })
    .toContain(NEW_ACCESS_KEY);
  const log = readFileSync(SERVER_LOG, 'utf8');
  for (const secret of ALL_SECRETS) {
    for (const form of secretForms(secret)) {
      expect(log, `server log contains the ${form.name} secret`).not.toContain(form.text);
    }
  }
});

test('database files never contain secret', async ({ page, request, browser, baseURL }) => {
  await runFlowWithJavaScript(page);
  await resetKeys(request);
  await runFlowWithoutJavaScript(browser, baseURL!);

  const files = databaseFiles().filter((file) => existsSync(file));
  expect(files.map((file) => file.split('/').pop())).toContain('guardian.db');
  const contents = files.map((file) => ({ file, bytes: readFileSync(file) }));
  // The access key ID is stored in plaintext, so finding it shows that the files hold the rows.
  expect(
    contents.some(({ bytes }) => bytes.includes(NEW_ACCESS_KEY)),
    'the database files contain the saved access key ID',
  ).toBe(true);
  for (const { file, bytes } of contents) {
    for (const secret of ALL_SECRETS) {
      for (const form of secretForms(secret)) {
        expect(bytes.includes(form.text), `${file} contains the ${form.name} secret`).toBe(false);
      }
    }
  }
});
