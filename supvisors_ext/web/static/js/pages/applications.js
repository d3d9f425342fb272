// Applications page: every application, its state, failures and instances; a text filter;
// start (with a strategy picker), stop and restart of managed applications.

import { enc, getOr } from "../api.js";
import { h, setState, setText, syncChildren } from "../dom.js";
import { runJob } from "../jobs.js";
import { throttled, watcher } from "../watch.js";

export const STRATEGIES = ["CONFIG", "LESS_LOADED", "MOST_LOADED", "LOCAL", "LESS_LOADED_NODE", "MOST_LOADED_NODE"];

// a <select> whose first choice is the rules' own strategy, read when needed
export function strategyPicker(application) {
  return h("select.strategy", { title: "starting strategy", dataset: { application } },
    h("option", { value: "" }, "rules' strategy"),
    ...STRATEGIES.map((name) => h("option", { value: name }, name)));
}

export async function chosenStrategy(picker, application) {
  if (picker.value) return picker.value;
  const rules = await getOr(`../api/supvisors/application_rules/${enc(application)}`, {});
  return rules.starting_strategy || "CONFIG";
}

// Start / Stop / Restart buttons of one application, reporting into `panel`
export function applicationActions(store, application, panel) {
  const picker = strategyPicker(application);
  const act = async (verb) => {
    const name = enc(application);
    const strategy = verb === "stop" ? "" : `${await chosenStrategy(picker, application)}/`;
    const path = `../api/supvisors/${verb}_application/${strategy}${name}?wait=true`;
    runJob(store, panel, { label: `${verb} ${application}`, path, application });
  };
  return h("span.actions", {},
    picker,
    h("button.action.start", { onclick: () => act("start") }, "Start"),
    h("button.action.stop", { onclick: () => act("stop") }, "Stop"),
    h("button.action.restart", { onclick: () => act("restart") }, "Restart"));
}

export function wherePlaces(store, application) {
  const places = new Set();
  for (const info of store.processesOf(application)) {
    for (const identifier of info.identifiers || []) places.add(store.nick(identifier));
  }
  return [...places].sort().join(", ");
}

export function mount(root, { store, config }) {
  const watch = watcher(store);
  const filter = h("input.filter", { type: "search", placeholder: "filter by name" });
  const panel = h("div.job", { hidden: true, role: "status" });
  const body = h("tbody");
  root.append(h("h1", {}, "Applications"), filter, panel,
    h("table.grid.applications", {},
      h("thead", {}, h("tr", {}, ...["application", "state", "major", "minor", "running on", config.readonly ? null : "actions"].filter(Boolean).map((t) => h("th", {}, t)))),
      body));
  const rows = new Map();

  function row(info) {
    const cells = { state: h("span.state"), major: h("td"), minor: h("td"), where: h("td.where") };
    const name = info.application_name;
    const actions = !config.readonly && info.managed ? applicationActions(store, name, panel) : "";
    const element = h("tr", { dataset: { application: name } },
      h("td", {}, h("a", { href: `#/application/${enc(name)}` }, name)),
      h("td", {}, cells.state), cells.major, cells.minor, cells.where,
      config.readonly ? null : h("td", {}, actions));
    rows.set(name, { element, cells });
    return rows.get(name);
  }

  function render() {
    const text = filter.value.trim().toLowerCase();
    const names = [...store.applications.keys()].sort();
    const shown = [];
    for (const name of names) {
      const info = store.applications.get(name);
      const entry = rows.get(name) || row(info);
      setState(entry.cells.state, info.statename);
      setText(entry.cells.major, info.major_failure ? "yes" : "");
      setText(entry.cells.minor, info.minor_failure ? "yes" : "");
      setText(entry.cells.where, wherePlaces(store, name));
      if (!text || name.toLowerCase().includes(text)) shown.push(entry.element);
    }
    syncChildren(body, shown);
  }

  const refresh = throttled(render);
  filter.addEventListener("input", refresh);
  watch.on("application", refresh);
  watch.on("process", refresh);
  watch.on("instance", refresh);
  render();
  return () => watch.stop();
}
