// Cluster page: Supvisors state, Master, one card per instance, cluster-wide actions.

import { post } from "../api.js";
import { confirmAction, h, setState, setText, syncChildren } from "../dom.js";
import { Sparkline } from "../spark.js";
import { throttled, watcher } from "../watch.js";

export function mount(root, { store, config }) {
  const watch = watcher(store);
  const summary = h("section.summary");
  const actions = h("section.actions");
  const cards = h("section.cards");
  const result = h("p.result", { role: "status" });
  root.append(h("h1", {}, "Cluster"), summary, actions, result, cards);
  const byId = new Map(); // identifier -> {card, parts, sparks}

  function renderSummary() {
    const state = store.supvisors;
    summary.replaceChildren(
      h("span", {}, "State "), h("strong.fsm", {}, state.fsm_statename || "UNKNOWN"),
      h("span", {}, " · Master "), h("strong.master", {}, store.nick(state.master_identifier) || "none"),
      state.degraded_mode ? h("span.warn", {}, " · degraded") : "",
    );
    if (!config.readonly) renderActions(state);
  }

  function renderActions(state) {
    const run = async (label, path, question) => {
      if (question && !confirmAction(question)) return;
      setText(result, `${label}…`);
      const reply = await post(path);
      setText(result, reply.ok ? `${label}: done` : `${label}: ${reply.body.message}`);
      result.className = reply.ok ? "result ok" : "result refused";
    };
    const buttons = [];
    if (state.fsm_statename === "SYNCHRONIZATION") {
      buttons.push(h("button.action", { onclick: () => run("end_sync", "../api/supvisors/end_sync") }, "End synchronization"));
    }
    buttons.push(
      h("button.action", { onclick: () => run("restart", "../api/supvisors/restart", "Restart every supervisord of the cluster?") }, "Restart cluster"),
      h("button.action.danger", { onclick: () => run("shutdown", "../api/supvisors/shutdown", "Shut down every supervisord of the cluster?") }, "Shut down cluster"),
    );
    actions.replaceChildren(...buttons);
  }

  function card(info) {
    const parts = {
      state: h("span.state"), load: h("span.load"), running: h("span.running"),
      cpu: h("canvas.spark.cpu", { width: 120, height: 28, title: "CPU %" }),
      mem: h("canvas.spark.mem", { width: 120, height: 28, title: "memory %" }),
    };
    const element = h("article.card", { dataset: { identifier: info.identifier } },
      h("header", {}, h("a.nick", { href: `#/instance/${encodeURIComponent(info.identifier)}` }, info.nick_identifier), parts.state),
      h("div.identifier", {}, info.identifier),
      h("div.figures", {}, h("span", {}, "load "), parts.load, h("span", {}, " · running "), parts.running),
      h("div.sparks", { hidden: true }, h("label", {}, "cpu", parts.cpu), h("label", {}, "mem", parts.mem)),
    );
    const entry = { element, parts, cpu: new Sparkline(parts.cpu), mem: new Sparkline(parts.mem) };
    byId.set(info.identifier, entry);
    return entry;
  }

  function renderCards() {
    const sorted = [...store.instances.values()].sort((a, b) => a.nick_identifier.localeCompare(b.nick_identifier));
    for (const info of sorted) {
      const entry = byId.get(info.identifier) || card(info);
      setState(entry.parts.state, info.statename);
      setText(entry.parts.load, `${info.loading}%`);
      setText(entry.parts.running, store.runningOn(info.identifier));
      entry.element.classList.toggle("failure", Boolean(info.process_failure));
    }
    syncChildren(cards, sorted.map((info) => byId.get(info.identifier).element));
  }

  function onHostStats(stats) {
    const entry = stats && byId.get(stats.identifier);
    if (!entry) return;
    entry.element.querySelector(".sparks").hidden = false;
    entry.cpu.push(Array.isArray(stats.cpu) ? stats.cpu[0] : stats.cpu);
    entry.mem.push(stats.mem);
  }

  const refresh = throttled(() => { renderSummary(); renderCards(); });
  watch.on("supvisors", refresh);
  watch.on("instance", refresh);
  watch.on("process", refresh);
  watch.add(store.on("hstats", onHostStats));
  renderSummary();
  renderCards();
  return () => watch.stop();
}
