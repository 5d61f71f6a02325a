// The one screen's charts: the five-colour map of the children (ECharts map series over the
// GeoJSON served by /api/v1/screen/{code}/map) and the trend lines. Data comes from the JSON the
// server embeds in <script id="screen-data">; everything readable is also in the HTML tables.
(function () {
  'use strict';
  var charts = [];
  var pending = 0;

  function done() {
    pending -= 1;
    if (pending <= 0) {
      document.documentElement.setAttribute('data-charts', 'ready');
    }
  }

  function screenUrl(data, key) {
    return '/screen/' + encodeURIComponent(key) + '?period=' + encodeURIComponent(data.period);
  }

  function drawMap(data, el) {
    pending += 1;
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    charts.push(chart);
    chart.showLoading({ text: '地图加载中…' });
    fetch(data.mapUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) {
        if (!r.ok) { throw new Error('HTTP ' + r.status); }
        return r.json();
      })
      .then(function (geo) {
        var mapName = 'yiping-' + data.key;
        echarts.registerMap(mapName, geo);
        var legend = data.legend || [];
        var keyByName = {};
        var values = [];
        data.children.forEach(function (c) {
          keyByName[c.name] = c.key;
          if (c.functional) { return; }
          var idx = c.colour ? legend.findIndex(function (l) { return l.name === c.colour.name; }) : -1;
          values.push({
            name: c.name, value: idx >= 0 ? idx : null, colourName: c.colour ? c.colour.name : '无数据',
            meaning: c.colour ? c.colour.meaning : '', score: c.value, rank: c.rank, grade: c.grade
          });
        });
        chart.hideLoading();
        var drawn = false;
        var markDrawn = function () {
          if (drawn) { return; }
          drawn = true;
          el.setAttribute('data-drawn', 'true');
          done();
        };
        chart.on('finished', markDrawn);
        chart.setOption({
          animation: false,
          tooltip: {
            trigger: 'item',
            // The figure behind the colour, where it ranks and its grade, not only the colour.
            formatter: function (p) {
              var d = p.data || {};
              var esc = function (t) { return String(t).replace(/[&<>"]/g, function (ch) { return '&#' + ch.charCodeAt(0) + ';'; }); };
              var lines = ['<strong>' + esc(p.name) + '</strong>'];
              if (d.score !== null && d.score !== undefined) {
                lines.push(esc(data.valueLabel || '得分') + '：' + Number(d.score).toFixed(2));
              }
              if (d.rank) { lines.push('名次：第' + d.rank + '位' + (data.ranked ? ' / ' + data.ranked : '')); }
              if (d.grade) { lines.push('等次：' + esc(d.grade)); }
              lines.push('颜色：' + esc(d.colourName || '无数据') + (d.meaning ? '（' + esc(d.meaning) + '）' : ''));
              return lines.join('<br>');
            }
          },
          visualMap: {
            type: 'piecewise',
            show: false,
            pieces: legend.map(function (l, i) { return { value: i, label: l.name, color: l.rgb }; }),
            outOfRange: { color: '#DDDDDD' }
          },
          series: [{
            type: 'map',
            map: mapName,
            roam: false,
            selectedMode: false,
            layoutCenter: ['50%', '50%'],
            layoutSize: '98%',
            label: { show: true, fontSize: 10, color: '#1F2933' },
            // The dense central districts: a label that would overlap another is hidden (the
            // tooltip and the league still name them) rather than printed on top of it.
            labelLayout: { hideOverlap: true },
            itemStyle: { borderColor: '#FFFFFF', borderWidth: 1, areaColor: '#DDDDDD' },
            emphasis: { label: { fontSize: 13, fontWeight: 'bold' }, itemStyle: { areaColor: '#4C8BF5' } },
            data: values
          }]
        });
        chart.on('click', function (p) {
          var key = keyByName[p.name];
          if (key) { window.location.href = screenUrl(data, key); }
        });
        // 'finished' may have fired inside setOption already; the next frame is drawn anyway.
        window.requestAnimationFrame(function () { window.setTimeout(markDrawn, 50); });
      })
      .catch(function (e) {
        chart.hideLoading();
        el.textContent = '地图加载失败：' + e.message;
        el.classList.add('failed');
        done();
      });
  }

  function drawTrend(trend, el) {
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    charts.push(chart);
    chart.setOption({
      animation: false,
      title: { text: trend.name + '（' + trend.unit + '）', textStyle: { fontSize: 13, fontWeight: 'normal' }, left: 0, top: 0 },
      grid: { left: 40, right: 12, top: 30, bottom: 24 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: trend.points.map(function (p) { return p.label; }), axisLabel: { fontSize: 10 } },
      yAxis: { type: 'value', scale: true, axisLabel: { fontSize: 10 } },
      series: [{
        type: 'line',
        name: trend.name,
        connectNulls: true,
        symbolSize: 4,
        lineStyle: { width: 2 },
        data: trend.points.map(function (p) { return p.value; })
      }]
    });
  }

  function init() {
    // Choosing a period shows it (no inline handler: the Content-Security-Policy forbids them).
    var picker = document.getElementById('period');
    if (picker && picker.form) {
      picker.addEventListener('change', function () { picker.form.submit(); });
    }
    var holder = document.getElementById('screen-data');
    if (!holder || typeof echarts === 'undefined') { return; }
    var data = JSON.parse(holder.textContent);
    pending = 1;
    var mapEl = document.getElementById('map');
    if (mapEl && data.mapUrl) { drawMap(data, mapEl); }
    document.querySelectorAll('.trend-chart').forEach(function (el) {
      var t = data.trends[Number(el.getAttribute('data-index'))];
      if (t) { drawTrend(t, el); }
    });
    done();
    window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
    window.addEventListener('beforeprint', function () { charts.forEach(function (c) { c.resize(); }); });
    // The print stylesheet changes the panels' sizes: follow it (also when print is emulated).
    if (window.matchMedia) {
      window.matchMedia('print').addEventListener('change', function () {
        charts.forEach(function (c) { c.resize(); });
      });
    }
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
