/* The staff dashboard's charts: Chart.js (static/vendor/chartjs) draws the numbers the
   page embeds as JSON (#dashboard-charts); the table under each chart holds the same
   numbers. No inline script, no CDN. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-charts");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var lang = document.documentElement.lang || "vi";
  var money = new Intl.NumberFormat(lang, { style: "currency", currency: "VND", maximumFractionDigits: 0 });
  var styles = getComputedStyle(document.documentElement);
  var now = styles.getPropertyValue("--primary").trim() || "#417690";
  var before = "#c4dce8";

  function draw(id, figures, type) {
    var canvas = document.getElementById(id);
    if (!canvas) {
      return;
    }
    new window.Chart(canvas, {
      type: type,
      data: {
        labels: figures.labels,
        datasets: [
          { label: data.legend.current, data: figures.current, backgroundColor: now, borderColor: now },
          { label: data.legend.previous, data: figures.previous, backgroundColor: before, borderColor: before },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { ticks: { autoSkip: true, maxRotation: 0 } },
          y: { beginAtZero: true },
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + money.format(item.raw);
              },
            },
          },
        },
      },
    });
  }

  draw("chart-periods", data.periods, "bar");
  draw("chart-channels", data.channels, "bar");
})();
