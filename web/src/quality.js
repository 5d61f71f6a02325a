// 数据质量页：每个异常值标记的同月历史小图（ECharts），当月值用醒目颜色。
(function () {
  function draw() {
    var data = document.getElementById('outlier-charts');
    if (!data || typeof echarts === 'undefined') return;
    JSON.parse(data.textContent).forEach(function (c) {
      var el = document.getElementById('outlier-' + c.id);
      if (!el) return;
      var last = c.values.length - 1;
      echarts.init(el).setOption({
        animation: false,
        grid: { left: 4, right: 4, top: 8, bottom: 18 },
        tooltip: { trigger: 'axis' },
        xAxis: { type: 'category', data: c.years, axisLabel: { fontSize: 9 } },
        yAxis: { type: 'value', show: false },
        series: [{
          type: 'bar',
          data: c.values.map(function (v, i) {
            return { value: v, itemStyle: { color: i === last ? '#d9534f' : '#8aa4c8' } };
          })
        }]
      });
    });
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', draw);
  } else {
    draw();
  }
})();
