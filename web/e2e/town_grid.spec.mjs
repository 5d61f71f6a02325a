// Villages and grids (issue 11): a town leader's drill-down goes town → community → grid. The
// leader opens 解放碑街道, whose screen lists its communities with their work figures; a community
// lists its grids; a grid shows where it and its community stand and its own items. A grid
// worker (grid-jiefangbei) reports an event without naming a place: it is located in their grid
// and appears on the grid's screen. The same for a county town (黄水镇, 石柱县) and its village.
// Screens below the 区县 show no empty panels, no English codes and no internal ids.

/** Visible text of the screen without the scripts' JSON and the no-script fallbacks. */
async function screenText(page) {
  return page.evaluate(() => {
    const clone = document.querySelector('#screen').cloneNode(true);
    for (const s of clone.querySelectorAll('script, noscript')) s.remove();
    return clone.innerText;
  });
}

async function checkClean(ctx, page, what) {
  const { assert } = ctx;
  const text = await screenText(page);
  for (const empty of ['暂无趋势数据', '暂无分项指标数据', '暂无评价结果', '暂无排名']) {
    assert.ok(!text.includes(empty), `${what}: an empty panel (${empty})`);
  }
  // No English words (codes like WI_CLOSURE_RATE, Rust enum names) and no "id-" keys.
  // "Word" is the name of the 通报 download's file format (Word 文档), not a code.
  const english = (text.match(/[A-Za-z_]{4,}/g) || []).filter((w) => w !== 'Word');
  assert.deepEqual(english, [], `${what}: English text on the screen`);
  assert.ok(!/\bid-\d+/.test(text), `${what}: an internal id on the screen`);
  const hrefs = await page.evaluate(() =>
    [...document.querySelectorAll('#screen a[href^="/screen/"]')].map((a) => a.getAttribute('href')));
  assert.ok(hrefs.every((h) => !h.includes('/screen/id-')), `${what}: a link by internal id`);
}

export default async function (ctx) {
  const { assert } = ctx;
  // The grid worker reports from the grid: no location given.
  const gw = await ctx.newPage();
  await ctx.login(gw, 'grid-jiefangbei');
  await gw.goto(ctx.baseUrl + '/items/new');
  await gw.fill('input[name="title"]', '民生路社区楼道堆放杂物');
  await gw.selectOption('select[name="category"]', '事件/01/01');
  await Promise.all([
    gw.waitForURL(/\/items\/\d+/),
    gw.click('button[data-testid="submit-event"]'),
  ]);
  await gw.context().close();

  const page = await ctx.newPage();
  await ctx.login(page, 'leader');
  await page.goto(ctx.baseUrl + '/screen/500103003');
  await page.waitForSelector('#work');
  assert.ok((await page.textContent('h1')).includes('解放碑街道'));
  const communities = await page.locator('.tilemap li').count();
  assert.equal(communities, 4, 'the town lists its four communities');
  await checkClean(ctx, page, '解放碑街道');
  await ctx.shot(page, 'town-jiefangbei');

  // Down to the community, then to its first grid.
  await Promise.all([
    page.waitForURL(/\/screen\/500103003001(\?|$)/),
    page.click('.tilemap a:has-text("民生路社区")'),
  ]);
  await page.waitForSelector('#work');
  const grids = await page.locator('.tilemap li').count();
  assert.equal(grids, 3, 'the community lists its three grids');
  await checkClean(ctx, page, '民生路社区');
  await ctx.shot(page, 'community-minshenglu');
  await Promise.all([
    page.waitForURL(/\/screen\/500103003001001(\?|$)/),
    page.click('.tilemap a:has-text("第一网格")'),
  ]);
  await page.waitForSelector('.standing-panel');
  const standing = await page.textContent('.standing-panel');
  assert.ok(standing.includes('在民生路社区排名'), `grid standing: ${standing}`);
  const own = await page.textContent('#own-items');
  assert.ok(own.includes('民生路社区楼道堆放杂物'), 'the grid worker\'s report is the grid\'s');
  const crumbs = await page.textContent('nav.breadcrumb');
  for (const up of ['重庆市', '渝中区', '解放碑街道', '民生路社区']) {
    assert.ok(crumbs.includes(up), `grid breadcrumb: ${crumbs}`);
  }
  await checkClean(ctx, page, '民生路社区第一网格');
  await ctx.shot(page, 'grid-minshenglu-1');

  // A county's mountain town and one of its villages.
  await page.goto(ctx.baseUrl + '/screen/500240105');
  await page.waitForSelector('#work');
  assert.ok((await page.locator('.tilemap li').count()) >= 4, '黄水镇 lists its villages');
  await checkClean(ctx, page, '黄水镇');
  await ctx.shot(page, 'town-huangshui');
  await page.goto(ctx.baseUrl + '/screen/500240105200');
  await page.waitForSelector('#work');
  await checkClean(ctx, page, '金花村');
  await ctx.shot(page, 'village-jinhua');
  await page.context().close();
}
