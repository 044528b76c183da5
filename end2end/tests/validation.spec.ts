// Field validation in the browser: the shared rules of app/src/validation.rs run in WASM, show
// their message next to the field, and keep invalid pairs from reaching the server.

import type { APIRequestContext, Page } from '@playwright/test';
import {
  expect,
  test,
  ACCESS_KEY,
  ACCESS_SECRET,
  SETTINGS_PATH,
  fillKeyForm,
  gotoHydrated,
  recordStoreRequests,
  resetKeys,
  saveKeysViaApi,
  SAVED_KEY_ID,
} from '../helpers';

/** An invalid pair and the message fragment each field must show; no fragment means the field is valid. */
interface InvalidCase {
  name: string;
  accessKey: string;
  accessSecret: string;
  keyMessage?: string;
  secretMessage?: string;
}

const INVALID_CASES: InvalidCase[] = [
  {
    name: 'empty fields',
    accessKey: '',
    accessSecret: '',
    keyMessage: 'Enter the Access Key',
    secretMessage: 'Enter the Access Secret',
  },
  {
    name: 'access key too short',
    accessKey: 'AKIAIOSFODNN7EXAMPL',
    accessSecret: ACCESS_SECRET,
    keyMessage: 'Access Key must be exactly 20 characters, but this has 19',
  },
  {
    name: 'access key too long',
    accessKey: 'AKIAIOSFODNN7EXAMPLEX',
    accessSecret: ACCESS_SECRET,
    keyMessage: 'Access Key must be exactly 20 characters, but this has 21',
  },
  {
    name: 'secret too short',
    accessKey: ACCESS_KEY,
    accessSecret: ACCESS_SECRET.slice(0, 39),
    secretMessage: 'Access Secret must be exactly 40 characters, but this has 39',
  },
  {
    name: 'lowercase access key',
    accessKey: 'akiaiosfodnn7example',
    accessSecret: ACCESS_SECRET,
    keyMessage: 'Access Key contains lowercase letters',
  },
  {
    name: 'temporary ASIA key',
    accessKey: 'ASIAIOSFODNN7EXAMPLE',
    accessSecret: ACCESS_SECRET,
    keyMessage: 'This is a temporary access key (starting with ASIA)',
  },
  {
    name: 'AIDA entity ID',
    accessKey: 'AIDAIOSFODNN7EXAMPLE',
    accessSecret: ACCESS_SECRET,
    keyMessage: 'This is an IAM unique ID of a user, role, group or policy',
  },
  {
    name: 'ABSK Bedrock API key',
    accessKey: 'ABSKQmVkcm9ja0FQSUtleS1leGFtcGxlLWtleS1mb3ItdGVzdHM=',
    accessSecret: ACCESS_SECRET,
    keyMessage: 'This is a Bedrock API key',
  },
  {
    name: 'Bedrock API key as secret',
    accessKey: ACCESS_KEY,
    accessSecret: 'ABSKQmVkcm9ja0FQSUtleS1leGFtcGxlLWtleS1mb3ItdGVzdHM=',
    secretMessage: 'This is a Bedrock API key, not a secret access key',
  },
  {
    name: 'key in quotation marks',
    accessKey: `"${ACCESS_KEY}"`,
    accessSecret: ACCESS_SECRET,
    keyMessage: 'Access Key is wrapped in quotation marks',
  },
  {
    name: 'swapped fields',
    accessKey: ACCESS_SECRET,
    accessSecret: ACCESS_KEY,
    keyMessage: 'This looks like the secret access key',
    secretMessage: 'This looks like the access key ID',
  },
  {
    name: 'secret with invalid characters',
    accessKey: ACCESS_KEY,
    accessSecret: 'wJalrXUtnFEMI/K7MDENG-bPxRfiCYEXAMPLEKEY',
    secretMessage: 'Access Secret may contain only letters, digits, / and +',
  },
];

/** The forms that validate a pair, with how to reach each one. */
const FORMS: { name: string; prepare: (page: Page, request: APIRequestContext) => Promise<void> }[] = [
  {
    name: 'onboarding save form',
    prepare: async (page) => gotoHydrated(page, '/onboarding/access-keys'),
  },
  {
    name: 'settings save form',
    prepare: async (page) => gotoHydrated(page, SETTINGS_PATH),
  },
  {
    name: 'settings replace form',
    prepare: async (page, request) => {
      await saveKeysViaApi(request);
      await gotoHydrated(page, SETTINGS_PATH);
      await page.getByRole('button', { name: 'Replace' }).click();
      await expect(page.getByRole('heading', { name: 'Replace the saved keys' })).toBeVisible();
    },
  },
];

/** Checks one field's error state: its message, aria-invalid and aria-describedby. */
async function expectFieldState(page: Page, label: string, typed: string, message: string | undefined) {
  const input = page.getByLabel(label, { exact: true });
  await expect(input, `${label} keeps the typed value`).toHaveValue(typed);

  const describedBy = ((await input.getAttribute('aria-describedby')) ?? '').split(/\s+/).filter(Boolean);
  const errorId = describedBy.find((id) => id.endsWith('-error'));
  expect(errorId, `${label} aria-describedby (${describedBy.join(' ')}) names its error element`).toBeTruthy();
  const errorElement = page.locator(`[id="${errorId}"]`);

  if (message === undefined) {
    await expect(input, `${label} is valid`).toHaveAttribute('aria-invalid', 'false');
    await expect(errorElement, `${label} shows no error`).toHaveText('');
    return;
  }
  await expect(input, `${label} is invalid`).toHaveAttribute('aria-invalid', 'true');
  await expect(errorElement, `${label} error message`).toContainText(message);
  await expect(errorElement).toBeVisible();
  if (typed.length > 0) {
    expect(await errorElement.textContent(), `${label} message quotes the input`).not.toContain(typed);
  }
}

test.beforeEach(async ({ request }) => {
  await resetKeys(request);
});

for (const form of FORMS) {
  test(`${form.name} rejects invalid pairs`, async ({ page, request }) => {
    const store = recordStoreRequests(page);
    await form.prepare(page, request);

    for (const invalid of INVALID_CASES) {
      await test.step(invalid.name, async () => {
        await fillKeyForm(page, invalid.accessKey, invalid.accessSecret);
        await page.getByRole('button', { name: 'Save' }).click();

        await expectFieldState(page, 'Access Key', invalid.accessKey, invalid.keyMessage);
        await expectFieldState(page, 'Access Secret', invalid.accessSecret, invalid.secretMessage);
        const firstInvalid = invalid.keyMessage !== undefined ? 'Access Key' : 'Access Secret';
        await expect(page.getByLabel(firstInvalid, { exact: true }), 'focus moves to the first invalid field').toBeFocused();
      });
    }

    expect(store.requests, 'no invalid pair reached the server').toEqual([]);
  });
}

test('errors show when a field is left', async ({ page }) => {
  const store = recordStoreRequests(page);
  await gotoHydrated(page, '/onboarding/access-keys');
  const accessKey = page.getByLabel('Access Key', { exact: true });
  const accessSecret = page.getByLabel('Access Secret', { exact: true });

  // An untouched empty field shows nothing when it is left.
  await accessKey.focus();
  await page.keyboard.press('Tab');
  await expect(accessKey).toHaveAttribute('aria-invalid', 'false');

  await accessKey.fill('ASIAIOSFODNN7EXAMPLE');
  await accessKey.blur();
  await expectFieldState(page, 'Access Key', 'ASIAIOSFODNN7EXAMPLE', 'temporary access key');
  await expectFieldState(page, 'Access Secret', '', undefined);

  // Once shown, the message follows the typing.
  await accessKey.fill(ACCESS_KEY);
  await expectFieldState(page, 'Access Key', ACCESS_KEY, undefined);

  await accessSecret.fill('tooShort');
  await accessSecret.blur();
  await expectFieldState(page, 'Access Secret', 'tooShort', 'exactly 40 characters, but this has 8');

  expect(store.requests).toEqual([]);
});

test('whitespace around pasted keys is accepted', async ({ page }) => {
  await gotoHydrated(page, SETTINGS_PATH);
  await fillKeyForm(page, `  ${ACCESS_KEY}\u00a0`, `\u200b${ACCESS_SECRET} `);
  await page.getByRole('button', { name: 'Save' }).click();

  await expect(page.locator(SAVED_KEY_ID)).toHaveText(ACCESS_KEY);
});

test('failed save keeps typed values', async ({ page, request }) => {
  await gotoHydrated(page, SETTINGS_PATH);
  // Keys saved elsewhere after this page loaded make the save fail on the server with a conflict.
  await saveKeysViaApi(request);
  await fillKeyForm(page, ACCESS_KEY, ACCESS_SECRET);
  await page.getByRole('button', { name: 'Save' }).click();

  await expect(page.locator('form.key-form').getByRole('alert')).toContainText('Keys were saved in the meantime');
  await expect(page.getByLabel('Access Key', { exact: true })).toHaveValue(ACCESS_KEY);
  await expect(page.getByLabel('Access Secret', { exact: true })).toHaveValue(ACCESS_SECRET);
  await expect(page.getByRole('button', { name: 'Save' })).toBeEnabled();
});
