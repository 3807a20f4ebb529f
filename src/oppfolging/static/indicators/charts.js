// Draw the indicator charts as SVG from the JSON the page carries (json_script).
// No library and no build step. Each chart's numbers are also in a table beside it, so the
// SVG is decoration for sighted readers; the container carries role="img" and a label.

const SVG = "http://www.w3.org/2000/svg";
const INK = "#15406b";
const GRID = "#c4ccd6";
const TEXT = "#1b1b1b";

function el(name, attrs = {}, text = "") {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text) node.textContent = text;
  return node;
}

function number(value) {
  return value.toLocaleString(document.documentElement.lang || "nb", { maximumFractionDigits: 1 });
}

function scaleMax(values, unit) {
  if (unit === "share") return 1;
  const max = Math.max(0, ...values.filter((v) => v !== null));
  return max > 0 ? max * 1.1 : 1;
}

function scaleMin(values, unit) {
  if (unit !== "change") return 0;
  const min = Math.min(0, ...values.filter((v) => v !== null));
  return min < 0 ? min * 1.1 : 0;
}

function drawTrend(container, data) {
  const points = data.trend;
  const width = 360, height = 180, left = 44, right = 12, top = 12, bottom = 36;
  const values = points.map((p) => p.value);
  const max = scaleMax(values, data.unit), min = scaleMin(values, data.unit);
  const x = (i) => left + (points.length < 2 ? 0 : (i * (width - left - right)) / (points.length - 1));
  const y = (v) => top + ((max - v) * (height - top - bottom)) / (max - min || 1);
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, "aria-hidden": "true", focusable: "false" });
  for (const fraction of [0, 0.5, 1]) {
    const v = min + fraction * (max - min);
    svg.append(el("line", { x1: left, x2: width - right, y1: y(v), y2: y(v), stroke: GRID }));
    const label = data.unit === "share" ? `${Math.round(v * 100)} %` : number(v);
    svg.append(el("text", { x: left - 4, y: y(v) + 4, "text-anchor": "end", "font-size": 11, fill: TEXT }, label));
  }
  let path = "";
  points.forEach((p, i) => {
    if (p.value === null) return;
    path += `${path && points[i - 1] && points[i - 1].value !== null ? "L" : "M"}${x(i)},${y(p.value)} `;
  });
  svg.append(el("path", { d: path.trim(), fill: "none", stroke: INK, "stroke-width": 2.5 }));
  points.forEach((p, i) => {
    if (p.value !== null) svg.append(el("circle", { cx: x(i), cy: y(p.value), r: 3.5, fill: INK }));
    const every = Math.ceil(points.length / 6);
    if (i % every === 0 || i === points.length - 1) {
      svg.append(el("text", { x: x(i), y: height - bottom + 16, "text-anchor": "middle", "font-size": 11, fill: TEXT },
        p.label.length > 10 ? p.label.slice(0, 3) + p.label.slice(-5) : p.label));
    }
  });
  container.append(svg);
}

function drawBars(container, data) {
  const bars = data.bars;
  const rowHeight = 24, width = 360, labelWidth = 150, right = 56;
  const height = bars.length * rowHeight + 8;
  const values = bars.map((b) => b.value);
  const max = scaleMax(values, data.barUnit);
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, "aria-hidden": "true", focusable: "false" });
  bars.forEach((b, i) => {
    const yTop = 4 + i * rowHeight;
    const label = b.label.length > 22 ? b.label.slice(0, 21) + "…" : b.label;
    svg.append(el("text", { x: labelWidth - 6, y: yTop + 15, "text-anchor": "end", "font-size": 11, fill: TEXT }, label));
    const w = b.value === null ? 0 : ((width - labelWidth - right) * b.value) / max;
    svg.append(el("rect", { x: labelWidth, y: yTop + 3, width: Math.max(w, 0), height: rowHeight - 8, fill: INK }));
    svg.append(el("text", { x: labelWidth + Math.max(w, 0) + 4, y: yTop + 15, "font-size": 11, fill: TEXT }, b.text));
  });
  container.append(svg);
}

function drawAll() {
  const source = document.getElementById("indicator-charts");
  if (!source) return;
  const charts = JSON.parse(source.textContent);
  for (const container of document.querySelectorAll("[data-chart]")) {
    const data = charts[container.dataset.chart];
    if (!data) continue;
    container.replaceChildren();
    if (container.dataset.kind === "trend" && data.trend.length) drawTrend(container, data);
    if (container.dataset.kind === "bars" && data.bars.length) drawBars(container, data);
    container.dataset.drawn = "true";
  }
}

drawAll();
