// A city leader opens the city's one screen: the map canvas is painted, the league has rows;
// clicking a district on the map (or its league row) opens the district's screen; a district
// leader cannot open the city's screen.

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

  // Drill down: click 渝中区 on the map (its label position comes from ECharts).
  const point = await page.evaluate(() => {
    const el = document.getElementById('map');
    const chart = echarts.getInstanceByDom(el);
    const p = chart.convertToPixel({ seriesIndex: 0 }, [106.56288, 29.556742]);
    return p;
  });
  let drilled = false;
  if (Array.isArray(point)) {
    const box = await page.locator('#map').boundingBox();
    await page.mouse.click(box.x + point[0], box.y + point[1]);
    try {
      await page.waitForURL(/\/screen\/(?!500000)\d+/, { timeout: 5000 });
      drilled = true;
    } catch {
      drilled = false;
    }
  }
  if (!drilled) {
    // The map click missed (a tiny central district): the league row is the other way down.
    await page.click('#league a:has-text("渝中区")');
    await page.waitForURL(/\/screen\/500103/);
  }
  const url = new URL(page.url());
  assert.match(url.pathname, /^\/screen\/5\d{5}$/);
  await page.waitForSelector('h1');
  const title = await page.textContent('h1');
  assert.ok(!title.includes('重庆市 ·'), `a district screen opened (title: ${title})`);
  const crumbs = await page.textContent('nav.breadcrumb');
  assert.ok(crumbs.includes('重庆市'), 'the breadcrumb leads back to the city');
  const tiles = await page.locator('.tilemap li').count();
  assert.ok(tiles >= 5, `the district screen shows its towns as tiles (${tiles})`);
  await ctx.shot(page, 'district-screen');
  await page.context().close();

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
