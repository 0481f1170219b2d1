/* The analysis page: draws the embedded Plotly figures and applies the group and time-window filters.
 *
 * Everything the page knows comes from JSON embedded by the server (<script type="application/json">)
 * or fetched from this site (the analyst's people map); text from the data is put into the page with
 * textContent only, and into Plotly escaped the way ona.viz escapes it.
 */
(function () {
  "use strict";

  var data = readJSON("page-data");
  var config = readJSON("plotly-config");
  var plots = {};          // name -> rendered element
  var originals = {};      // name -> copies of what the filters change
  var state = { group: "", period: "" };
  var LINK_TRACES = { "links": 1, "weak-links": 1, "weak-links-minor": 1, "link-hover": 1 };

  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function esc(text) {  // as ona.viz.style.esc: Plotly must show names literally
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function indices(el, meta) {
    var out = [];
    el.data.forEach(function (t, i) { if (t.meta === meta) out.push(i); });
    return out;
  }

  // ------------------------------------------------------------------ drawing

  function draw(name) {
    var el = document.getElementById("fig-" + name);
    var spec = readJSON("figure-" + name);
    if (!el || !spec) return Promise.resolve();
    return Plotly.newPlot(el, spec.data, spec.layout, config).then(function () {
      plots[name] = el;
      remember(name, el);
      applyGroup(name);
      applyPeriod(name);
    });
  }

  function remember(name, el) {
    originals[name] = {
      shapes: (el.layout.shapes || []).slice(),
      colours: el.data.map(function (t) { return t.marker && Array.isArray(t.marker.color) ? t.marker.color.slice() : null; }),
      texts: el.data.map(function (t) { return Array.isArray(t.text) ? t.text.slice() : null; })
    };
  }

  function shapes(name, extra) {  // the figure's own shapes, and the filters'
    return { shapes: originals[name].shapes.concat(extra) };
  }

  function drawWhenNear(name, drawer) {
    var el = document.getElementById("fig-" + name);
    if (!el) return;
    if (!("IntersectionObserver" in window)) { drawer(name); return; }
    var seen = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) {
        seen.disconnect();
        drawer(name);
      }
    }, { rootMargin: "600px 0px" });
    seen.observe(el);
  }

  // ------------------------------------------------------------------ group filter

  function applyGroup(name) {
    var el = plots[name];
    if (!el) return;
    var g = state.group;
    if (name === "department_map") focusMap(el, g);
    else if (name === "silo_ranking") {
      indices(el, "ranking").forEach(function (i) {
        var op = el.data[i].customdata.map(function (c) { return !g || c === g ? 1 : 0.25; });
        Plotly.restyle(el, { "marker.opacity": [op] }, [i]);
      });
    } else if (name === "interaction_heatmap") {
      var extra = [];
      var i = indices(el, "ratio")[0];
      if (g && i !== undefined) {
        var k = el.data[i].x.indexOf(esc(g));
        if (k >= 0) {
          var n = el.data[i].x.length;
          var line = { color: "#1f2933", width: 2 };
          extra.push({ type: "rect", xref: "x", yref: "y", x0: k - 0.5, x1: k + 0.5, y0: -0.5, y1: n - 0.5, line: line });
          extra.push({ type: "rect", xref: "x", yref: "y", x0: -0.5, x1: n - 0.5, y0: k - 0.5, y1: k + 0.5, line: line });
        }
      }
      Plotly.relayout(el, shapes(name, extra));
    } else if (name === "people_map") {
      var idx = indices(el, "people");
      var op = idx.map(function (j) { return !g || el.data[j].name === esc(g) ? 0.9 : 0.08; });
      if (idx.length) Plotly.restyle(el, { opacity: op }, idx);
    } else if (name === "trend_lines") {
      var lines = indices(el, "trend");
      if (!originals[name].opacity) originals[name].opacity = lines.map(function (i) { return el.data[i].opacity; });
      var shown = lines.map(function (i, k) {
        return !g ? originals[name].opacity[k] : (el.data[i].customdata[0] === esc(g) ? 1 : 0.12);
      });
      if (lines.length) Plotly.restyle(el, { opacity: shown }, lines);
    } else if (name === "before_after_map") {
      el.data.forEach(function (t, i) {
        if (!/^groups-/.test(t.meta || "")) return;
        var op = t.customdata.map(function (c) { return !g || c[0] === g ? 0.95 : 0.2; });
        Plotly.restyle(el, { "marker.opacity": [op] }, [i]);
      });
    }
  }

  function focusMap(el, g) {
    var old = indices(el, "focus");
    var chain = old.length ? Plotly.deleteTraces(el, old) : Promise.resolve();
    return chain.then(function () {
      var nodes = indices(el, "groups");
      var pos = {};
      nodes.forEach(function (i) {
        var t = el.data[i];
        t.customdata.forEach(function (c, j) { pos[c] = [t.x[j], t.y[j]]; });
        var op = t.customdata.map(function (c) { return !g || c === g ? 0.95 : 0.2; });
        // a fine grouping names only some groups on the map: the focused one is always named
        var own = originals.department_map && originals.department_map.texts[i];
        var text = own ? own.map(function (x, j) { return t.customdata[j] === g ? esc(g) : x; }) : t.text;
        Plotly.restyle(el, { "marker.opacity": [op], text: [text], "textfont.color": [t.customdata.map(function (c) {
          return !g || c === g ? "#1f2933" : "#9aa5b1";
        })] }, [i]);
      });
      var base = [];
      el.data.forEach(function (t, i) { if (LINK_TRACES[t.meta]) base.push(i); });
      if (base.length) Plotly.restyle(el, { opacity: g ? 0.2 : 1 }, base);
      if (!g || !pos[g]) return;
      var lines = { plain: { x: [], y: [] }, weak: { x: [], y: [] } };
      data.links.forEach(function (lk) {
        var other = lk[0] === g ? lk[1] : (lk[1] === g ? lk[0] : null);
        if (other === null || !pos[other]) return;
        var into = lk[2] ? lines.weak : lines.plain;
        into.x.push(pos[g][0], pos[other][0], null);
        into.y.push(pos[g][1], pos[other][1], null);
      });
      var traces = [];
      if (lines.plain.x.length) traces.push({ type: "scatter", mode: "lines", x: lines.plain.x, y: lines.plain.y, meta: "focus",
        hoverinfo: "skip", showlegend: false, line: { color: "rgba(33,102,172,0.8)", width: 3 } });
      if (lines.weak.x.length) traces.push({ type: "scatter", mode: "lines", x: lines.weak.x, y: lines.weak.y, meta: "focus",
        hoverinfo: "skip", showlegend: false, line: { color: "#d62728", width: 3, dash: "dash" } });
      var first = Math.min.apply(null, nodes);  // under the nodes, so that they stay on top
      if (traces.length) return Plotly.addTraces(el, traces, traces.map(function (_, k) { return first + k; }));
    });
  }

  // A table with data-top shows its first rows that match the group focus and the search box (names),
  // all of them once "show all" is pressed; other lists fold the rows marked "more".
  function filterRows() {
    var g = state.group;
    document.querySelectorAll(".filterable").forEach(function (table) {
      var expanded = table.dataset.expanded === "1";
      var top = table.dataset.top ? parseInt(table.dataset.top, 10) : 0;
      var tools = document.querySelector('.table-tools[data-table="' + table.id + '"]');
      var q = tools ? tools.querySelector("input").value.trim().toLowerCase() : "";
      var hits = 0, shown = 0;
      table.querySelectorAll("[data-groups]").forEach(function (row) {
        var groups = JSON.parse(row.getAttribute("data-groups"));
        var match = (!g || groups.indexOf(g) >= 0) && (!q || groups.join(" ").toLowerCase().indexOf(q) >= 0);
        if (match) hits += 1;
        var show = top ? match && (expanded || hits <= top)
                       : match && (g || expanded || !row.classList.contains("more"));
        row.hidden = !show;
        if (show) shown += 1;
        row.classList.toggle("focus", !!g && match);
      });
      if (tools) {
        var what = q || g ? " matching" : "";
        var button = tools.querySelector(".show-all");
        tools.querySelector(".count").textContent = "Showing " + shown.toLocaleString("en") + " of " +
          hits.toLocaleString("en") + what;
        button.hidden = hits <= top;
        button.textContent = expanded ? "Show the first " + top + " only" : "Show all " + hits.toLocaleString("en") + what;
      }
    });
    document.querySelectorAll(".show-more").forEach(function (b) { b.hidden = !!g; });
  }

  // ------------------------------------------------------------------ "show all" of a figure (fine groupings)

  var figureAll = {};  // name -> true while every group is drawn

  function toggleFigure(button) {
    var name = button.dataset.figure;
    var el = document.getElementById("fig-" + name);
    var all = !figureAll[name];
    button.disabled = true;
    var spec = all
      ? fetch("/analyses/" + encodeURIComponent(data.analysisId) + "/figures/" + name + ".json?groups=all",
              { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) {
            if (!r.ok) throw new Error("the figure could not be loaded (" + r.status + ")");
            return r.json();
          })
      : Promise.resolve(readJSON("figure-" + name));
    return spec.then(function (fig) { return Plotly.react(el, fig.data, fig.layout, config); })
      .then(function () {
        figureAll[name] = all;
        plots[name] = el;
        remember(name, el);
        applyGroup(name);
        button.textContent = all ? button.dataset.top : button.dataset.all;
        el.setAttribute("data-groups-shown", all ? "all" : "top");
      })
      .catch(function (err) { button.insertAdjacentText("afterend", " " + err.message); })
      .then(function () { button.disabled = false; });
  }

  function setGroup(g) {
    state.group = g;
    Object.keys(plots).forEach(applyGroup);
    filterRows();
    status();
  }

  // ------------------------------------------------------------------ time window

  function periodIndex() {
    return data.trends && state.period ? data.trends.labels.indexOf(state.period) : -1;
  }

  function applyPeriod(name) {
    var el = plots[name];
    if (!el || !data.trends) return;
    var k = periodIndex();
    if (name === "department_map") {
      var ei = {};
      if (k >= 0) data.trends.groups.forEach(function (t) { ei[t.group] = t.ei[k]; });
      el.data.forEach(function (t, i) {
        if (t.meta !== "groups" || !t.marker || !t.marker.colorscale || !originals[name].colours[i]) return;
        var colours = k < 0 ? originals[name].colours[i] : t.customdata.map(function (c) {
          return ei[c] === null || ei[c] === undefined ? 0 : ei[c];
        });
        Plotly.restyle(el, { "marker.color": [colours] }, [i]);
      });
      var caption = document.getElementById("map-caption");
      caption.hidden = k < 0;
      caption.textContent = k < 0 ? "" : "Colours show the E-I index in " + state.period +
        " (" + data.trends.period + "); sizes, links and hover figures are for the whole analysis.";
    } else if (name === "trend_lines") {
      Plotly.relayout(el, shapes(name, k < 0 ? [] : [{ type: "rect", xref: "x", yref: "paper", x0: k - 0.5, x1: k + 0.5,
        y0: 0, y1: 1, layer: "below", line: { width: 0 }, fillcolor: "rgba(240,180,41,0.25)" }]));
    }
  }

  function fillPeriodTables() {
    var box = document.getElementById("period-detail");
    if (!box || !data.trends) return;
    var k = periodIndex();
    box.hidden = k < 0;
    if (k < 0) return;
    document.getElementById("period-title").textContent = "In " + state.period;
    var body = document.querySelector("#period-groups tbody");
    body.textContent = "";
    data.trends.groups.slice().sort(function (a, b) { return num(a.ei[k]) - num(b.ei[k]); }).forEach(function (t) {
      body.appendChild(row([t.group], [t.group, fmt(t.ei[k]), fmt(t.insularity[k], 1), String(t.active[k])]));
    });
    body = document.querySelector("#period-links tbody");
    body.textContent = "";
    var weak = data.trends.links.filter(function (lk) { return lk.weak[k]; });
    weak.sort(function (a, b) { return num(a.ratio[k]) - num(b.ratio[k]); });
    weak.forEach(function (lk) {
      body.appendChild(row([lk.source, lk.target], [lk.source + " – " + lk.target, fmt(lk.ratio[k]),
        String(lk.carriers[k]), String(lk.handoffs[k])]));
    });
    if (!weak.length) body.appendChild(row([], ["No weak link in this window.", "", "", ""]));
    filterRows();
  }

  function num(x) { return x === null || x === undefined ? 9 : x; }
  function fmt(x, digits) { return x === null || x === undefined ? "—" : x.toFixed(digits === undefined ? 2 : digits); }

  function row(groups, cells) {
    var tr = document.createElement("tr");
    if (groups.length) tr.setAttribute("data-groups", JSON.stringify(groups));
    cells.forEach(function (text, i) {
      var td = document.createElement("td");
      td.textContent = text;
      if (i > 0) td.className = "n";
      tr.appendChild(td);
    });
    return tr;
  }

  function setPeriod(p) {
    state.period = p;
    Object.keys(plots).forEach(applyPeriod);
    fillPeriodTables();
    status();
  }

  // ------------------------------------------------------------------ people map (analysts)

  function drawPeople(name, colorBy) {
    var el = document.getElementById("fig-people_map");
    if (!el || !data.peopleMap) return;
    var url = data.peopleMap + (colorBy ? "?color_by=" + encodeURIComponent(colorBy) : "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("the people map could not be loaded (" + r.status + ")");
        return r.json();
      })
      .then(function (spec) {
        el.textContent = "";
        return Plotly.react(el, spec.data, spec.layout, config);
      })
      .then(function () { plots.people_map = el; applyGroup("people_map"); })
      .catch(function (err) { el.textContent = err.message; });
  }

  // ------------------------------------------------------------------ wiring

  function status() {
    var parts = [];
    if (state.group) parts.push("showing " + state.group + " and its links");
    if (state.period) parts.push("time window " + state.period);
    document.getElementById("filter-status").textContent = parts.join(" · ");
    var q = new URLSearchParams();
    if (state.group) q.set("group", state.group);
    if (state.period) q.set("period", state.period);
    var s = q.toString();
    history.replaceState(null, "", location.pathname + (s ? "?" + s : "") + location.hash);
  }

  function start() {
    var groupSelect = document.getElementById("group-filter");
    var periodSelect = document.getElementById("period-filter");
    var q = new URLSearchParams(location.search);
    if (q.get("group") && data.groups.indexOf(q.get("group")) >= 0) { groupSelect.value = q.get("group"); state.group = q.get("group"); }
    if (periodSelect && q.get("period") && data.trends && data.trends.labels.indexOf(q.get("period")) >= 0) {
      periodSelect.value = q.get("period"); state.period = q.get("period");
    }
    groupSelect.addEventListener("change", function () { setGroup(groupSelect.value); });
    if (periodSelect) periodSelect.addEventListener("change", function () { setPeriod(periodSelect.value); });
    document.getElementById("filters").addEventListener("submit", function (e) { e.preventDefault(); });
    document.querySelectorAll(".table-tools").forEach(function (tools) {
      var table = document.getElementById(tools.dataset.table);
      tools.querySelector("input").addEventListener("input", filterRows);
      tools.querySelector(".show-all").addEventListener("click", function () {
        table.dataset.expanded = table.dataset.expanded === "1" ? "" : "1";
        filterRows();
      });
    });
    document.querySelectorAll(".figure-all").forEach(function (b) {
      b.addEventListener("click", function () {
        if (!plots[b.dataset.figure]) draw(b.dataset.figure).then(function () { toggleFigure(b); });
        else toggleFigure(b);
      });
    });
    document.querySelectorAll(".show-more").forEach(function (b) {
      b.addEventListener("click", function () {
        document.getElementById(b.dataset.table).dataset.expanded = "1";
        b.hidden = true;
        filterRows();
      });
    });
    var colour = document.getElementById("people-color");
    if (colour) colour.addEventListener("change", function () { drawPeople("people_map", colour.value); });
    filterRows();
    fillPeriodTables();

    // the department map first: the page is usable as soon as it is drawn
    draw("department_map").then(function () {
      window.onaTimings = { mapReady: performance.now() };  // ms since navigation start (benchmarks/bench_pages.py)
      document.body.setAttribute("data-map-ready", "1");
      ["silo_ranking", "interaction_heatmap", "trend_lines", "before_after_map", "community_sankey"].forEach(function (n) {
        drawWhenNear(n, draw);
      });
      drawWhenNear("people_map", function () { drawPeople("people_map", ""); });
    });
  }

  start();
})();
