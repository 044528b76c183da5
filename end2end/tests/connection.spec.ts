// Test connection against the fake Bedrock that playwright.config.ts starts on 127.0.0.1, and
// Guardian's answers on /guardian. The fake's key table is end2end/fake-bedrock.json.

import {
  expect,
  test,
  ACCESS_KEY,
  ACCESS_SECRET,
  NEW_ACCESS_KEY,
  NEW_ACCESS_SECRET,
  SETTINGS_PATH,
  gotoHydrated,
  resetKeys,
  saveKeysViaApi,
} from '../helpers';

/** A syntactically valid key that the fake does not know. */
const UNKNOWN_KEY = 'AKIAZZZZZZZZZZZZ0001';
const UNKNOWN_SECRET = 'Unknown00000000000000000000000000000000x';

test.beforeEach(async ({ request }) => {
  await resetKeys(request);
});

test('test connection reports success', async ({ page, request }) => {
  await saveKeysViaApi(request, ACCESS_KEY, ACCESS_SECRET);
  await gotoHydrated(page, SETTINGS_PATH);

  await page.getByRole('button', { name: 'Test connection' }).click();

  const result = page.locator('.connection-check .alert');
  await expect(result).toContainText('Connected', { timeout: 20_000 });
  await expect(result).toContainText(`your AWS keys (${ACCESS_KEY})`);
  await expect(result).toContainText('responded in us-east-1');
});

test('delete clears the connection result', async ({ page, request }) => {
  await saveKeysViaApi(request, ACCESS_KEY, ACCESS_SECRET);
  await gotoHydrated(page, SETTINGS_PATH);
  const check = page.locator('.connection-check');
  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(check.locator('.alert')).toContainText('Connected', { timeout: 20_000 });

  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete keys' }).click();

  await expect(page.getByText('Guardian is using the default credentials.')).toBeVisible();
  await expect(check).toContainText('Not checked yet.');
  await expect(check).not.toContainText('Connected');
  await page.reload();
  await expect(check).toContainText('Not checked yet.');
});

test('missing invoke permission names the IAM user', async ({ page, request }) => {
  await saveKeysViaApi(request, NEW_ACCESS_KEY, NEW_ACCESS_SECRET);
  await gotoHydrated(page, SETTINGS_PATH);

  await page.getByRole('button', { name: 'Test connection' }).click();

  const result = page.locator('.connection-check .alert-error');
  await expect(result).toContainText('Connection failed', { timeout: 20_000 });
  await expect(result).toContainText('bedrock:InvokeModel');
  await expect(result).toContainText('arn:aws:iam::');
});

test('unknown key ID is explained', async ({ page, request }) => {
  await saveKeysViaApi(request, UNKNOWN_KEY, UNKNOWN_SECRET);
  await gotoHydrated(page, SETTINGS_PATH);

  await page.getByRole('button', { name: 'Test connection' }).click();

  const result = page.locator('.connection-check .alert-error');
  await expect(result).toContainText('does not recognize the access key ID', { timeout: 20_000 });
});

test('save in settings runs the check by itself', async ({ page }) => {
  await gotoHydrated(page, SETTINGS_PATH);
  await page.getByLabel('Access Key', { exact: true }).fill(NEW_ACCESS_KEY);
  await page.getByLabel('Access Secret', { exact: true }).fill(NEW_ACCESS_SECRET);
  await page.getByRole('button', { name: 'Save' }).click();

  const result = page.locator('.connection-check .alert-error');
  await expect(result).toContainText('bedrock:InvokeModel', { timeout: 20_000 });
  await expect(page.locator('.audit-table')).toContainText('checked');
});

test('guardian answer names credentials', async ({ page, request }) => {
  await saveKeysViaApi(request, ACCESS_KEY, ACCESS_SECRET);
  await gotoHydrated(page, '/guardian');

  await page.getByLabel('Question').fill('Why is checkout slow?');
  await page.getByRole('button', { name: 'Ask Guardian' }).click();

  await expect(page.locator('.answer')).toContainText('Guardian test answer', { timeout: 20_000 });
  await expect(page.getByText(`Answered with your AWS keys (${ACCESS_KEY}).`)).toBeVisible();
  await gotoHydrated(page, SETTINGS_PATH);
  await expect(page.getByText(/Guardian last used these keys at \d{4}-/)).toBeVisible();
});
