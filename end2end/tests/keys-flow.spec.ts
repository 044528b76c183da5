// Saving, replacing and deleting the Bedrock keys with JavaScript on.

import type { Page } from '@playwright/test';
import {
  expect,
  test,
  ACCESS_KEY,
  ACCESS_SECRET,
  DEFAULT_CREDENTIALS_TEXT,
  NEW_ACCESS_KEY,
  NEW_ACCESS_SECRET,
  SETTINGS_PATH,
  UTC_TIME,
  fillKeyForm,
  gotoHydrated,
  resetKeys,
  saveKeysViaApi,
  SAVED_KEY_ID,
  waitForHydration,
} from '../helpers';

test.beforeEach(async ({ request }) => {
  await resetKeys(request);
});

/** Returns the "Saved" time that the page shows, parsed as milliseconds since the epoch. */
async function savedTime(page: Page): Promise<number> {
  const text = (await page.locator('.saved-keys time').textContent()) ?? '';
  expect(text).toMatch(UTC_TIME);
  return Date.parse(text.replace(' UTC', ':00Z').replace(' ', 'T'));
}

test('onboarding save shows key ID', async ({ page }) => {
  await gotoHydrated(page, '/onboarding');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Set up Guardian');
  await page.getByRole('link', { name: 'Get started' }).click();

  await expect(page).toHaveURL('/onboarding/access-keys');
  await waitForHydration(page);
  await expect(page.getByLabel('Access Secret', { exact: true })).toHaveAttribute('type', 'password');
  await expect(page.getByRole('button', { name: 'Use default credentials' })).toBeVisible();
  await fillKeyForm(page, ACCESS_KEY, ACCESS_SECRET);
  const before = Date.now();
  await page.getByRole('button', { name: 'Save' }).click();

  await expect(page).toHaveURL('/onboarding/done');
  await expect(page.getByRole('region', { name: 'AWS Bedrock credentials' })).toContainText(ACCESS_KEY);
  await expect(page.locator('body')).not.toContainText(ACCESS_SECRET);
  const settingsLink = page.getByRole('link', { name: 'Go to API Keys settings' });
  await expect(settingsLink).toHaveAttribute('href', SETTINGS_PATH);
  await settingsLink.click();

  await expect(page).toHaveURL(SETTINGS_PATH);
  await expect(page.getByRole('heading', { name: 'AWS Bedrock Access Credentials' })).toBeVisible();
  await expect(page.locator(SAVED_KEY_ID)).toHaveText(ACCESS_KEY);
  await expect(page.getByRole('button', { name: 'Replace' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Delete', exact: true })).toBeVisible();
  await expect(page.getByText(DEFAULT_CREDENTIALS_TEXT)).toHaveCount(0);
  const saved = await savedTime(page);
  // The page shows minutes, so the saved time is at most a minute before the click.
  expect(saved).toBeGreaterThanOrEqual(before - 60_000);
  expect(saved).toBeLessThanOrEqual(Date.now());

  expect(await page.content()).not.toContain(ACCESS_SECRET);
  await page.reload();
  await waitForHydration(page);
  await expect(page.locator(SAVED_KEY_ID)).toHaveText(ACCESS_KEY);
  expect(await page.content()).not.toContain(ACCESS_SECRET);
});

test('onboarding default credentials choice', async ({ page }) => {
  await gotoHydrated(page, '/onboarding/access-keys');
  await page.getByRole('button', { name: 'Use default credentials' }).click();

  await expect(page).toHaveURL('/onboarding/done');
  const summary = page.getByRole('region', { name: 'AWS Bedrock credentials' });
  await expect(summary).toContainText('default credentials');
  await expect(summary.locator('code.key-id')).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Go to API Keys settings' })).toHaveAttribute('href', SETTINGS_PATH);
});

test('settings page saves first keys', async ({ page }) => {
  await gotoHydrated(page, SETTINGS_PATH);
  await expect(page.getByText(DEFAULT_CREDENTIALS_TEXT)).toBeVisible();
  await fillKeyForm(page, ACCESS_KEY, ACCESS_SECRET);
  await page.getByRole('button', { name: 'Save' }).click();

  await expect(page.locator(SAVED_KEY_ID)).toHaveText(ACCESS_KEY);
  await expect(page.getByText('Keys saved.')).toBeVisible();
  await expect(page.getByText(DEFAULT_CREDENTIALS_TEXT)).toHaveCount(0);
  expect(await page.content()).not.toContain(ACCESS_SECRET);
});

test('replace swaps key ID', async ({ page, request }) => {
  await saveKeysViaApi(request);
  await gotoHydrated(page, SETTINGS_PATH);
  await expect(page.locator(SAVED_KEY_ID)).toHaveText(ACCESS_KEY);

  await page.getByRole('button', { name: 'Replace' }).click();
  await expect(page.getByRole('heading', { name: 'Replace the saved keys' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Cancel' })).toBeVisible();
  await fillKeyForm(page, NEW_ACCESS_KEY, NEW_ACCESS_SECRET);
  await page.getByRole('button', { name: 'Save' }).click();

  await expect(page.locator(SAVED_KEY_ID)).toHaveText(NEW_ACCESS_KEY);
  await expect(page.locator('.saved-keys')).not.toContainText(ACCESS_KEY);
  // The notice names the old key so the admin can deactivate it in IAM.
  await expect(page.getByText('Keys replaced.')).toContainText(ACCESS_KEY);
  await expect(page.getByRole('heading', { name: 'Replace the saved keys' })).toHaveCount(0);
  const content = await page.content();
  expect(content).not.toContain(NEW_ACCESS_SECRET);
  expect(content).not.toContain(ACCESS_SECRET);

  await page.reload();
  await waitForHydration(page);
  await expect(page.locator(SAVED_KEY_ID)).toHaveText(NEW_ACCESS_KEY);
  await expect(page.locator('.saved-keys')).not.toContainText(ACCESS_KEY);
});

test('replace cancel keeps keys', async ({ page, request }) => {
  await saveKeysViaApi(request);
  await gotoHydrated(page, SETTINGS_PATH);

  await page.getByRole('button', { name: 'Replace' }).click();
  await fillKeyForm(page, NEW_ACCESS_KEY, NEW_ACCESS_SECRET);
  await page.getByRole('link', { name: 'Cancel' }).click();

  await expect(page.getByRole('heading', { name: 'Replace the saved keys' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Replace' })).toBeVisible();
  await expect(page.locator(SAVED_KEY_ID)).toHaveText(ACCESS_KEY);
  await page.reload();
  await waitForHydration(page);
  await expect(page.locator(SAVED_KEY_ID)).toHaveText(ACCESS_KEY);
});

test('delete dialog cancel keeps keys', async ({ page, request }) => {
  await saveKeysViaApi(request);
  await gotoHydrated(page, SETTINGS_PATH);

  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete the saved keys?' });
  await expect(dialog).toBeVisible();
  await expect(page.locator('dialog')).toHaveJSProperty('open', true);
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  await expect(dialog).toBeHidden();
  await expect(page.locator(SAVED_KEY_ID)).toHaveText(ACCESS_KEY);
  await expect(page).toHaveURL(SETTINGS_PATH);
  await page.reload();
  await waitForHydration(page);
  await expect(page.locator(SAVED_KEY_ID)).toHaveText(ACCESS_KEY);
});

test('delete dialog confirm removes keys', async ({ page, request }) => {
  await saveKeysViaApi(request);
  await gotoHydrated(page, SETTINGS_PATH);

  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete the saved keys?' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Delete keys' }).click();

  await expect(dialog).toBeHidden();
  await expect(page.getByText(DEFAULT_CREDENTIALS_TEXT)).toBeVisible();
  await expect(page.getByText('Keys deleted.')).toBeVisible();
  await expect(page.locator('.saved-keys')).toHaveCount(0);
  await expect(page.getByLabel('Access Key', { exact: true })).toBeVisible();

  await page.reload();
  await waitForHydration(page);
  await expect(page.getByText(DEFAULT_CREDENTIALS_TEXT)).toBeVisible();
  await expect(page.locator('.saved-keys')).toHaveCount(0);
});

test('delete confirmation page removes keys', async ({ page, request }) => {
  await saveKeysViaApi(request);
  await gotoHydrated(page, '/settings/ai/api-keys/delete');
  await expect(page.getByText(ACCESS_KEY, { exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Delete keys' }).click();

  await expect(page).toHaveURL(new RegExp(`${SETTINGS_PATH}\\?deleted=`));
  await expect(page.getByText(DEFAULT_CREDENTIALS_TEXT)).toBeVisible();
  await expect(page.locator('.saved-keys')).toHaveCount(0);
});
