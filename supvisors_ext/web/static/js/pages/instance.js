// Instance page: host statistics charts over the configured periods, and its processes.

import { enc, get } from "../api.js";
import { h, setState, setText, syncChildren } from "../dom.js";
import { HostCharts, rowsOfHistory } from "../charts.js";
import { namespec } from "../store.js";
import { throttled, watcher } from "../watch.js";

export function mount(root, { store, config }, [identifier]) {
  const watch = watcher(store);
  const info = store.instances.get(identifier) || {};
  const state = h("span.state");
  const periods = h("select.period", { title: "statistics period" });
  const note = h("p.note");
  const charts = new HostCharts();
  const body = h("tbody");
  root.append(
    h("h1", {}, info.nick_identifier || identifier, " ", state),
    h("p.identifier", {}, identifier),
    h("h2", {}, "Host statistics ", periods), note, charts.element,
    h("h2", {}, "Processes"),
    h("table.grid.processes.wide", {}, h("thead", {}, h("tr", {}, h("th", {}, "process"), h("th", {}, "state"), h("th.num", {}, "cpu %"), h("th.num", {}, "mem %"))), body));
  const rows = new Map();

  for (const period of config.stats_periods || []) periods.append(h("option", { value: period }, `${period} s`));
  periods.hidden = !periods.options.length;

  async function loadHistory() {
    const period = periods.value || (config.stats_periods || [])[0];
    if (!period) {
      setText(note, "Statistics are not available on this instance.");
      return;
    }
    // asked of that instance through the serving one: each instance compiles its own
    const reply = await get(`stats?identifier=${enc(identifier)}&period=${enc(period)}`);
    if (!reply.ok) {
      setText(note, `No host statistics: ${reply.body.message}`);
      charts.reset([]);
      return;
    }
    setText(note, "");
    charts.reset(rowsOfHistory(reply.body));
  }

  function render() {
    setState(state, (store.instances.get(identifier) || {}).statename);
    const shown = [];
    for (const process of store.processes.values()) {
      if (!(process.identifiers || []).includes(identifier)) continue;
      const spec = namespec(process);
      let entry = rows.get(spec);
      if (!entry) {
        entry = { element: null, state: h("span.state"), cpu: h("td.num"), mem: h("td.num") };
        entry.element = h("tr", { dataset: { namespec: spec } },
          h("td", {}, h("a", { href: `#/application/${enc(process.application_name)}` }, spec)),
          h("td", {}, entry.state), entry.cpu, entry.mem);
        rows.set(spec, entry);
      }
      setState(entry.state, process.statename);
      const stats = store.pstats.get(`${spec}@${identifier}`);
      setText(entry.cpu, stats ? Number(stats.cpu).toFixed(1) : "");
      setText(entry.mem, stats ? Number(stats.mem).toFixed(1) : "");
      shown.push(entry.element);
    }
    shown.sort((a, b) => a.dataset.namespec.localeCompare(b.dataset.namespec));
    syncChildren(body, shown);
  }

  const refresh = throttled(render);
  periods.addEventListener("change", loadHistory);
  watch.on("process", refresh);
  watch.on("instance", refresh);
  watch.on("pstats", refresh);
  watch.add(store.on("hstats", (stats) => {
    if (stats.identifier === identifier && String(stats.target_period) === String(periods.value)) charts.push(stats);
  }));
  render();
  loadHistory();
  // the stream carries the serving instance's own hstats; others are asked again each period
  const remote = identifier !== config.identifier;
  const period = Number((config.stats_periods || [])[0]) || 0;
  const poll = remote && period ? setInterval(loadHistory, period * 1000) : null;
  return () => { watch.stop(); charts.destroy(); clearInterval(poll); };
}
