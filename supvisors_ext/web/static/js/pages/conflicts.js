// Conflicts page: each process running on several instances, its copies (instance, uptime);
// stop one copy, keep one copy, or apply a conciliation strategy to all conflicts.

import { enc, get, post } from "../api.js";
import { h, setText } from "../dom.js";
import { throttled, watcher } from "../watch.js";

const STRATEGIES = ["SENICIDE", "INFANTICIDE", "USER", "STOP", "RESTART", "RUNNING_FAILURE"];

export function mount(root, { store, config }) {
  const watch = watcher(store);
  const result = h("p.result", { role: "status" });
  const list = h("div.conflicts");
  const strategy = h("select.strategy", { title: "conciliation strategy" }, ...STRATEGIES.map((s) => h("option", { value: s }, s)));
  const applyAll = h("button.action", { onclick: () => act(`../api/supvisors/conciliate/${strategy.value}`, `conciliate ${strategy.value}`) }, "Apply to all");
  root.append(h("h1", {}, "Conflicts"), config.readonly ? "" : h("p.actions", {}, strategy, applyAll), result, list);

  async function act(path, label) {
    setText(result, `${label}…`);
    const reply = await post(path);
    result.className = reply.ok ? "result ok" : "result refused";
    setText(result, reply.ok ? `${label}: done` : `${label}: refused (${reply.status}) ${reply.body.message}`);
    refresh();
  }

  const stopCopy = (spec, identifier) => act(`copy/stop?namespec=${enc(spec)}&identifier=${enc(identifier)}`, `stop ${spec} on ${store.nick(identifier)}`);
  const keepCopy = (spec, identifier) => act(`copy/keep?namespec=${enc(spec)}&identifier=${enc(identifier)}`, `keep ${spec} on ${store.nick(identifier)}`);

  async function render() {
    const reply = await get("../api/supvisors/conflicts");
    const conflicts = reply.ok ? reply.body : [];
    const count = document.getElementById("conflict-count");
    setText(count, conflicts.length);
    count.hidden = !conflicts.length;
    if (!conflicts.length) {
      list.replaceChildren(h("p.note", {}, reply.ok ? "No conflict." : reply.body.message));
      return;
    }
    list.replaceChildren(...conflicts.map((info) => {
      const spec = `${info.application_name}:${info.process_name}`;
      return h("article.conflict", { dataset: { namespec: spec } }, h("h2", {}, spec),
        h("ul", {}, ...(info.identifiers || []).map((identifier) => h("li", {}, store.nick(identifier),
          config.readonly ? null : h("button.action.stop", { onclick: () => stopCopy(spec, identifier) }, "Stop this copy"),
          config.readonly ? null : h("button.action", { onclick: () => keepCopy(spec, identifier) }, "Keep only this one")))));
    }));
  }

  const refresh = throttled(render);
  watch.on("process", refresh);
  watch.on("supvisors", refresh);
  render();
  return () => watch.stop();
}
