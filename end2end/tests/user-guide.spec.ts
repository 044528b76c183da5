// Walks through the user guide (docs/user-guide.md) in the real app and takes its screenshots:
// onboarding, a field error, the saved keys with a passing check, a replace whose check fails,
// the delete confirmation and the audit trail. Each step checks what the screenshot must show.
//
// The screenshots go to test-results/user-guide/. To refresh the guide's copies, run the suite
// with GUARDIAN_SCREENSHOTS_DIR pointing at docs/images (the README shows the command).

import { join, resolve } from 'node:path';
import type { APIRequestContext, Page } from '@playwright/test';
import {
  expect,
  test,
  ACCESS_KEY,
  ACCESS_SECRET,
  NEW_ACCESS_KEY,
  NEW_ACCESS_SECRET,
  SAVED_KEY_ID,
  SETTINGS_PATH,
  fillKeyForm,
  gotoHydrated,
  resetKeys,
  waitForHydration,
} from '../helpers';

const SCREENSHOTS_DIR = resolve(process.env.GUARDIAN_SCREENSHOTS_DIR ?? 'test-results/user-guide');

/** The connection check's limit: requests per organization and minute. */
const CHECKS_PER_MINUTE = 10;

async function screenshot(page: Page, name: string): Promise<void> {
  // The text cursor blinks, so without this it appears in some pictures and not in others.
  await page.screenshot({ path: join(SCREENSHOTS_DIR, name), fullPage: true, caret: 'hide', animations: 'disabled' });
}

/**
 * Waits until the organization has its full budget of connection checks. Other specs use
 * checks up, and this walkthrough needs two that really reach the fake Bedrock. The window is
 * fixed, so the budget is known only at its start: use the rest of it, then wait it out.
 */
async function waitForCheckBudget(request: APIRequestContext): Promise<void> {
  for (let attempt = 0; attempt <= CHECKS_PER_MINUTE; attempt++) {
    const response = await request.post('/api/keys/test');
    const body = await response.text();
    if (response.status() === 429) {
      const wait = /Wait (\d+) seconds/.exec(body);
      expect(wait, `the 429 message names the wait: ${body}`).not.toBeNull();
      await new Promise((done) => setTimeout(done, (Number(wait![1]) + 1) * 1000));
      return;
    }
    expect(response.status(), body).toBe(200);
  }
  throw new Error(`${CHECKS_PER_MINUTE + 1} connection checks in a row were not limited`);
}

test('user guide walkthrough', async ({ page, request }) => {
  // Up to one rate-limit window of waiting, plus the walkthrough.
  test.setTimeout(150_000);
  await resetKeys(request);
  await waitForCheckBudget(request);

  await gotoHydrated(page, '/onboarding');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Set up Guardian');
  await screenshot(page, 'onboarding-welcome.png');

  await page.getByRole('link', { name: 'Get started' }).click();
  await expect(page).toHaveURL('/onboarding/access-keys');
  await waitForHydration(page);
  await page.getByLabel('Access Key', { exact: true }).fill('ASIAIOSFODNN7EXAMPLE');
  await page.getByLabel('Access Secret', { exact: true }).focus();
  await expect(page.getByText('This is a temporary access key (starting with ASIA)')).toBeVisible();
  await screenshot(page, 'field-error.png');

  await fillKeyForm(page, ACCESS_KEY, ACCESS_SECRET);
  await expect(page.getByLabel('Access Secret', { exact: true })).toHaveAttribute('type', 'password');
  await screenshot(page, 'onboarding-access-keys.png');

  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL('/onboarding/done');
  await expect(page.locator('.connection-check .alert')).toContainText('Connected', { timeout: 20_000 });
  await screenshot(page, 'onboarding-done.png');

  await gotoHydrated(page, SETTINGS_PATH);
  await expect(page.locator(SAVED_KEY_ID)).toHaveText(ACCESS_KEY);
  await expect(page.locator('.connection-check .alert')).toContainText('Connected');
  await screenshot(page, 'api-keys.png');

  await page.getByRole('button', { name: 'Replace' }).click();
  await expect(page.getByRole('heading', { name: 'Replace the saved keys' })).toBeVisible();
  await fillKeyForm(page, NEW_ACCESS_KEY, NEW_ACCESS_SECRET);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator(SAVED_KEY_ID)).toHaveText(NEW_ACCESS_KEY);
  await expect(page.getByText(`deactivate and then delete the old access key ${ACCESS_KEY}`)).toBeVisible();
  await expect(page.locator('.connection-check .alert-error')).toContainText('bedrock:InvokeModel', { timeout: 20_000 });
  await screenshot(page, 'api-keys-replaced.png');

  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete the saved keys?' });
  await expect(dialog).toBeVisible();
  await screenshot(page, 'delete-confirmation.png');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();

  await page.getByRole('link', { name: 'Full audit trail' }).click();
  await expect(page).toHaveURL(/\/settings\/ai\/api-keys\/audit/);
  await expect(page.locator('table')).toContainText(NEW_ACCESS_KEY);
  await screenshot(page, 'audit-trail.png');

  expect(await page.content()).not.toContain(ACCESS_SECRET);
  expect(await page.content()).not.toContain(NEW_ACCESS_SECRET);
});
