// With JavaScript off every form is a plain HTML form that posts to its server function. The
// server responds with a redirect to the next page, or back to the form with the field errors.

import {
  expect,
  test,
  ACCESS_KEY,
  ACCESS_SECRET,
  DEFAULT_CREDENTIALS_TEXT,
  DELETE_PATH,
  NEW_ACCESS_KEY,
  NEW_ACCESS_SECRET,
  SETTINGS_PATH,
  fillKeyForm,
  resetKeys,
  saveKeysViaApi,
  SAVED_KEY_ID,
} from '../helpers';

test.use({ javaScriptEnabled: false });

test.beforeEach(async ({ request }) => {
  await resetKeys(request);
});

test('onboarding save without JavaScript', async ({ page }) => {
  await page.goto('/onboarding');
  await page.getByRole('link', { name: 'Get started' }).click();
  await expect(page).toHaveURL('/onboarding/access-keys');
  await fillKeyForm(page, ACCESS_KEY, ACCESS_SECRET);
  await page.getByRole('button', { name: 'Save' }).click();

  await expect(page).toHaveURL('/onboarding/done');
  await expect(page.getByText(ACCESS_KEY, { exact: true })).toBeVisible();
  await page.getByRole('link', { name: 'Go to API Keys settings' }).click();

  await expect(page).toHaveURL(SETTINGS_PATH);
  await expect(page.locator(SAVED_KEY_ID)).toHaveText(ACCESS_KEY);
  expect(await page.content()).not.toContain(ACCESS_SECRET);
});

test('settings save without JavaScript', async ({ page }) => {
  await page.goto(SETTINGS_PATH);
  await expect(page.getByText(DEFAULT_CREDENTIALS_TEXT)).toBeVisible();
  await fillKeyForm(page, ACCESS_KEY, ACCESS_SECRET);
  await page.getByRole('button', { name: 'Save' }).click();

  await expect(page).toHaveURL(`${SETTINGS_PATH}?saved=1`);
  await expect(page.locator(SAVED_KEY_ID)).toHaveText(ACCESS_KEY);
  await expect(page.getByText('Keys saved.')).toBeVisible();
});

test('onboarding default credentials without JavaScript', async ({ page }) => {
  await page.goto('/onboarding/access-keys');
  await page.getByRole('button', { name: 'Use default credentials' }).click();

  await expect(page).toHaveURL('/onboarding/done');
  await expect(page.getByRole('region', { name: 'AWS Bedrock credentials' })).toContainText('default credentials');
});

test('bad submit shows field errors without JavaScript', async ({ page, request }) => {
  await page.goto('/onboarding/access-keys');
  await fillKeyForm(page, 'ASIAIOSFODNN7EXAMPLE', ACCESS_KEY);
  await page.getByRole('button', { name: 'Save' }).click();

  await expect(page).toHaveURL(/\/onboarding\/access-keys/);
  const accessKey = page.getByLabel('Access Key', { exact: true });
  const accessSecret = page.getByLabel('Access Secret', { exact: true });
  await expect(accessKey).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#access-key-error')).toContainText('This is a temporary access key (starting with ASIA)');
  await expect(accessKey).toHaveAttribute('aria-describedby', /\baccess-key-error\b/);
  await expect(accessSecret).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#access-secret-error')).toContainText('This looks like the access key ID');
  await expect(accessSecret).toHaveAttribute('aria-describedby', /\baccess-secret-error\b/);

  // Nothing was saved, and a corrected pair then goes through.
  const status = await request.post('/api/keys/status');
  expect(await status.text()).toContain('NotConfigured');
  await fillKeyForm(page, ACCESS_KEY, ACCESS_SECRET);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page).toHaveURL('/onboarding/done');
  await expect(page.getByText(ACCESS_KEY, { exact: true })).toBeVisible();
});

test('empty replace submit shows errors without JavaScript', async ({ page, request }) => {
  await saveKeysViaApi(request);
  await page.goto(`${SETTINGS_PATH}?replace=1`);
  await page.getByRole('button', { name: 'Save' }).click();

  await expect(page.locator('#access-key-error')).toContainText('Enter the Access Key');
  await expect(page.locator('#access-secret-error')).toContainText('Enter the Access Secret');
  await expect(page.getByLabel('Access Key', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  // The form stays open for another try, and the saved keys are untouched.
  await expect(page.getByRole('heading', { name: 'Replace the saved keys' })).toBeVisible();
  await expect(page.locator(SAVED_KEY_ID)).toHaveText(ACCESS_KEY);
});

test('replace without JavaScript', async ({ page, request }) => {
  await saveKeysViaApi(request);
  await page.goto(SETTINGS_PATH);
  await page.getByRole('button', { name: 'Replace' }).click();

  await expect(page).toHaveURL(`${SETTINGS_PATH}?replace=1`);
  await expect(page.getByRole('heading', { name: 'Replace the saved keys' })).toBeVisible();
  await fillKeyForm(page, NEW_ACCESS_KEY, NEW_ACCESS_SECRET);
  await page.getByRole('button', { name: 'Save' }).click();

  await expect(page).toHaveURL(new RegExp(`${SETTINGS_PATH}\\?saved=1`));
  await expect(page.getByText('Keys replaced.')).toContainText(ACCESS_KEY);
  await expect(page.locator(SAVED_KEY_ID)).toHaveText(NEW_ACCESS_KEY);
  await expect(page.locator('.saved-keys')).not.toContainText(ACCESS_KEY);
  await expect(page.getByRole('heading', { name: 'Replace the saved keys' })).toHaveCount(0);
});

test('replace cancel link without JavaScript', async ({ page, request }) => {
  await saveKeysViaApi(request);
  await page.goto(`${SETTINGS_PATH}?replace=1`);
  await page.getByRole('link', { name: 'Cancel' }).click();

  await expect(page).toHaveURL(SETTINGS_PATH);
  await expect(page.getByRole('button', { name: 'Replace' })).toBeVisible();
  await expect(page.locator(SAVED_KEY_ID)).toHaveText(ACCESS_KEY);
});

test('delete via confirmation page', async ({ page, request }) => {
  await saveKeysViaApi(request);
  await page.goto(SETTINGS_PATH);
  await page.getByRole('button', { name: 'Delete', exact: true }).click();

  // The Delete button submits an empty GET form, so the browser appends a bare "?".
  await expect(page).toHaveURL(new RegExp(`${DELETE_PATH}\\??$`));
  await expect(page.getByText(ACCESS_KEY, { exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Delete keys' }).click();

  await expect(page).toHaveURL(new RegExp(`${SETTINGS_PATH}\\?deleted=`));
  await expect(page.getByText(DEFAULT_CREDENTIALS_TEXT)).toBeVisible();
  await expect(page.getByText('Keys deleted.')).toBeVisible();
  await expect(page.locator('.saved-keys')).toHaveCount(0);
});

test('confirmation page cancel keeps keys', async ({ page, request }) => {
  await saveKeysViaApi(request);
  await page.goto(DELETE_PATH);
  await page.getByRole('link', { name: 'Cancel' }).click();

  await expect(page).toHaveURL(SETTINGS_PATH);
  await expect(page.locator(SAVED_KEY_ID)).toHaveText(ACCESS_KEY);
});

test('confirmation page without keys', async ({ page }) => {
  await page.goto(DELETE_PATH);

  await expect(page.getByText('No keys are saved.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Delete keys' })).toHaveCount(0);
});
