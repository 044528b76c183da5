// Settings → Members, and what a member sees: the key ID without any control.

import {
  expect,
  test,
  ACCESS_KEY,
  ACCESS_SECRET,
  SETTINGS_PATH,
  SIGNED_OUT,
  gotoHydrated,
  resetKeys,
  saveKeysViaApi,
} from '../helpers';

const MEMBER_PASSWORD = 'member password for e2e';

test('admin adds a member who sees no controls', async ({ page, browser, request, baseURL }) => {
  await resetKeys(request);
  await saveKeysViaApi(request, ACCESS_KEY, ACCESS_SECRET);
  const email = `member-${Date.now()}@e2e.example.com`;

  await gotoHydrated(page, '/settings/members');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Initial password').fill(MEMBER_PASSWORD);
  await page.getByRole('button', { name: 'Add user' }).click();
  await expect(page.locator('table.members')).toContainText(email);

  const context = await browser.newContext({ storageState: SIGNED_OUT, baseURL });
  const memberPage = await context.newPage();
  await gotoHydrated(memberPage, '/login');
  await memberPage.getByLabel('Email').fill(email);
  await memberPage.getByLabel('Password').fill(MEMBER_PASSWORD);
  await memberPage.getByRole('button', { name: 'Sign in' }).click();
  await expect(memberPage).toHaveURL(SETTINGS_PATH);

  await expect(memberPage.locator('.saved-keys code.key-id')).toHaveText(ACCESS_KEY);
  for (const name of ['Save', 'Replace', 'Delete', 'Test connection']) {
    await expect(memberPage.getByRole('button', { name, exact: true })).toHaveCount(0);
  }
  const forbidden = await memberPage.request.post('/api/keys/delete', { headers: { Origin: baseURL! } });
  expect(forbidden.status()).toBe(403);

  await memberPage.getByRole('button', { name: 'Sign out' }).click();
  await expect(memberPage).toHaveURL('/login');
  await memberPage.goto(SETTINGS_PATH);
  await expect(memberPage).toHaveURL(/\/login\?next=/);
  await context.close();
});

test('taken email shows server message under field', async ({ page }) => {
  const email = `taken-${Date.now()}@e2e.example.com`;
  const emailField = page.getByLabel('Email');
  const emailError = page.locator('#member-email-error');

  await gotoHydrated(page, '/settings/members');
  await emailField.fill(email);
  await page.getByLabel('Initial password').fill(MEMBER_PASSWORD);
  await page.getByRole('button', { name: 'Add user' }).click();
  await expect(page.locator('table.members')).toContainText(email);

  // The field passed the browser's validation once, so only the server can detect that the email is taken.
  await emailField.fill(email);
  await page.getByLabel('Initial password').fill(MEMBER_PASSWORD);
  await page.getByRole('button', { name: 'Add user' }).click();
  await expect(emailError).toHaveText('A user with this email already exists.');
  await expect(emailField).toHaveValue(email);

  await emailField.fill(`other-${email}`);
  await expect(emailError).toBeEmpty();
});

test('remove asks for confirmation first', async ({ page }) => {
  const email = `removed-${Date.now()}@e2e.example.com`;
  const members = page.locator('table.members');
  const dialog = page.getByRole('dialog', { name: `Remove ${email}?` });

  await gotoHydrated(page, '/settings/members');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Initial password').fill(MEMBER_PASSWORD);
  await page.getByRole('button', { name: 'Add user' }).click();
  await expect(members).toContainText(email);

  await page.getByRole('button', { name: `Remove ${email}` }).click();
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(members).toContainText(email);

  await page.getByRole('button', { name: `Remove ${email}` }).click();
  await dialog.getByRole('button', { name: 'Remove user' }).click();
  await expect(members).not.toContainText(email);
});

test('wrong password says invalid email or password', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ storageState: SIGNED_OUT, baseURL });
  const page = await context.newPage();
  await gotoHydrated(page, '/login');
  await page.getByLabel('Email').fill('nobody@e2e.example.com');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('Invalid email or password.');
  await context.close();
});
