// Every page hydrates without console errors or uncaught exceptions, in each key state.

import type { Page } from '@playwright/test';
import {
  expect,
  test,
  ACCESS_KEY,
  DELETE_PATH,
  ONBOARDING_PATHS,
  SETTINGS_PATH,
  fillKeyForm,
  gotoHydrated,
  recordPageErrors,
  resetKeys,
  saveKeysViaApi,
  SAVED_KEY_ID,
} from '../helpers';

const PAGES = [...ONBOARDING_PATHS, SETTINGS_PATH, `${SETTINGS_PATH}?replace=1`, DELETE_PATH];

/** Loads each page, waits for hydration and for the page's data, and returns what went wrong. */
async function visitAll(page: Page): Promise<string[]> {
  const recorded = recordPageErrors(page);
  for (const path of PAGES) {
    await gotoHydrated(page, path);
    await expect(page.getByText('Loading…')).toHaveCount(0);
  }
  return recorded.errors;
}

test.beforeEach(async ({ request }) => {
  await resetKeys(request);
});

test('pages without keys log no errors', async ({ page }) => {
  expect(await visitAll(page)).toEqual([]);
});

test('pages with keys log no errors', async ({ page, request }) => {
  await saveKeysViaApi(request);
  expect(await visitAll(page)).toEqual([]);
});

test('interactions log no errors', async ({ page, request }) => {
  const recorded = recordPageErrors(page);
  await gotoHydrated(page, '/onboarding/access-keys');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByLabel('Access Key', { exact: true })).toHaveAttribute('aria-invalid', 'true');

  await saveKeysViaApi(request);
  await gotoHydrated(page, SETTINGS_PATH);
  await page.getByRole('button', { name: 'Replace' }).click();
  await fillKeyForm(page, 'ASIAIOSFODNN7EXAMPLE', '');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByLabel('Access Key', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await page.getByRole('link', { name: 'Cancel' }).click();

  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('dialog')).toBeHidden();
  await expect(page.locator(SAVED_KEY_ID)).toHaveText(ACCESS_KEY);

  expect(recorded.errors).toEqual([]);
});
