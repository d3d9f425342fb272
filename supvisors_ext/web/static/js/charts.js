// Host statistics charts (uPlot, vendored with its licence under vendor/uplot/).
// Input: a list of host statistics payloads, oldest first, as published on the `hstats`
// topic: {period: [start, end], cpu: [total, core0, ...], mem, net_io: {intf: [recv, sent]},
// disk_io: {dev: [read, write]}, disk_usage: {partition: percent}}.

import uPlot from "../vendor/uplot/uPlot.esm.js";
import { h } from "./dom.js";

const COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];

// name -> function(payload) -> {label: value}
const CHARTS = {
  "CPU % (total and per core)": (p) => Object.fromEntries((p.cpu || []).map((v, i) => [i ? `core ${i - 1}` : "total", v])),
  "Memory %": (p) => ({ memory: p.mem }),
  "Network kB/s": (p) => pairs(p.net_io, ["recv", "sent"]),
  "Disk I/O kB/s": (p) => pairs(p.disk_io, ["read", "write"]),
  "Disk usage %": (p) => ({ ...(p.disk_usage || {}) }),
};

function pairs(table, names) {
  const result = {};
  for (const [name, values] of Object.entries(table || {})) {
    (values || []).forEach((value, index) => { result[`${name} ${names[index] || index}`] = value; });
  }
  return result;
}

const timeOf = (p) => (Array.isArray(p.period) ? p.period[1] : 0);

// get_host_statistics gives columns (times, cpu[core][i], mem[i], net_io[name][i]...);
// a series that appeared late is aligned on the most recent times
export function rowsOfHistory(history) {
  const times = history.times || [];
  const at = (values, i) => values[i - (times.length - values.length)];
  const pick = (table, i) => Object.fromEntries(Object.entries(table || {})
    .filter(([, values]) => i >= times.length - values.length)
    .map(([name, values]) => [name, at(values, i)]));
  return times.map((time, i) => ({
    period: [0, time],
    cpu: (history.cpu || []).map((values) => at(values, i)),
    mem: at(history.mem || [], i),
    net_io: pick(history.net_io, i),
    disk_io: pick(history.disk_io, i),
    disk_usage: pick(history.disk_usage, i),
  }));
}

export class HostCharts {
  constructor() {
    this.element = h("div.charts");
    this.history = [];
    this.plots = new Map(); // title -> {plot, labels}
  }

  reset(history) {
    this.history = [...history];
    for (const { plot } of this.plots.values()) plot.destroy();
    this.plots.clear();
    this.element.replaceChildren();
    this.draw();
  }

  push(payload, depth = 200) {
    this.history.push(payload);
    if (this.history.length > depth) this.history.shift();
    this.draw();
  }

  draw() {
    const times = this.history.map(timeOf);
    for (const [title, extract] of Object.entries(CHARTS)) {
      const rows = this.history.map(extract);
      // series that stayed at zero (idle loop devices...) only clutter the legend
      const labels = [...new Set(rows.flatMap((row) => Object.keys(row)))]
        .filter((label) => rows.some((row) => row[label]));
      if (!labels.length) continue;
      const data = [times, ...labels.map((label) => rows.map((row) => row[label] ?? null))];
      const current = this.plots.get(title);
      if (current && current.labels.join() === labels.join()) {
        current.plot.setData(data);
        continue;
      }
      if (current) current.plot.destroy();
      const box = current ? current.box : h("figure.chart", {}, h("figcaption", {}, title));
      if (!current) this.element.append(box);
      const options = {
        width: 460, height: 180, legend: { show: true },
        scales: { x: { time: false } }, // seconds since statistics started on that instance
        axes: [{ label: "s" }, {}],
        series: [{}, ...labels.map((label, i) => ({ label, stroke: COLOURS[i % COLOURS.length], width: 1.5 }))],
      };
      this.plots.set(title, { plot: new uPlot(options, data, box), labels, box });
    }
  }

  destroy() {
    for (const { plot } of this.plots.values()) plot.destroy();
  }
}
