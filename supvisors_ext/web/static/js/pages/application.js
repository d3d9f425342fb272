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
const NUMERIC = new Set(["pid", "uptime", "cpu %", "mem %"]);

export function mount(root, { store, config }, [application]) {
  const watch = watcher(store);
  const panel = h("div.job", { hidden: true, role: "status" });
  const processPicker = strategyPicker(application);
  // actions of the selected process: one toolbar instead of 900 buttons in 300 rows
  const chosen = h("strong.chosen", {}, "none");
  const toolbar = h("div.actions.process-actions", {}, "Process ", chosen, " ", processPicker,
    ...["start", "stop", "restart"].map((verb) =>
      h(`button.action.${verb}`, { dataset: { verb } }, verb[0].toUpperCase() + verb.slice(1))));
  let selected = "";
  const state = h("span.state");
  const tail = new LogTail(config.tailf_limit);
  const body = h("tbody");
  const inner = new Map(); // namespec@identifier -> local process info (pid, start, now)
  root.append(
    h("h1", {}, application, " ", state),
    config.readonly ? "" : h("div.actions.app-actions", {}, "Application ", applicationActions(store, application, panel)),
    config.readonly ? "" : toolbar,
    panel,
    h("table.grid.processes", {},
      h("thead", {}, h("tr", {}, ...COLUMNS.map((t) => h(NUMERIC.has(t) ? "th.num" : "th", {}, t)))),
      body),
    tail.element);
  const rows = new Map();

  // a click on a row selects its process for the toolbar
  body.addEventListener("click", (event) => {
    const row = event.target.closest("tr[data-namespec]");
    if (!row || event.target.closest("button")) return;
    for (const old of body.querySelectorAll("tr.selected")) old.classList.remove("selected");
    row.classList.add("selected");
    selected = row.dataset.namespec;
    setText(chosen, selected);
  });
  toolbar.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-verb]");
    if (!button || !selected) return;
    const verb = button.dataset.verb;
    const strategy = verb === "stop" ? "" : `${await chosenStrategy(processPicker, application)}/`;
    runJob(store, panel, { label: `${verb} ${selected}`, path: `../api/supvisors/${verb}_process/${strategy}${enc(selected)}?wait=true` });
  });

  // one row built with h(), then cloned natively for each process (fast at 300 rows)
  const template = h("tr", {},
    h("td"), h("td", {}, h("span.state")), h("td.where"), h("td.num"), h("td.num"),
    h("td.num"), h("td.num"), h("td.log"));

  function row(info) {
    const spec = namespec(info);
    const element = template.cloneNode(true);
    element.dataset.namespec = spec;
    const [name, state, where, pid, uptime, cpu, mem, log] = element.cells;
    name.textContent = info.process_name;
    const cells = { state: state.firstChild, where, pid, uptime, cpu, mem, log };
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
