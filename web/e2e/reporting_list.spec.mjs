// The reporting list (填报, issue 17): a reporter's /data lists every month of the window,
// newest first and without gaps, each in the state its stored values give. The scenario fills
// an empty month through the entry form and fails if that month (or any month with data) is shown as
// 逾期, or if a month is skipped; an empty January is 并入1—2月 (reported with February). Screenshots: reporting-list-<login>.png.

const FILLED = new Set(['approved', 'reported', 'partial', 'draft']);

/** The list's rows: { month: [y, m], tone, state }. */
async function rows(page) {
  return page.locator('table.due tbody tr').evaluateAll((trs) => trs.map((tr) => {
    const [y, m] = tr.children[0].textContent.match(/(\d{4})年(\d{1,2})月/).slice(1).map(Number);
    const tone = tr.dataset.state;
    return { month: [y, m], tone, state: tr.children[2].textContent.trim() };
  }));
}

function check(list, who) {
  const out = [];
  if (list.length < 12) out.push(`${who}: only ${list.length} months listed`);
  for (let i = 1; i < list.length; i++) {
    const [y0, m0] = list[i - 1].month;
    const [y1, m1] = list[i].month;
    if (y0 * 12 + m0 - 1 !== y1 * 12 + m1) out.push(`${who}: ${y0}年${m0}月 is followed by ${y1}年${m1}月`);
  }
  for (const r of list) {
    if (FILLED.has(r.tone) && r.state.includes('逾期')) out.push(`${who}: ${r.month.join('年')}月 has data but says ${r.state}`);
    if (r.month[1] === 1 && r.tone === 'overdue') out.push(`${who}: January is reported with February, not overdue`);
  }
  return out;
}

export default async function (ctx) {
  const { assert } = ctx;
  for (const login of ['wanzhou-reporter', 'yuzhong-reporter']) {
    const page = await ctx.newPage({ width: 1600, height: 1000 });
    await ctx.login(page, login);
    await page.goto(ctx.baseUrl + '/data');
    let list = await rows(page);
    assert.deepEqual(check(list, login), []);

    // Fill the oldest month with nothing stored (else the current one) through the form, as the
    // reporter would.
    let at = list.map((r) => r.tone).lastIndexOf('overdue');
    if (at < 0) at = 0;
    const target = list[at];
    const link = page.locator('table.due tbody tr').nth(at).locator('a');
    await Promise.all([page.waitForURL(/\/data\/entry/), link.click()]);
    const fields = page.locator('form.entry input[name^="v"]');
    const n = await fields.count();
    assert.ok(n > 0, `${login}: the form of ${target.month.join('年')}月 has fields`);
    for (let i = 0; i < n; i++) await fields.nth(i).fill(String(100 + i));
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes('/data/entry')),
      page.locator('form.entry button[type="submit"]').click(),
    ]);
    await page.waitForLoadState('load');
    const saved = await page.locator('main').innerText();
    assert.ok(saved.includes('已保存'), `${login}: the figures are saved (${saved.slice(0, 300)})`);

    await page.goto(ctx.baseUrl + '/data');
    list = await rows(page);
    assert.deepEqual(check(list, login), []);
    const row = list.find((r) => r.month.join() === target.month.join());
    assert.equal(row.tone, 'reported', `${login}: the filled month is 已报送 (${row.state})`);
    assert.ok(row.state.startsWith('已报送'), row.state);
    await page.screenshot({ path: `${ctx.shotDir}/reporting-list-${login}.png`, fullPage: true });
    await page.context().close();
  }
}
