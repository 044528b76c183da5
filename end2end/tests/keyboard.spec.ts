// The whole key lifecycle with the keyboard alone: Tab, Shift+Tab, Enter and Escape.

import {
  expect,
  test,
  ACCESS_KEY,
  ACCESS_SECRET,
  DEFAULT_CREDENTIALS_TEXT,
  NEW_ACCESS_KEY,
  NEW_ACCESS_SECRET,
  SETTINGS_PATH,
  gotoHydrated,
  recordPageErrors,
  resetKeys,
  tabTo,
  waitForHydration,
  SAVED_KEY_ID,
} from '../helpers';

test.beforeEach(async ({ request }) => {
  await resetKeys(request);
});

test('keyboard completes key lifecycle', async ({ page }) => {
  const recorded = recordPageErrors(page);
  const accessKey = page.getByLabel('Access Key', { exact: true });
  const accessSecret = page.getByLabel('Access Secret', { exact: true });
  const keyId = page.locator(SAVED_KEY_ID);

  await test.step('onboarding save', async () => {
    await gotoHydrated(page, '/onboarding');
    await tabTo(page, page.getByRole('link', { name: 'Get started' }));
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL('/onboarding/access-keys');
    await waitForHydration(page);

    await tabTo(page, accessKey);
    await page.keyboard.type(ACCESS_KEY);
    await page.keyboard.press('Tab');
    await expect(accessSecret).toBeFocused();
    await page.keyboard.type(ACCESS_SECRET);
    // Shift+Tab returns to the Access Key field with its value intact.
    await page.keyboard.press('Shift+Tab');
    await expect(accessKey).toBeFocused();
    await expect(accessKey).toHaveValue(ACCESS_KEY);
    await page.keyboard.press('Enter');

    await expect(page).toHaveURL('/onboarding/done');
    await expect(page.getByText(ACCESS_KEY, { exact: true })).toBeVisible();
    await tabTo(page, page.getByRole('link', { name: 'Go to API Keys settings' }));
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(SETTINGS_PATH);
    await expect(keyId).toHaveText(ACCESS_KEY);
  });

  await test.step('replace', async () => {
    await tabTo(page, page.getByRole('button', { name: 'Replace' }));
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Replace the saved keys' })).toBeVisible();
    // The replace form takes the focus, so typing goes straight into Access Key.
    await expect(accessKey).toBeFocused();
    await page.keyboard.type(NEW_ACCESS_KEY);
    await page.keyboard.press('Tab');
    await expect(accessSecret).toBeFocused();
    await page.keyboard.type(NEW_ACCESS_SECRET);
    await page.keyboard.press('Enter');

    await expect(keyId).toHaveText(NEW_ACCESS_KEY);
    await expect(page.locator('.saved-keys')).not.toContainText(ACCESS_KEY);
    // Enter leaves the focus in a field that the successful save removes, which fires its blur.
    expect(recorded.errors).toEqual([]);
  });

  const deleteButton = page.getByRole('button', { name: 'Delete', exact: true });
  const dialog = page.getByRole('dialog', { name: 'Delete the saved keys?' });

  await test.step('delete dialog closed with Escape', async () => {
    await tabTo(page, deleteButton);
    await page.keyboard.press('Enter');
    await expect(dialog).toBeVisible();
    // The safe choice has the focus when the dialog opens.
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await page.keyboard.press('Escape');

    await expect(dialog).toBeHidden();
    await expect(deleteButton).toBeFocused();
    await expect(keyId).toHaveText(NEW_ACCESS_KEY);
  });

  await test.step('delete dialog closed with Cancel', async () => {
    await page.keyboard.press('Enter');
    await expect(dialog).toBeVisible();
    const cancel = dialog.getByRole('button', { name: 'Cancel' });
    // Tab moves to Delete keys and Shift+Tab back to Cancel, both inside the dialog.
    await page.keyboard.press('Tab');
    await expect(dialog.getByRole('button', { name: 'Delete keys' })).toBeFocused();
    await page.keyboard.press('Shift+Tab');
    await expect(cancel).toBeFocused();
    await page.keyboard.press('Enter');

    await expect(dialog).toBeHidden();
    await expect(keyId).toHaveText(NEW_ACCESS_KEY);
  });

  await test.step('delete confirmed', async () => {
    await tabTo(page, deleteButton);
    await page.keyboard.press('Enter');
    await expect(dialog).toBeVisible();
    await tabTo(page, dialog.getByRole('button', { name: 'Delete keys' }), { maxPresses: 3 });
    await page.keyboard.press('Enter');

    await expect(dialog).toBeHidden();
    await expect(page.getByText(DEFAULT_CREDENTIALS_TEXT)).toBeVisible();
    await expect(page.locator('.saved-keys')).toHaveCount(0);
  });
});

test('keyboard reaches content by skip link', async ({ page }) => {
  await gotoHydrated(page, SETTINGS_PATH);
  await page.keyboard.press('Tab');
  const skipLink = page.getByRole('link', { name: 'Skip to content' });
  await expect(skipLink).toBeFocused();
  await expect(skipLink).toBeInViewport();
  await page.keyboard.press('Enter');

  await expect(page).toHaveURL(`${SETTINGS_PATH}#main`);
  await tabTo(page, page.getByLabel('Access Key', { exact: true }), { maxPresses: 10 });
});
