// A city leader opens the city's one screen: the map canvas is painted, the league has rows;
// clicking a district on the map opens the district's screen, and so does its league row; a
// town tile of the district opens the town's screen (its communities, or its standing and items); a printed league
// table keeps the breakdowns; a district leader cannot open the city's screen.

/** Counts painted (non-background) pixels of the canvases inside `selector`. */
async function paintedPixels(page, selector) {
  return page.evaluate((sel) => {
    let painted = 0;
    for (const c of document.querySelectorAll(sel + ' canvas')) {
      const g = c.getContext('2d');
      if (!g || !c.width || !c.height) continue;
      const d = g.getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < d.length; i += 16) {
        const [r, gr, b, a] = [d[i], d[i + 1], d[i + 2], d[i + 3]];
        if (a > 0 && !(r > 245 && gr > 245 && b > 245)) painted += 1;
      }
    }
    return painted;
  }, selector);
}

export default async function (ctx) {
  const { assert } = ctx;
  const page = await ctx.newPage();
  await ctx.login(page, 'leader');
  await page.goto(ctx.baseUrl + '/screen');
  await page.waitForURL(/\/screen\/500000/);
  await page.waitForSelector('#map[data-drawn="true"]', { timeout: 20000 });
  const painted = await paintedPixels(page, '#map');
  assert.ok(painted > 2000, `the map canvas should be painted (painted samples: ${painted})`);
  const rows = await page.locator('#league tbody tr').count();
  assert.ok(rows >= 30, `the league should list the districts (rows: ${rows})`);
  const trends = await page.locator('.trend-chart canvas').count();
  assert.ok(trends >= 1, 'trend charts are drawn');
  await ctx.shot(page, 'city-screen');
  // The print stylesheet: A4 landscape, no navigation.
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.topbar').isVisible(), false, 'no top bar in print');
  await page.pdf({ path: `${ctx.shotDir}/city-screen.pdf`, format: 'A4', landscape: true, printBackground: true });
  await page.setViewportSize({ width: 1047, height: 718 }); // A4 landscape less 10 mm margins
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${ctx.shotDir}/city-screen-print.png` }); // the first printed page
  await page.emulateMedia({ media: 'screen' });
  await page.setViewportSize({ width: 1920, height: 1080 });

  // Drill down on the map: click 万州区 at its seat (well inside the district, so the click
  // cannot miss); the click itself must open the district's screen.
  const point = await page.evaluate(() => {
    const chart = echarts.getInstanceByDom(document.getElementById('map'));
    return chart.convertToPixel({ seriesIndex: 0 }, [108.380246, 30.807807]);
  });
  assert.ok(Array.isArray(point), `ECharts places 万州区 on the map (${point})`);
  const box = await page.locator('#map').boundingBox();
  await Promise.all([
    page.waitForURL(/\/screen\/500101(\?|$)/, { timeout: 10000 }),
    page.mouse.click(box.x + point[0], box.y + point[1]),
  ]);
  await page.waitForSelector('h1');
  assert.ok((await page.textContent('h1')).includes('万州区'), 'the map click opened 万州区');
  let crumbs = await page.textContent('nav.breadcrumb');
  assert.ok(crumbs.includes('重庆市'), 'the breadcrumb leads back to the city');

  // The league is the other way down: its 渝中区 link opens 渝中区.
  await page.goBack();
  await page.waitForURL(/\/screen\/500000/);
  await Promise.all([
    page.waitForURL(/\/screen\/500103(\?|$)/),
    page.click('#league a:has-text("渝中区")'),
  ]);
  await page.waitForSelector('h1');
  const title = await page.textContent('h1');
  assert.ok(title.includes('渝中区'), `the league link opened 渝中区 (title: ${title})`);
  const tiles = await page.locator('.tilemap li').count();
  assert.ok(tiles >= 5, `the district screen shows its towns as tiles (${tiles})`);
  await ctx.shot(page, 'district-screen');

  // Into a town: the tile with the most work items.
  const town = await page.evaluate(() => {
    let best = null;
    let most = -1;
    for (const li of document.querySelectorAll('.tilemap li')) {
      const m = /事项(\d+)件/.exec(li.textContent);
      const n = m ? Number(m[1]) : 0;
      if (n > most) { most = n; best = li.querySelector('a').getAttribute('href'); }
    }
    return best;
  });
  assert.ok(town, 'a town tile to click');
  await Promise.all([
    page.waitForURL(/\/screen\/500103\d{3}(\?|$)/),
    page.click(`.tilemap a[href="${town}"]`),
  ]);
  await page.waitForSelector('#work');
  crumbs = await page.textContent('nav.breadcrumb');
  assert.ok(crumbs.includes('重庆市') && crumbs.includes('渝中区'), `town breadcrumb: ${crumbs}`);
  // A town with communities (解放碑街道 in the demo) lists them; one without shows its standing.
  if (await page.locator('.standing-panel').count()) {
    const standing = await page.textContent('.standing-panel');
    assert.ok(standing.includes('渝中区') && standing.includes('在重庆市排名'), `standing: ${standing}`);
  } else {
    const communities = await page.locator('.tilemap li').count();
    assert.ok(communities >= 2, `the town lists its communities (${communities})`);
  }
  assert.ok(await page.locator('.tile[data-code="WORK"]').isVisible(), 'the work tile is shown');
  assert.ok(await page.locator('#work').isVisible(), 'the work panel is shown');
  assert.equal(await page.locator('text=本级没有下级单位').count(), 0, 'no empty map');
  await ctx.shot(page, 'town-screen');
  await page.context().close();

  // A printed league table keeps every unit's breakdown: closed <details> on screen, open on paper.
  const ev = await ctx.newPage();
  await ctx.login(ev, 'leader');
  await ev.goto(ctx.baseUrl + '/evaluations/ECONOMY_RACE');
  const breakdown = ev.locator('td.detail table.breakdown').first();
  await ev.waitForSelector('td.detail details');
  assert.equal(await breakdown.isVisible(), false, 'the breakdown is folded on screen');
  await ev.emulateMedia({ media: 'print' });
  assert.equal(await breakdown.isVisible(), true, 'the breakdown prints');
  assert.equal(await ev.locator('a.export').isVisible(), false, 'no export button on paper');
  await ev.pdf({ path: `${ctx.shotDir}/evaluation.pdf`, format: 'A4', landscape: true, printBackground: true });
  await ev.emulateMedia({ media: 'screen' });
  // print.js opens them for browsers without ::details-content, and folds them back after.
  const all = await ev.locator('td.detail details').count();
  await ev.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
  assert.equal(await ev.locator('td.detail details[open]').count(), all, 'beforeprint opens all');
  await ev.evaluate(() => window.dispatchEvent(new Event('afterprint')));
  assert.equal(await ev.locator('td.detail details[open]').count(), 0, 'afterprint folds them');
  await ev.context().close();

  // A district leader may not open the city's screen.
  const other = await ctx.newPage();
  await ctx.login(other, 'yuzhong-leader');
  const resp = await other.goto(ctx.baseUrl + '/screen/500000');
  assert.equal(resp.status(), 403, 'yuzhong-leader is refused the city screen');
  const own = await other.goto(ctx.baseUrl + '/screen');
  assert.equal(own.status(), 200);
  assert.match(other.url(), /\/screen\/500103/);
  await other.context().close();
}
