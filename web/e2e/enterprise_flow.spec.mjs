// An enterprise files a request (企业吹哨); the city analyst registers and dispatches it to the
// department its topic names; the department's handler (jxw-handler) signs, handles and answers
// it; the analyst verifies and closes it; the enterprise rates it; and the live closure rate on
// the city's one screen (work-item tile) rises: closed/N before, (closed+1)/(N+1) after.
//
// ctx = {browser, baseUrl, shotDir, login(page, login, password = 'demo2026')}

import path from 'node:path';

function check(cond, message) {
  if (!cond) throw new Error(message);
}

/** A page signed in as `who`, in its own browser context (its own cookies). */
async function as(ctx, who) {
  const context = await ctx.browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: 'zh-CN' });
  const page = await context.newPage();
  await ctx.login(page, who);
  return { page, close: () => context.close() };
}

/** The city screen's closure rate (unrounded when the page gives `data-value`) and closed count. */
async function closureRate(ctx) {
  const { page, close } = await as(ctx, 'leader');
  try {
    await page.goto(`${ctx.baseUrl}/screen`, { waitUntil: 'domcontentloaded' });
    const el = page.locator('[data-testid="closure-rate"], #closure-rate').first();
    await el.waitFor({ timeout: 15000 });
    const raw = (await el.getAttribute('data-value')) ?? (await el.textContent());
    const value = Number.parseFloat(String(raw).replace(/[^0-9.]/g, ''));
    check(Number.isFinite(value), `closure rate unreadable: ${raw}`);
    return value;
  } finally {
    await close();
  }
}

/**
 * Clicks the action button `testid` (command `code`) on the item page and waits for the page
 * after it: the redirect to `?done=<code>`, or the page re-rendered with the refusal.
 */
async function act(page, testid, code = testid.replace(/^act-/, '')) {
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
  const before = await closureRate(ctx);
  const title = `技改补贴尚未兑现 ${Date.now()}`;

  // The enterprise files its request.
  const firm = await as(ctx, 'enterprise');
  let page = firm.page;
  await page.goto(`${ctx.baseUrl}/requests/new`);
  await page.selectOption('select[name="category"]', { label: '政策兑现 / 惠企政策兑现' });
  await page.fill('input[name="title"]', title);
  await page.fill('textarea[name="description"]', '去年申报的技改补贴至今未到账，请协调。');
  await page.fill('input[name="contact"]', '张经理 13800000000');
  await Promise.all([page.waitForURL(/\/requests\?done=created/), page.click('[data-testid="submit-request"]')]);
  const row = page.locator('tr', { hasText: title });
  await row.waitFor();
  const id = (await row.locator('td').first().textContent()).trim();
  check(/^\d+$/.test(id), `item id not found in the list: ${id}`);

  // The city analyst registers it and dispatches it to 市经济信息委.
  const analyst = await as(ctx, 'analyst');
  page = analyst.page;
  await page.goto(`${ctx.baseUrl}/items/${id}`);
  await act(page, 'act-register');
  await page.selectOption('form:has([data-testid="act-dispatch"]) select[name="unit"]', { label: '市经济信息委（部门）' });
  await act(page, 'act-dispatch');

  // The department's handler takes it to the answer.
  const handler = await as(ctx, 'jxw-handler');
  page = handler.page;
  await page.goto(`${ctx.baseUrl}/items`);
  await page.locator('[data-testid="item-list"] a', { hasText: title }).waitFor();
  await page.screenshot({ path: path.join(ctx.shotDir, 'items-inbox.png'), fullPage: true });
  // The filters refresh the list in place (htmx): the fresh request is not overdue.
  await page.check('input[name="overdue"]');
  await page.locator('[data-testid="item-list"] a', { hasText: title }).waitFor({ state: 'detached' });
  check(page.url().includes('overdue=1'), `the filter is not in the address: ${page.url()}`);
  await page.goto(`${ctx.baseUrl}/items/${id}`);
  check((await page.locator('[data-testid="act-close"]').count()) === 0, 'a handler is offered 结案');
  await act(page, 'act-sign');
  await page.locator('[data-testid="act-request_extension"]').waitFor();
  await page.screenshot({ path: path.join(ctx.shotDir, 'item-page.png'), fullPage: true });
  await act(page, 'act-handle');
  await page.fill('form:has([data-testid="act-reply"]) textarea[name="reason"]', '补贴已于本周拨付到账，已电话告知企业。');
  await act(page, 'act-reply');

  // The analyst verifies and closes it.
  page = analyst.page;
  await page.goto(`${ctx.baseUrl}/items/${id}`);
  await act(page, 'act-verify-passed', 'verify');
  await act(page, 'act-close');
  check((await page.locator('[data-testid="item-history"] tbody tr').count()) >= 7, 'history incomplete');

  // The enterprise rates it from its list.
  page = firm.page;
  await page.goto(`${ctx.baseUrl}/requests`);
  const rated = page.locator('tr', { hasText: title });
  await rated.locator('input[name="rating"][value="satisfied"]').check();
  await Promise.all([page.waitForURL(/done=rate/), rated.locator('[data-testid="rate"]').click()]);
  await page.locator('tr', { hasText: title }).locator('.rating', { hasText: '满意' }).waitFor();
  await page.screenshot({ path: path.join(ctx.shotDir, 'requests-rated.png'), fullPage: true });

  for (const s of [firm, analyst, handler]) await s.close();

  // The closure rate on the city screen moved. The screen is served from memory for up to 4 s
  // (2 s fresh, then refreshed in the background), so read it until it has moved, for at most 10 s.
  let after = await closureRate(ctx);
  for (let i = 0; i < 8 && !(after > before); i++) {
    await new Promise((r) => setTimeout(r, 1250));
    after = await closureRate(ctx);
  }
  check(after > before, `closure rate did not rise within 10 s: ${before} → ${after}`);
  return { item: id, closureRateBefore: before, closureRateAfter: after };
}
