// axe-core scans of every page and state, with all of axe's default rules (WCAG A and AA, and
// best practices).

import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import {
  expect,
  test,
  ACCESS_KEY,
  DELETE_PATH,
  SETTINGS_PATH,
  fillKeyForm,
  gotoHydrated,
  resetKeys,
  saveKeysViaApi,
  SAVED_KEY_ID,
  SIGNED_OUT,
} from '../helpers';

/** Scans the page and asserts no violations, listing each with its rule and elements. */
async function expectNoViolations(page: Page): Promise<void> {
  await expect(page.getByText('Loading…')).toHaveCount(0);
  const results = await new AxeBuilder({ page }).analyze();
  const violations = results.violations.map(
    (violation) =>
      `${violation.id} (${violation.impact}): ${violation.help}; ` +
      violation.nodes.map((node) => `${node.target.join(' ')} ${node.failureSummary ?? ''}`).join(' | '),
  );
  expect(violations, `axe violations on ${page.url()}`).toEqual([]);
}

test.beforeEach(async ({ request }) => {
  await resetKeys(request);
});

test('onboarding welcome', async ({ page }) => {
  await gotoHydrated(page, '/onboarding');
  await expectNoViolations(page);
});

test('onboarding access keys', async ({ page }) => {
  await gotoHydrated(page, '/onboarding/access-keys');
  await expectNoViolations(page);
});

test('onboarding access keys with errors', async ({ page }) => {
  await gotoHydrated(page, '/onboarding/access-keys');
  await fillKeyForm(page, 'ASIAIOSFODNN7EXAMPLE', 'short');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByLabel('Access Key', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expectNoViolations(page);
});

test('onboarding access keys when configured', async ({ page, request }) => {
  await saveKeysViaApi(request);
  await gotoHydrated(page, '/onboarding/access-keys');
  await expect(page.getByText(ACCESS_KEY, { exact: true })).toBeVisible();
  await expectNoViolations(page);
});

test('onboarding done with keys', async ({ page, request }) => {
  await saveKeysViaApi(request);
  await gotoHydrated(page, '/onboarding/done');
  await expect(page.getByText(ACCESS_KEY, { exact: true })).toBeVisible();
  await expectNoViolations(page);
});

test('onboarding done with default credentials', async ({ page }) => {
  await gotoHydrated(page, '/onboarding/done');
  await expect(page.getByRole('region', { name: 'AWS Bedrock credentials' })).toContainText('default credentials');
  await expectNoViolations(page);
});

test('settings not configured', async ({ page }) => {
  await gotoHydrated(page, SETTINGS_PATH);
  await expect(page.getByText('Guardian is using the default credentials')).toBeVisible();
  await expectNoViolations(page);
});

test('settings with field errors', async ({ page }) => {
  await gotoHydrated(page, SETTINGS_PATH);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByLabel('Access Key', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Access Secret', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expectNoViolations(page);
});

test('settings configured', async ({ page, request }) => {
  await saveKeysViaApi(request);
  await gotoHydrated(page, SETTINGS_PATH);
  await expect(page.locator(SAVED_KEY_ID)).toHaveText(ACCESS_KEY);
  await expectNoViolations(page);
});

test('settings after save notice', async ({ page, request }) => {
  await saveKeysViaApi(request);
  await gotoHydrated(page, `${SETTINGS_PATH}?saved=1`);
  await expect(page.getByText('Keys saved.')).toBeVisible();
  await expectNoViolations(page);
});

test('settings replacing', async ({ page, request }) => {
  await saveKeysViaApi(request);
  await gotoHydrated(page, SETTINGS_PATH);
  await page.getByRole('button', { name: 'Replace' }).click();
  await expect(page.getByRole('heading', { name: 'Replace the saved keys' })).toBeVisible();
  await expectNoViolations(page);
});

test('settings replacing with errors', async ({ page, request }) => {
  await saveKeysViaApi(request);
  await gotoHydrated(page, SETTINGS_PATH);
  await page.getByRole('button', { name: 'Replace' }).click();
  await fillKeyForm(page, 'AIDAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG-bPxRfiCYEXAMPLEKEY');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByLabel('Access Secret', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expectNoViolations(page);
});

test('settings delete dialog open', async ({ page, request }) => {
  await saveKeysViaApi(request);
  await gotoHydrated(page, SETTINGS_PATH);
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  await expectNoViolations(page);
});

test('settings after delete notice', async ({ page }) => {
  await gotoHydrated(page, `${SETTINGS_PATH}?deleted=${ACCESS_KEY}`);
  await expect(page.getByText('Keys deleted.')).toBeVisible();
  await expectNoViolations(page);
});

test('delete confirmation page', async ({ page, request }) => {
  await saveKeysViaApi(request);
  await gotoHydrated(page, DELETE_PATH);
  await expect(page.getByRole('button', { name: 'Delete keys' })).toBeVisible();
  await expectNoViolations(page);
});

test('page not found', async ({ page }) => {
  const response = await page.goto('/no-such-page');
  expect(response?.status()).toBe(404);
  await expectNoViolations(page);
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('settings with server field errors', async ({ page }) => {
    await page.goto(SETTINGS_PATH);
    await page.getByRole('button', { name: 'Save' }).click();

    for (const label of ['Access Key', 'Access Secret']) {
      const field = page.getByLabel(label, { exact: true });
      await expect(field).toHaveAttribute('aria-invalid', 'true');
      const describedBy = (await field.getAttribute('aria-describedby')) ?? '';
      const errorId = describedBy.split(' ').find((id) => id.endsWith('-error'));
      await expect(page.locator(`#${errorId}`)).not.toBeEmpty();
    }
    // NOTE: axe-core's scan never returns with JavaScript off (it hangs in frame.evaluate), so
    // "server field errors without WASM" below scans the same server-rendered HTML instead.
  });
});

test.describe('without WASM', () => {
  // The browser runs scripts, so axe-core works, but the app's bundle never loads. The page stays
  // the server-rendered HTML that a browser without JavaScript shows, and its forms post natively.
  test.beforeEach(async ({ page }) => {
    await page.route('**/pkg/*.{js,wasm}', (route) => route.abort());
  });

  test('server field errors without WASM', async ({ page }) => {
    await page.goto(SETTINGS_PATH);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.locator('#access-key-error')).toContainText('Enter the Access Key');
    await expect(page.locator('body[data-hydrated]')).toHaveCount(0);
    await expectNoViolations(page);
  });

  test('delete confirmation without WASM', async ({ page, request }) => {
    await saveKeysViaApi(request);
    await page.goto(SETTINGS_PATH);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Delete the saved AWS Bedrock keys?' })).toBeVisible();
    await expect(page.locator('body[data-hydrated]')).toHaveCount(0);
    await expectNoViolations(page);
  });
});

test.describe('signed out', () => {
  test.use({ storageState: SIGNED_OUT });

  test('sign-in page', async ({ page }) => {
    await gotoHydrated(page, '/login');
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await expectNoViolations(page);
  });
});
