// A district reporter (渝中区) opens and saves its own entry form for the month now due (the
// demo's last complete month, reported but not yet approved), then tries another district's
// (万州区) form by URL and gets the refusal page: 403 with a Chinese message.

// The last complete month in China time, as the demo generates it (`2026M11` on 2026-12-07).
function dueMonth() {
  const now = new Date(Date.now() + 8 * 3600 * 1000);
  let y = now.getUTCFullYear();
  let m = now.getUTCMonth(); // 0-based: the previous month's number
  if (m === 0) {
    y -= 1;
    m = 12;
  }
  return `${y}M${String(m).padStart(2, '0')}`;
}

function check(cond, message) {
  if (!cond) throw new Error(message);
}

export default async function (ctx) {
  const context = await ctx.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  try {
    await ctx.login(page, 'yuzhong-reporter');
    const period = dueMonth();

    const own = await page.goto(`${ctx.baseUrl}/data/entry?unit=500103&period=${period}`);
    check(own.status() === 200, `own entry form: HTTP ${own.status()}`);
    await page.waitForSelector('table.entry td.cell input');
    check((await page.textContent('h1')).includes('渝中区'), 'the form names 渝中区');
    check((await page.textContent('p.deadline')).includes('报送截止'), 'the deadline is shown');

    // Save one value: the second field of the first row is its growth rate.
    const growth = page.locator('table.entry tbody tr').first().locator('td.cell input').nth(1);
    await growth.fill('7.3');
    await Promise.all([page.waitForNavigation(), page.click('form.entry button[type=submit]')]);
    const notice = await page.textContent('.notice');
    check(/已保存|没有变化/.test(notice), `saved: ${notice}`);
    const after = page.locator('table.entry tbody tr').first().locator('td.cell input').nth(1);
    check((await after.inputValue()) === '7.3', 'the stored value is shown after saving');
    await page.screenshot({ path: `${ctx.shotDir}/entry-form-yuzhong.png`, fullPage: true });

    // Another district's form, typed into the address bar.
    const other = await page.goto(`${ctx.baseUrl}/data/entry?unit=500101&period=${period}`);
    check(other.status() === 403, `万州区 entry form: HTTP ${other.status()}, expected 403`);
    const text = await page.textContent('main');
    check(text.includes('无权访问'), 'the refusal page says 无权访问');
    check(text.includes('超出本单位（渝中区）的管辖范围'), `refusal names the scope: ${text}`);
    check((await page.locator('form.entry').count()) === 0, 'no form on the refusal page');
    await page.screenshot({ path: `${ctx.shotDir}/entry-form-refused.png` });
  } finally {
    await context.close();
  }
}
