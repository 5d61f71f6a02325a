// Each role's day (issue 17): every demo user signs in and visits the pages of their role at
// 1920×1080 and 1600×1000. The scenario fails on
// - the 大屏 (a leader's one screen) taller than the viewport at 1920×1080,
// - a table clipped horizontally (wider than its box, or running off the page),
// - an empty panel ("暂无…") where the demo has data,
// - an English code (an indicator's or a scheme's, as IND_VA or GDP) shown where a Chinese name
//   exists (a cell of a column headed 代码, or a tooltip, may carry it),
// - a visible internal id (id-40, (D009), 单位 12, a login such as grid-500103003001001 or
//   system in a history).
// It saves a screenshot of each role's landing page at both sizes: roles-<login>-<width>.png.

const VIEWPORTS = [
  { width: 1920, height: 1080 },
  { width: 1600, height: 1000 },
];

// The demo's codes (indicators, schemes) that have Chinese names.
const CODE = /\b(GDP|IND_VA|FAI|RETAIL|INDUSTRY_INVEST|IMPORT_EXPORT|CARDS?_[A-Z_]+|ECONOMY_RACE|FIVE_COLOUR_[A-Z_]+|MUJUN[A-Z_]*|HANDLING_RACE|WI_[A-Z_]+)\b/;
const INTERNAL = /(\bid-\d+\b|[（(]D\d{3}[）)]|单位 \d+\b|\bgrid-\d{6,}\b|\bsystem\b|\buser\.[a-z_]+\b)/;

/** The role's pages: [path, is the 大屏, what must not be empty]. */
const ROLES = [
  { login: 'leader', landing: /\/screen\/500000/, pages: [['/screen', true], ['/evaluations', false], ['/evaluations/ECONOMY_RACE', false], ['/items', false]] },
  { login: 'yuzhong-leader', landing: /\/screen\/500103/, pages: [['/screen', true], ['/evaluations/ECONOMY_RACE', false], ['/items', false]] },
  { login: 'analyst', landing: /\/screen\/500000/, pages: [['/screen', true], ['/data', false], ['/evaluations', false], ['/evaluations/CARDS_OVERALL', false]] },
  { login: 'admin', landing: /\/screen\/500000/, pages: [['/admin/users', false], ['/admin/config', false]] },
  { login: 'yuzhong-reporter', landing: /\/screen\/500103/, pages: [['/data', false], ['/data/reports', false]] },
  { login: 'wanzhou-reporter', landing: /\/screen\/500101/, pages: [['/screen', true], ['/data', false]] },
  { login: 'jxw-handler', landing: /\/items/, pages: [['/screen', false], ['/items', false]], rows: '/items' },
  { login: 'grid-jiefangbei', landing: /\/items/, pages: [['/items', false], ['/screen', false]], rows: '/items' },
  { login: 'enterprise', landing: /\/requests/, pages: [['/requests', false]], rows: '/requests' },
];

/** What is wrong with the page as it is shown (an empty list when nothing). */
async function problems(page, bigScreen) {
  return page.evaluate(([big, codeSrc, internalSrc]) => {
    const out = [];
    const vw = window.innerWidth;
    const vh = window.innerHeight;
    const doc = document.documentElement;
    if (big && doc.scrollHeight > vh + 1) out.push(`the 大屏 is ${doc.scrollHeight} px tall in a ${vh} px viewport`);
    if (doc.scrollWidth > vw + 1) out.push(`the page is ${doc.scrollWidth} px wide in a ${vw} px viewport`);
    const visible = (el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
    };
    for (const t of document.querySelectorAll('table')) {
      if (!visible(t)) continue;
      const box = t.parentElement;
      const r = t.getBoundingClientRect();
      if (r.right > vw + 1) out.push(`table ${t.id || t.className} runs off the page (${Math.round(r.right)} > ${vw})`);
      else if (t.scrollWidth > box.clientWidth + 2 && getComputedStyle(box).overflowX !== 'visible') {
        out.push(`table ${t.id || t.className} is clipped (${t.scrollWidth} px in a ${box.clientWidth} px box)`);
      }
    }
    for (const e of document.querySelectorAll('.panel .empty, section .empty')) {
      const text = e.textContent.trim();
      if (visible(e) && /暂无/.test(text) && !/^另有/.test(text)) out.push(`empty panel: ${text}`);
    }
    // Visible text without the cells of 代码 columns and without tooltips.
    const clone = document.body.cloneNode(true);
    for (const table of clone.querySelectorAll('table')) {
      const heads = [...table.querySelectorAll('thead th')].map((th) => th.textContent.trim());
      // 代码 columns carry codes; an administrator's user list shows each login (who signs in).
      const codeCols = heads.map((h, i) => (/代码|登录名/.test(h) ? i : -1)).filter((i) => i >= 0);
      for (const tr of table.querySelectorAll('tr')) {
        codeCols.forEach((i) => { if (tr.children[i]) tr.children[i].textContent = ''; });
      }
    }
    for (const el of clone.querySelectorAll('script, style, option, select, input, textarea, .code, code, details:not([open]) > :not(summary)')) el.remove();
    const text = clone.innerText || clone.textContent;
    const code = text.match(new RegExp(codeSrc));
    if (code) out.push(`an English code is shown: ${code[0]} (…${text.slice(Math.max(0, code.index - 30), code.index + 30).replace(/\s+/g, ' ')}…)`);
    const internal = text.match(new RegExp(internalSrc));
    if (internal) out.push(`an internal id is shown: ${internal[0]} (…${text.slice(Math.max(0, internal.index - 30), internal.index + 30).replace(/\s+/g, ' ')}…)`);
    return out;
  }, [bigScreen, CODE.source, INTERNAL.source]);
}

export default async function (ctx) {
  const { assert } = ctx;
  const failures = [];
  for (const role of ROLES) {
    for (const vp of VIEWPORTS) {
      const page = await ctx.newPage(vp);
      await ctx.login(page, role.login);
      assert.match(page.url(), role.landing, `${role.login} lands on their own work`);
      await page.waitForLoadState('networkidle');
      await page.screenshot({ path: `${ctx.shotDir}/roles-${role.login}-${vp.width}.png`, fullPage: true });
      for (const [path, big] of role.pages) {
        const resp = await page.goto(ctx.baseUrl + path);
        assert.ok(resp.status() < 400, `${role.login} ${path}: HTTP ${resp.status()}`);
        await page.waitForLoadState('networkidle');
        if (await page.locator('#map').count()) {
          await page.waitForSelector('#map[data-drawn="true"]', { timeout: 20000 });
        }
        const big1920 = big && vp.width === 1920;
        for (const p of await problems(page, big1920)) failures.push(`${role.login} ${vp.width}×${vp.height} ${path}: ${p}`);
        if (role.rows === path) {
          const rows = await page.locator('main table tbody tr').count();
          if (rows === 0) failures.push(`${role.login} ${path}: the list is empty though the demo has items for them`);
        }
      }
      await page.context().close();
    }
  }
  assert.deepEqual(failures, [], `\n${failures.join('\n')}`);

  // The enterprise is asked to rate a closed request, rates it and then sees its rating.
  const page = await ctx.newPage();
  await ctx.login(page, 'enterprise');
  assert.equal(await page.locator('nav.mainnav a').count(), 1, 'one menu entry for the requests');
  const form = page.locator('form.rate').first();
  assert.ok(await form.count(), 'a closed request asks for a rating');
  const id = await form.evaluate((f) => f.closest('tr').dataset.item);
  await form.locator('input[value="satisfied"]').check();
  await Promise.all([page.waitForURL(/\/requests/), form.locator('button[type="submit"]').click()]);
  const rated = await page.locator(`tr[data-item="${id}"] .rating`).textContent();
  assert.ok(rated.includes('满意'), `the rating is shown (${rated})`);
  await page.context().close();
}
