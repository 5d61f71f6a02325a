// A district reporter (渝中区) uploads a written report on the 报告读数 page, sees the facts read
// out of it highlighted beside the text, drops one, corrects another, and stores the rest as
// drafts; the page says what was stored. The report covers a quarter the demo has no data for.

function check(cond, message) {
  if (!cond) throw new Error(message);
}

const REPORT = [
  '2019年一季度经济运行简报',
  '2019年一季度，渝中区地区生产总值增长6.5%，固定资产投资增长8.2%，社会消费品零售总额增长4.4%。',
  '',
].join('\n');

export default async function (ctx) {
  const context = await ctx.browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: 'zh-CN' });
  const page = await context.newPage();
  try {
    await ctx.login(page, 'yuzhong-reporter');
    const res = await page.goto(`${ctx.baseUrl}/data/reports`);
    check(res.status() === 200, `report page: HTTP ${res.status()}`);
    check((await page.inputValue('#unit')) === '渝中区', 'the reporter\'s unit is the default');

    await page.setInputFiles('#file', {
      name: '一季度简报.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(REPORT, 'utf-8'),
    });
    await page.click('#report-form button[type=submit]');
    await page.waitForSelector('table.review tbody tr');
    const marks = await page.locator('.report-text mark.fact').count();
    const rows = await page.locator('table.review tbody tr').count();
    check(rows >= 3, `three facts read, got ${rows}`);
    check(marks === rows, `each fact is highlighted in the text (${marks} marks, ${rows} rows)`);
    await ctx.shot(page, 'report-review');

    // Drop the retail fact, correct the investment growth.
    const rowOf = (text) => page.locator('table.review tbody tr', { hasText: text });
    await rowOf('社会消费品零售总额').locator('input[type=checkbox]').uncheck();
    await rowOf('固定资产投资').locator('input[name^=value_]').fill('8.4');
    await page.click('#review-form button[type=submit]');
    await page.waitForSelector('#review-result .notice');
    const notice = await page.textContent('#review-result .notice');
    check(notice.includes('存为草稿') && notice.includes('新增2项'), `stored: ${notice}`);
    await ctx.shot(page, 'report-review-saved');
  } finally {
    await context.close();
  }
}
