/* Draws the dashboard's charts with Chart.js (vendored under static/vendor/chartjs) from the JSON endpoints.
 * Each card carries data-url; the answer holds the panels to draw and the table behind them (also the CSV). */
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var texts = document.getElementById("dash-text");
  var ERROR = texts ? texts.dataset.error : "Error";
  var EMPTY = texts ? texts.dataset.empty : "No data";
  Chart.defaults.font.family = '"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif';
  Chart.defaults.color = "#394553";
  Chart.defaults.animation = false;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function isEmpty(panel) {
    return !panel.labels.length || panel.datasets.every(function (d) {
      return d.data.every(function (v) { return !v; });
    });
  }

  function config(panel) {
    var horizontal = !!panel.horizontal;
    var valueAxis = { beginAtZero: true, stacked: !!panel.stacked, ticks: { precision: 0 },
                      title: { display: !!panel.y_label, text: panel.y_label } };
    var categoryAxis = { stacked: !!panel.stacked, ticks: { autoSkip: false } };
    return {
      type: panel.type || "bar",
      data: { labels: panel.labels, datasets: panel.datasets.map(function (d) {
        return Object.assign({ borderWidth: 1, maxBarThickness: 36 }, d);
      }) },
      options: {
        responsive: true, maintainAspectRatio: false, indexAxis: horizontal ? "y" : "x",
        plugins: { legend: { position: "bottom" }, tooltip: { mode: "index", intersect: false } },
        scales: horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis }
      }
    };
  }

  function drawTable(card, data) {
    var body = card.querySelector(".dash-table-body");
    if (!body) { return; }
    var table = el("table");
    var head = el("tr");
    data.columns.forEach(function (c) { head.appendChild(el("th", {}, c.label)); });
    table.appendChild(el("thead")).appendChild(head);
    var tbody = table.appendChild(el("tbody"));
    data.rows.forEach(function (row) {
      var tr = el("tr");
      data.columns.forEach(function (c) {
        var v = row[c.key];
        tr.appendChild(el("td", typeof v === "number" ? { "class": "num" } : {}, v === null ? "" : v));
      });
      tbody.appendChild(tr);
    });
    body.replaceChildren(table);
  }

  function draw(card, data) {
    var holder = card.querySelector(".dash-panels");
    holder.replaceChildren();
    data.charts.forEach(function (panel) {
      var box = el("figure", { "class": "dash-panel" });
      if (data.charts.length > 1 || panel.title) { box.appendChild(el("h3", {}, panel.title)); }
      if (isEmpty(panel)) {
        box.appendChild(el("p", { "class": "muted small" }, EMPTY));
      } else {
        var wrap = el("div", { "class": "dash-canvas" + (panel.horizontal && panel.labels.length > 6 ? " tall" : "") });
        var canvas = el("canvas", { role: "img", "aria-label": data.title + " · " + panel.title });
        wrap.appendChild(canvas);
        box.appendChild(wrap);
        new Chart(canvas, config(panel));
      }
      holder.appendChild(box);
    });
    var note = card.querySelector(".dash-note");
    if (note) { note.textContent = data.note || ""; }
    drawTable(card, data);
    card.dataset.state = "ready";
  }

  document.querySelectorAll("[data-chart][data-url]").forEach(function (card) {
    fetch(card.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) { draw(card, data); })
      .catch(function () {
        card.querySelector(".dash-panels").replaceChildren(el("p", { "class": "error small" }, ERROR));
        card.dataset.state = "error";
      });
  });
})();
