// Collections page: each collection, its members and their states; start, stop, signal.

import { enc, get, getOr, post } from "../api.js";
import { h, setState, setText } from "../dom.js";
import { namespec } from "../store.js";
import { throttled, watcher } from "../watch.js";

const SIGNALS = ["HUP", "USR1", "USR2", "TERM", "INT", "KILL"];

export function mount(root, { store, config }) {
  const watch = watcher(store);
  const result = h("p.result", { role: "status" });
  const list = h("div.collections");
  root.append(h("h1", {}, "Collections"), result, list);
  const states = new Map(); // namespec -> [state elements]

  async function act(path, label) {
    setText(result, `${label}…`);
    const reply = await post(path);
    result.className = reply.ok ? "result ok" : "result refused";
    setText(result, reply.ok ? `${label}: done` : `${label}: refused (${reply.status}) ${reply.body.message}`);
  }

  function actions(name) {
    const signal = h("select.signal", { title: "signal" }, ...SIGNALS.map((s) => h("option", { value: s }, s)));
    const base = "../api/supvisors";
    return h("p.actions", {},
      h("button.action.start", { onclick: () => act(`${base}/start_collection/${enc(name)}?wait=true`, `start ${name}`) }, "Start"),
      h("button.action.stop", { onclick: () => act(`${base}/stop_collection/${enc(name)}?wait=true`, `stop ${name}`) }, "Stop"),
      signal,
      h("button.action", { onclick: () => act(`${base}/signal_collection/${enc(name)}/${signal.value}`, `signal ${name}`) }, "Signal"));
  }

  async function load() {
    const reply = await get("../api/supvisors/collections");
    if (!reply.ok || !reply.body.length) {
      list.replaceChildren(h("p.note", {}, reply.ok ? "No collection is defined." : reply.body.message));
      return;
    }
    states.clear();
    const articles = [];
    for (const collection of reply.body) {
      const members = await getOr(`../api/supvisors/collection_process_info/${enc(collection.name)}`, []);
      const rows = members.map((info) => {
        const state = h("span.state");
        setState(state, info.statename);
        const spec = namespec(info);
        states.set(spec, [...(states.get(spec) || []), state]);
        return h("tr", {}, h("td", {}, spec), h("td", {}, state), h("td", {}, (info.identifiers || []).map((i) => store.nick(i)).join(", ")));
      });
      articles.push(h("article.collection", { dataset: { collection: collection.name } },
        h("h2", {}, collection.name, h("small", {}, ` priority ${collection.priority}`)),
        config.readonly ? null : actions(collection.name),
        h("table.grid", {}, h("thead", {}, h("tr", {}, h("th", {}, "member"), h("th", {}, "state"), h("th", {}, "running on"))), h("tbody", {}, ...rows))));
    }
    list.replaceChildren(...articles);
  }

  const update = throttled(() => {
    for (const [spec, elements] of states) {
      const info = store.processes.get(spec);
      if (info) for (const element of elements) setState(element, info.statename);
    }
  });
  watch.on("process", update);
  load();
  return () => watch.stop();
}
