// A dispatch reaches the handler's bell: the city analyst files an item (through the API of its
// own session), registers it and dispatches it to 市经济信息委 on the item page; the department's
// handler (jxw-handler), already signed in, sees the bell's count rise by one on the next page,
// finds the 派单 notice on /notifications, opens it (the item's page) and the count falls back.
//
// ctx = {browser, baseUrl, shotDir, login(page, login, password = 'demo2026'), shot(page, name)}

function check(cond, message) {
  if (!cond) throw new Error(message);
}

async function as(ctx, who) {
  const context = await ctx.browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  await ctx.login(page, who);
  return { page, close: () => context.close() };
}

/**
 * The bell's unread count once htmx has loaded it into the page (0 when no count is shown):
 * `navigate` opens the page, the fragment's answer is awaited.
 */
async function countAfter(page, navigate) {
  const loaded = page.waitForResponse((r) => r.url().includes('/notifications/bell'), { timeout: 10000 });
  await navigate();
  await loaded;
  // htmx swaps the answer in and settles: wait until the bell carries none of its classes.
  await page.waitForFunction(() => {
    const b = document.querySelector('[data-testid="bell"]');
    return b && !['htmx-request', 'htmx-swapping', 'htmx-settling'].some((c) => b.classList.contains(c));
  });
  return bellCount(page);
}

/** The bell's unread count on the current page (0 when no count is shown). */
async function bellCount(page) {
  const bell = page.locator('[data-testid="bell"]');
  await bell.waitFor({ timeout: 10000 });
  const count = page.locator('[data-testid="bell-count"]');
  if ((await count.count()) === 0) return 0;
  return Number.parseInt((await count.textContent()).trim(), 10);
}

async function act(page, testid, code) {
  const button = page.locator(`[data-testid="${testid}"]`);
  await button.waitFor({ timeout: 10000 });
  await Promise.all([
    page.waitForURL((u) => u.search.includes(`done=${code}`) || u.pathname.endsWith('/act'), {
      waitUntil: 'domcontentloaded',
    }),
    button.click(),
  ]);
  const error = page.locator('.notice.error');
  if ((await error.count()) > 0) throw new Error(`${testid}: ${await error.first().textContent()}`);
}

export default async function (ctx) {
  const handler = await as(ctx, 'jxw-handler');
  const hp = handler.page;
  const before = await countAfter(hp, () => hp.goto(`${ctx.baseUrl}/items`));

  const title = `园区供电线路隐患 ${Date.now()}`;
  const analyst = await as(ctx, 'analyst');
  const ap = analyst.page;
  const me = await (await ap.request.get(`${ctx.baseUrl}/api/v1/me`)).json();
  const created = await ap.request.post(`${ctx.baseUrl}/api/v1/items`, {
    headers: { 'X-CSRF-Token': me.csrf },
    data: {
      kind: 'event', title, category: '事件/01/01', channel: 'hotline',
      receiving_unit: '500103', location: '500103',
    },
  });
  check(created.status() === 201, `create: ${created.status()} ${await created.text()}`);
  const id = (await created.json()).id;
  await ap.goto(`${ctx.baseUrl}/items/${id}`);
  await act(ap, 'act-register', 'register');
  await ap.selectOption('form:has([data-testid="act-dispatch"]) select[name="unit"]', { label: '市经济信息委（部门）' });
  await act(ap, 'act-dispatch', 'dispatch');
  await analyst.close();

  // The handler's next page shows one more.
  const after = await countAfter(hp, () => hp.goto(`${ctx.baseUrl}/items`));
  check(after === before + 1, `bell: ${before} before, ${after} after the dispatch`);
  await ctx.shot(hp, 'notifications-bell');

  await hp.click('[data-testid="bell"]');
  await hp.waitForURL(/\/notifications$/);
  const entry = hp.locator('[data-testid="notification"]', { hasText: title }).first();
  await entry.waitFor({ timeout: 10000 });
  const text = await entry.textContent();
  check(text.includes('派单') && text.includes('未读'), `entry: ${text}`);
  await ctx.shot(hp, 'notifications-list');
  const last = await countAfter(hp, () =>
    Promise.all([hp.waitForURL(new RegExp(`/items/${id}$`)), entry.locator('button').click()]),
  );
  check((await hp.textContent('body')).includes(title), 'the item page opens');
  check(last === before, `bell after reading: ${last}, expected ${before}`);
  await handler.close();
}
