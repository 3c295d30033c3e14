"use strict";
// Draws the lanes of the page's data (the JSON in #data, written by
// htmlreport.Write): one row per connection attempt along time, zoomable,
// with a tooltip for whatever is under the pointer. Text from the data only
// ever goes in through textContent.
(function () {
  var data = JSON.parse(document.getElementById("data").textContent);
  var lanes = data.lanes || [];
  var NS = "http://www.w3.org/2000/svg";
  // TAIL is room after the last time, for an end's label. page.css gives
  // the labels the heights of LANE_H and GROUP_H.
  var LANE_H = 26, GROUP_H = 22, AXIS_H = 26, LABEL_W = 280, PAD = 24, TAIL = 64, SEP = 7, HIT = 6;
  var chart = document.getElementById("chart");
  var tip = document.getElementById("tip");
  var scaleText = document.getElementById("scale");

  // span is the last time on the page, in microseconds.
  // Zeros are left out of the data: put them back.
  var span = 1;
  lanes.forEach(function (l) {
    l.a.at = l.a.at || 0;
    l.e.at = l.e.at || 0;
    if (l.gap) l.gap.lo = l.gap.lo || 0, l.gap.hi = l.gap.hi || 0;
    (l.ev || []).forEach(function (e) { e.s = e.s || 0; });
    span = Math.max(span, l.at, l.a.at, l.e.at);
    if (l.gap) span = Math.max(span, l.gap.from + (l.gap.hi || 0));
    (l.ev || []).forEach(function (e) { span = Math.max(span, e.t); });
  });

  function trim(s) { return s.indexOf(".") < 0 ? s : s.replace(/0+$/, "").replace(/\.$/, ""); }
  // dur formats microseconds as Go's time.Duration does, rounded as
  // internal/timeline rounds: "0s", "250ms", "1.5s", "8m32s".
  function dur(us) {
    if (us === 0) return "0s";
    if (us < 0) return "-" + dur(-us);
    if (us < 1000) return us + "µs";
    if (us < 1e6) return trim((us / 1000).toFixed(3)) + "ms";
    var ms = Math.round(us / 1000), h = Math.floor(ms / 3600000);
    ms -= h * 3600000;
    var m = Math.floor(ms / 60000);
    ms -= m * 60000;
    var s = trim((ms / 1000).toFixed(3)) + "s";
    return h ? h + "h" + m + "m" + s : m ? m + "m" + s : s;
  }

  function el(name, cls, attrs, parent) {
    var e = document.createElementNS(NS, name);
    if (cls) e.setAttribute("class", cls);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function div(cls, text, parent) {
    var d = document.createElement("div");
    d.className = cls;
    if (text) d.textContent = text;
    parent.appendChild(d);
    return d;
  }

  // rows: a group heading, or a lane, top to bottom.
  var rows = [], laneRow = [], y = 0, group = null;
  lanes.forEach(function (l, i) {
    if (l.g && l.g !== group) {
      rows.push({ group: l.g, y: y, h: GROUP_H });
      y += GROUP_H;
    }
    group = l.g || null;
    laneRow[i] = rows.length;
    rows.push({ lane: i, y: y, h: LANE_H });
    y += LANE_H;
  });
  var height = Math.max(y, LANE_H);

  var grid = div("grid", "", chart);
  grid.style.gridTemplateColumns = LABEL_W + "px auto";
  grid.style.gridTemplateRows = AXIS_H + "px auto";
  var corner = div("corner", data.origin || "", grid);
  corner.style.height = AXIS_H + "px";
  var axis = el("svg", "axis", { height: AXIS_H }, grid);
  var labels = div("labels", "", grid);
  var svg = el("svg", "lanes", { height: height }, grid);
  svg.style.display = "block";

  rows.forEach(function (r) {
    if (r.group !== undefined) {
      div("label group-label", r.group, labels);
      return;
    }
    var l = lanes[r.lane];
    var d = div("label lane-label" + (l.gap && l.gap.k === "off" ? " off" : ""), "", labels);
    d.dataset.l = r.lane;
    var b = document.createElement("b");
    b.textContent = l.n;
    d.appendChild(b);
    d.appendChild(document.createTextNode(" " + (l.l || "") + " "));
    var a = document.createElement("span");
    a.className = "ans";
    a.textContent = (l.gap && l.gap.k === "off" ? "✗ gap · " : "") + l.a.t;
    d.appendChild(a);
  });

  var zoom = 1, px = 1, hot = null, shapes = [];
  function fitPx() { return Math.max(chart.clientWidth - LABEL_W - PAD - TAIL - 2, 200) / span; }
  function x(t) { return PAD + t * px; }

  function drawAxis(width) {
    axis.textContent = "";
    axis.setAttribute("width", width);
    var steps = [1, 2, 5], step = 1, i = 0;
    while (step * px < 90) { step = steps[i % 3] * Math.pow(10, Math.floor(i / 3)); i++; }
    for (var t = 0; t <= span; t += step) {
      el("line", "tick", { x1: x(t), x2: x(t), y1: AXIS_H - 6, y2: AXIS_H }, axis);
      el("text", "", { x: x(t) + 2, y: AXIS_H - 9 }, axis).textContent = "+" + dur(t);
    }
    return step;
  }

  function arrow(up, cx, top, h, cls, g) {
    var a = up ? top + 3 : top + h - 3, b = up ? top + h - 3 : top + 3, d = up ? 4 : -4;
    return el("path", cls, { d: "M" + cx + " " + b + "V" + a + "M" + (cx - 3) + " " + (a + d) + "L" + cx + " " + a + "L" + (cx + 3) + " " + (a + d) }, g);
  }

  // drawLane draws lane i at the top of row r and returns its shapes for
  // hit testing: {x0, x1, what, el}.
  function drawLane(i, top, g) {
    var l = lanes[i], mid = top + LANE_H / 2, hits = [];
    var over = l.e.k ? l.e.at : l.a.at || l.at;
    if (l.gap) {
      var gx0 = x(l.gap.from), gx1 = x(l.at);
      if (l.gap.k === "in" || l.gap.k === "off") {
        var wx = x(l.gap.from + l.gap.lo);
        el("rect", "window " + l.gap.k, { x: wx, y: top + 4, width: Math.max(x(l.gap.from + l.gap.hi) - wx, 2), height: LANE_H - 8 }, g);
      }
      var gl = el("line", "gap " + l.gap.k, { x1: gx0, x2: gx1, y1: mid, y2: mid }, g);
      hits.push({ x0: Math.min(gx0, gx1), x1: Math.max(gx0, gx1), what: "gap", el: gl });
      if (l.gap.k === "off" && Math.abs(gx1 - gx0) > 90) {
        el("text", "gaptext", { x: Math.min(gx0, gx1) + 4, y: top + 9 }, g).textContent = "✗ " + l.gap.t;
      }
    }
    // Fault bands: from a fault until a heal or the end.
    var faultFrom = -1;
    (l.ev || []).forEach(function (e) {
      if (e.k === "fault" && faultFrom < 0) faultFrom = e.t;
      if (e.k === "heal" && faultFrom >= 0) {
        el("rect", "faultband", { x: x(faultFrom), y: top + 2, width: Math.max(x(e.t) - x(faultFrom), 2), height: LANE_H - 4 }, g);
        faultFrom = -1;
      }
    });
    if (faultFrom >= 0) el("rect", "faultband", { x: x(faultFrom), y: top + 2, width: Math.max(x(over) - x(faultFrom), 2), height: LANE_H - 4 }, g);
    // The handshake, then the open connection.
    var ans = l.a, hsEnd = ans.k === "pending" || ans.k === "hung" ? (l.e.k ? l.e.at : span) : ans.at;
    el("line", "handshake " + ans.k, { x1: x(l.at), x2: x(hsEnd), y1: mid, y2: mid }, g);
    if (ans.k === "accepted") {
      var cx0 = x(ans.at);
      el("rect", "conn", { x: cx0, y: mid - 5, width: Math.max(x(l.e.k ? l.e.at : span) - cx0, 2), height: 10 }, g);
    }
    if (ans.k === "refused" || ans.k === "aborted") {
      var rx = x(ans.at);
      el("path", ans.k, { d: "M" + (rx - 4) + " " + (mid - 4) + "L" + (rx + 4) + " " + (mid + 4) + "M" + (rx - 4) + " " + (mid + 4) + "L" + (rx + 4) + " " + (mid - 4) }, g);
    }
    var am = el("circle", "attempt", { cx: x(l.at), cy: mid, r: 3.5 }, g);
    hits.push({ x0: x(l.at), x1: x(hsEnd), what: "attempt", el: am });
    // Events, at least SEP pixels apart so that those of one instant
    // (virtual time) stay apart and in order.
    var last = -Infinity;
    (l.ev || []).forEach(function (e, j) {
      var ex = Math.max(x(e.t), last + SEP), s;
      var cls = "ev " + e.k + (e.c ? " " + e.c : "") + ((e.k === "from" || e.k === "to") && e.p === undefined ? " none" : "");
      last = ex;
      switch (e.k) {
        case "to": s = arrow(true, ex, top, LANE_H, cls, g); break;
        case "from": s = arrow(false, ex, top, LANE_H, cls, g); break;
        case "echo": s = el("path", cls, { d: "M" + ex + " " + (top + 3) + "V" + (top + LANE_H - 3) + "M" + (ex - 3) + " " + (top + 7) + "L" + ex + " " + (top + 3) + "L" + (ex + 3) + " " + (top + 7) }, g); break;
        case "fault": case "heal": s = el("path", cls, { d: "M" + ex + " " + (mid - 5) + "l5 5l-5 5l-5-5z" }, g); break;
        case "act": case "mismatch": s = el("rect", cls, { x: ex - 3.5, y: mid - 3.5, width: 7, height: 7 }, g); break;
        case "endcheck": s = el("circle", cls, { cx: ex, cy: mid, r: 4 }, g); break;
        default: s = el("circle", cls, { cx: ex, cy: mid, r: 2.5 }, g);
      }
      hits.push({ x0: ex, x1: ex, what: j, el: s });
    });
    if (l.e.k) {
      var ex1 = Math.max(x(l.e.at), last + SEP);
      var em = el("line", "end " + l.e.k + (l.e.clean ? "" : " unclean"), { x1: ex1, x2: ex1, y1: top + 3, y2: top + LANE_H - 3 }, g);
      el("text", "endtext", { x: ex1 + 4, y: mid + 3 }, g).textContent = l.e.code ? String(l.e.code) : l.e.k;
      hits.push({ x0: ex1, x1: ex1, what: "end", el: em });
    }
    return hits;
  }

  function draw() {
    var center = (chart.scrollLeft + (chart.clientWidth + LABEL_W) / 2 - LABEL_W - PAD) / px;
    px = fitPx() * zoom;
    var width = Math.floor(x(span) + TAIL);
    var step = drawAxis(width);
    svg.textContent = "";
    svg.setAttribute("width", width);
    shapes = [];
    var g = el("g", "", {}); // put in the page once drawn
    rows.forEach(function (r, n) {
      if (r.group !== undefined) el("rect", "group-row", { x: 0, y: r.y, width: width, height: r.h }, g);
      else if (n % 2) el("rect", "stripe", { x: 0, y: r.y, width: width, height: r.h }, g);
    });
    for (var t = 0; t <= span; t += step) el("line", "tick", { x1: x(t), x2: x(t), y1: 0, y2: height }, g);
    rows.forEach(function (r) {
      if (r.lane !== undefined) shapes[r.lane] = drawLane(r.lane, r.y, el("g", "lane", { "data-l": r.lane }, g));
    });
    svg.appendChild(g);
    if (zoom !== 1 && isFinite(center)) chart.scrollLeft = Math.max(0, PAD + center * px - (chart.clientWidth - LABEL_W) / 2);
    scaleText.textContent = "×" + (Math.round(zoom * 100) / 100) + " · grid " + dur(step);
  }

  function setZoom(z) {
    zoom = Math.min(Math.max(z, 1), 1e6);
    draw();
  }
  document.getElementById("zoom-in").addEventListener("click", function () { setZoom(zoom * 2); });
  document.getElementById("zoom-out").addEventListener("click", function () { setZoom(zoom / 2); });
  document.getElementById("zoom-fit").addEventListener("click", function () { setZoom(1); });
  chart.addEventListener("wheel", function (ev) {
    if (!ev.ctrlKey && !ev.metaKey) return;
    ev.preventDefault();
    setZoom(zoom * (ev.deltaY < 0 ? 1.25 : 0.8));
  }, { passive: false });
  chart.addEventListener("keydown", function (ev) {
    if (ev.key === "+" || ev.key === "=") setZoom(zoom * 2);
    else if (ev.key === "-") setZoom(zoom / 2);
    else if (ev.key === "0") setZoom(1);
  });

  function line(parts) { return parts.filter(Boolean).join(" · "); }
  // describe says what the pointer is on: a lane's attempt, its gap, its
  // end, or one of its events.
  function describe(l, what) {
    var out = [];
    if (what === "attempt") {
      out.push(line([l.n + " " + (l.l || ""), "arrived +" + dur(l.at), l.a.t + (l.a.k !== "pending" && l.a.k !== "hung" ? " at +" + dur(l.a.at) : "")]));
      if (l.e.t) out.push("end: " + l.e.t + (l.e.k ? " at +" + dur(l.e.at) : ""));
      if (l.note) out.push(l.note);
    } else if (what === "gap") {
      out.push(l.n + ": came " + dur(l.at - l.gap.from) + " after the previous attempt was over (+" + dur(l.gap.from) + ")");
      if (l.gap.k === "in" || l.gap.k === "off") out.push("due between +" + dur(l.gap.from + l.gap.lo) + " and +" + dur(l.gap.from + l.gap.hi));
      if (l.gap.t) out.push(l.gap.t);
    } else if (what === "end") {
      out.push(l.n + " end at +" + dur(l.e.at) + ": " + l.e.t);
    } else {
      var e = l.ev[what];
      out.push(l.n + " +" + dur(e.t) + "  " + e.x);
      if (e.p !== undefined) {
        out.push(e.s + (e.s === 1 ? " byte" : " bytes") + (e.cut ? ", the start kept:" : ":"));
        return { text: out.join("\n"), preview: e.p };
      }
    }
    return { text: out.join("\n") };
  }

  function hide() {
    tip.hidden = true;
    if (hot) hot.classList.remove("hot");
    hot = null;
  }
  svg.addEventListener("mouseleave", hide);
  svg.addEventListener("mousemove", function (ev) {
    var box = svg.getBoundingClientRect(), mx = ev.clientX - box.left, my = ev.clientY - box.top;
    var lo = 0, hi = rows.length - 1;
    while (lo < hi) { var m = (lo + hi + 1) >> 1; if (rows[m].y <= my) lo = m; else hi = m - 1; }
    var r = rows[lo];
    if (!r || r.lane === undefined || my > r.y + r.h) return hide();
    var best = null, bd = HIT + 1;
    (shapes[r.lane] || []).forEach(function (s) {
      var d = mx < s.x0 ? s.x0 - mx : mx > s.x1 ? mx - s.x1 : 0;
      if (s.x0 === s.x1) d -= 0.5; // a marker beats the bar it sits on
      if (d <= bd) { bd = d; best = s; }
    });
    if (!best) return hide();
    if (hot !== best.el) {
      if (hot) hot.classList.remove("hot");
      hot = best.el;
      hot.classList.add("hot");
      var d = describe(lanes[r.lane], best.what);
      tip.textContent = d.text;
      if (d.preview !== undefined) {
        var p = document.createElement("span");
        p.className = "preview";
        p.textContent = d.preview;
        tip.appendChild(p);
      }
    }
    tip.hidden = false;
    var tx = ev.clientX + 14, ty = ev.clientY + 14;
    if (tx + tip.offsetWidth > innerWidth) tx = Math.max(0, ev.clientX - tip.offsetWidth - 14);
    if (ty + tip.offsetHeight > innerHeight) ty = Math.max(0, ev.clientY - tip.offsetHeight - 14);
    tip.style.left = tx + "px";
    tip.style.top = ty + "px";
  });

  draw();
  document.documentElement.dataset.drawn = lanes.length;
})();
