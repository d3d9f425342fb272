// Application page: its processes (state, instances, pid, uptime, CPU, memory), actions per
// process and for the whole application, and the live log tail.

import { enc, getOr } from "../api.js";
import { duration, h, setState, setText, syncChildren } from "../dom.js";
import { runJob } from "../jobs.js";
import { LogTail } from "../logtail.js";
import { namespec } from "../store.js";
import { applicationActions, chosenStrategy, strategyPicker } from "./applications.js";
import { throttled, watcher } from "../watch.js";

const COLUMNS = ["process", "state", "instances", "pid", "uptime", "cpu %", "mem %", "log"];

export function mount(root, { store, config }, [application]) {
  const watch = watcher(store);
  const panel = h("div.job", { hidden: true, role: "status" });
  const state = h("span.state");
  const tail = new LogTail(config.tailf_limit);
  const body = h("tbody");
  const inner = new Map(); // namespec@identifier -> local process info (pid, start, now)
  root.append(
    h("h1", {}, application, " ", state),
    config.readonly ? null : applicationActions(store, application, panel),
    panel,
    h("table.grid.processes", {},
      h("thead", {}, h("tr", {}, ...COLUMNS.map((t) => h("th", {}, t)), config.readonly ? null : h("th", {}, "actions"))),
      body),
    tail.element);
  const rows = new Map();

  function processActions(spec) {
    const picker = strategyPicker(application);
    const act = async (verb) => {
      const strategy = verb === "stop" ? "" : `${await chosenStrategy(picker, application)}/`;
      runJob(store, panel, { label: `${verb} ${spec}`, path: `../api/supvisors/${verb}_process/${strategy}${enc(spec)}?wait=true` });
    };
    return h("td.actions", {}, picker,
      h("button.action.start", { onclick: () => act("start") }, "Start"),
      h("button.action.stop", { onclick: () => act("stop") }, "Stop"),
      h("button.action.restart", { onclick: () => act("restart") }, "Restart"));
  }

  function row(info) {
    const spec = namespec(info);
    const cells = {
      state: h("span.state"), where: h("td.where"), pid: h("td.num"), uptime: h("td.num"),
      cpu: h("td.num"), mem: h("td.num"), log: h("td.log"),
    };
    const element = h("tr", { dataset: { namespec: spec } },
      h("td", {}, info.process_name), h("td", {}, cells.state), cells.where, cells.pid,
      cells.uptime, cells.cpu, cells.mem, cells.log, config.readonly ? null : processActions(spec));
    rows.set(spec, { element, cells, logsFor: "" });
    return rows.get(spec);
  }

  function renderLogLinks(entry, spec, identifiers) {
    const key = identifiers.join(",");
    if (entry.logsFor === key) return;
    entry.logsFor = key;
    entry.cells.log.replaceChildren(...identifiers.map((identifier) =>
      h("button.link.tail", { onclick: () => tail.show(spec, identifier, store.nick(identifier)) }, store.nick(identifier))));
  }

  function render() {
    const appInfo = store.applications.get(application) || {};
    setState(state, appInfo.statename);
    const shown = [];
    for (const info of store.processesOf(application)) {
      const spec = namespec(info);
      const entry = rows.get(spec) || row(info);
      const identifiers = info.identifiers || [];
      setState(entry.cells.state, info.statename);
      setText(entry.cells.where, identifiers.map((i) => store.nick(i)).join(", "));
      const local = inner.get(`${spec}@${identifiers[0]}`);
      setText(entry.cells.pid, local && local.pid ? local.pid : "");
      setText(entry.cells.uptime, local && local.pid ? duration(Date.now() / 1000 - local.start) : "");
      const stats = store.pstats.get(`${spec}@${identifiers[0]}`);
      setText(entry.cells.cpu, stats ? Number(stats.cpu).toFixed(1) : "");
      setText(entry.cells.mem, stats ? Number(stats.mem).toFixed(1) : "");
      renderLogLinks(entry, spec, identifiers);
      shown.push(entry.element);
    }
    syncChildren(body, shown);
  }

  // pid and start time of the processes, as each instance reports them (when available)
  async function loadInner() {
    const places = new Set();
    for (const info of store.processesOf(application)) for (const i of info.identifiers || []) places.add(i);
    for (const identifier of places) {
      const infos = await getOr(`../api/supvisors/all_inner_process_info/${enc(identifier)}`, []);
      for (const info of infos) inner.set(`${namespec({ application_name: info.group, process_name: info.name })}@${identifier}`, info);
    }
    refresh();
  }

  const refresh = throttled(render);
  const reloadInner = debounce(loadInner, 500);
  watch.on("application", refresh);
  watch.on("process", (info) => {
    refresh();
    if (!info || info.application_name === application) reloadInner();
  });
  watch.on("pstats", refresh);
  const clock = setInterval(refresh, 1000); // uptimes
  render();
  loadInner();
  return () => { watch.stop(); tail.stop(); clearInterval(clock); };
}

function debounce(action, delay) {
  let timer = null;
  return () => { clearTimeout(timer); timer = setTimeout(action, delay); };
}
