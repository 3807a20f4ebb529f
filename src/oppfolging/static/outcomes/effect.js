// Draw the effect charts as SVG from the JSON the page carries (json_script), the way the
// indicator charts are drawn: no library, no build step. Every chart's numbers are also in a
// table beside it, so the SVG is decoration for sighted readers; its container has role="img"
// and a label. The two arms differ in line style as well as colour.

const SVG = "http://www.w3.org/2000/svg";
const INK = "#15406b";
const OTHER = "#8a4b08";
const GRID = "#c4ccd6";
const TEXT = "#1b1b1b";

function el(name, attrs = {}, text = "") {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text) node.textContent = text;
  return node;
}

function number(value, digits = 2) {
  return value.toLocaleString(document.documentElement.lang || "nb", {
    minimumFractionDigits: digits, maximumFractionDigits: digits,
  });
}

function drawEstimates(container, rows) {
  const width = 420, rowHeight = 44, left = 12, right = 16, top = 8;
  const height = top + rows.length * rowHeight + 30;
  const values = rows.flatMap((r) => [r.low, r.high, r.value]).filter((v) => v !== null && v > 0);
  const lo = Math.log(Math.min(0.25, ...values) * 0.9), hi = Math.log(Math.max(2, ...values) * 1.1);
  const x = (v) => left + ((Math.log(v) - lo) * (width - left - right)) / (hi - lo);
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, "aria-hidden": "true", focusable: "false" });
  const axisY = top + rows.length * rowHeight;
  for (const tick of [0.25, 0.5, 1, 2]) {
    if (Math.log(tick) < lo || Math.log(tick) > hi) continue;
    svg.append(el("line", { x1: x(tick), x2: x(tick), y1: top, y2: axisY, stroke: tick === 1 ? TEXT : GRID,
      "stroke-dasharray": tick === 1 ? "" : "3 3" }));
    svg.append(el("text", { x: x(tick), y: axisY + 16, "text-anchor": "middle", "font-size": 11, fill: TEXT }, number(tick)));
  }
  rows.forEach((r, i) => {
    const y = top + i * rowHeight + 28;
    svg.append(el("text", { x: left, y: y - 14, "font-size": 12, fill: TEXT }, `${r.label}: ${r.text}`));
    if (r.value === null) return;
    const colour = i === 0 ? OTHER : INK;
    svg.append(el("line", { x1: x(r.low), x2: x(r.high), y1: y, y2: y, stroke: colour, "stroke-width": 3 }));
    svg.append(el("rect", { x: x(r.value) - 5, y: y - 5, width: 10, height: 10, fill: colour }));
  });
  container.append(svg);
}

function drawCurves(container, data) {
  const width = 640, height = 240, left = 40, right = 12, top = 28, bottom = 34;
  const months = data.months;
  const all = [...data.treated, ...data.comparison].filter((v) => v !== null);
  const max = Math.max(1, ...all) * 1.1;
  const x = (m) => left + ((m - months[0]) * (width - left - right)) / (months[months.length - 1] - months[0] || 1);
  const y = (v) => top + ((max - v) * (height - top - bottom)) / max;
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, "aria-hidden": "true", focusable: "false" });
  for (const fraction of [0, 0.5, 1]) {
    const v = fraction * max;
    svg.append(el("line", { x1: left, x2: width - right, y1: y(v), y2: y(v), stroke: GRID }));
    svg.append(el("text", { x: left - 4, y: y(v) + 4, "text-anchor": "end", "font-size": 11, fill: TEXT }, number(v, 0)));
  }
  svg.append(el("line", { x1: x(-0.5), x2: x(-0.5), y1: top - 4, y2: height - bottom, stroke: TEXT, "stroke-dasharray": "4 3" }));
  for (const m of months) {
    if (m % 6 === 0) {
      svg.append(el("text", { x: x(m), y: height - bottom + 16, "text-anchor": "middle", "font-size": 11, fill: TEXT }, String(m)));
    }
  }
  svg.append(el("text", { x: (left + width - right) / 2, y: height - 4, "text-anchor": "middle", "font-size": 11, fill: TEXT }, data.axis));
  const line = (values, colour, dash) => {
    let path = "";
    values.forEach((v, i) => {
      if (v === null) return;
      path += `${path && values[i - 1] !== null ? "L" : "M"}${x(months[i])},${y(v)} `;
    });
    svg.append(el("path", { d: path.trim(), fill: "none", stroke: colour, "stroke-width": 2.5, "stroke-dasharray": dash }));
  };
  line(data.comparison, OTHER, "6 4");
  line(data.treated, INK, "");
  // The legend, drawn with the same line styles.
  svg.append(el("line", { x1: left, x2: left + 24, y1: 10, y2: 10, stroke: INK, "stroke-width": 2.5 }));
  svg.append(el("text", { x: left + 30, y: 14, "font-size": 12, fill: TEXT }, data.treatedLabel));
  svg.append(el("line", { x1: left + 170, x2: left + 194, y1: 10, y2: 10, stroke: OTHER, "stroke-width": 2.5, "stroke-dasharray": "6 4" }));
  svg.append(el("text", { x: left + 200, y: 14, "font-size": 12, fill: TEXT }, data.comparisonLabel));
  container.append(svg);
}

function drawAll() {
  const source = document.getElementById("effect-charts");
  if (!source) return;
  const charts = JSON.parse(source.textContent);
  for (const container of document.querySelectorAll("[data-effect-chart]")) {
    container.replaceChildren();
    if (container.dataset.effectChart === "estimates" && charts.estimates) drawEstimates(container, charts.estimates);
    if (container.dataset.effectChart === "curves" && charts.curves) drawCurves(container, charts.curves);
    container.dataset.drawn = "true";
  }
}

drawAll();
