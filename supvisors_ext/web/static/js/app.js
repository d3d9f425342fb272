// Dashboard entry point: theme, first snapshot, event stream, hash router.

import { get, getOr } from "./api.js";
import { h, setText } from "./dom.js";
import { Store } from "./store.js";
import * as cluster from "./pages/cluster.js";
import * as applications from "./pages/applications.js";
import * as application from "./pages/application.js";
import * as instance from "./pages/instance.js";
import * as conflicts from "./pages/conflicts.js";
import * as collections from "./pages/collections.js";

const PAGES = { cluster, applications, application, instance, conflicts, collections };
const TOPICS = ["supvisors", "instance", "application", "process", "hstats", "pstats", "event"];

const store = new Store();
const context = { store, config: {} };
let unmountPage = () => {};

function applyTheme(config) {
  if (config.software_name) {
    setText(document.getElementById("brand-name"), config.software_name);
    document.title = config.software_name;
  }
  if (config.software_icon) {
    const icon = document.getElementById("brand-icon");
    icon.src = config.software_icon;
    icon.hidden = false;
  }
  for (const href of config.css_files || []) {
    document.head.append(h("link", { rel: "stylesheet", href }));
  }
  document.body.classList.toggle("readonly", Boolean(config.readonly));
}

async function loadSnapshot() {
  const base = "../api/supvisors";
  const [state, instances, apps, processes] = await Promise.all([
    getOr(`${base}/supvisors_state`, {}),
    getOr(`${base}/all_instances_info`, []),
    getOr(`${base}/all_applications_info`, []),
    getOr(`${base}/all_process_info`, []),
  ]);
  store.apply("supvisors", state);
  store.apply("instance", instances);
  store.apply("application", apps);
  store.apply("process", processes);
}

function connectEvents() {
  const link = document.getElementById("link-state");
  const source = new EventSource("events");
  source.onopen = () => {
    setText(link, "live");
    link.className = "link live";
  };
  source.onerror = () => {
    setText(link, "reconnecting");
    link.className = "link down";
  };
  for (const topic of TOPICS) {
    source.addEventListener(topic, (message) => {
      try {
        store.apply(topic, JSON.parse(message.data));
      } catch (error) {
        console.error(`bad ${topic} event`, error);
      }
    });
  }
}

function renderHeader() {
  const state = store.supvisors;
  const badge = document.getElementById("fsm-state");
  setText(badge, state.fsm_statename || "UNKNOWN");
  badge.className = `badge fsm-${(state.fsm_statename || "unknown").toLowerCase()}`;
  const banner = document.getElementById("banner");
  banner.replaceChildren();
  if (state.fsm_statename === "CONCILIATION") {
    banner.append("Conflicts: some processes run on several instances. ",
      h("a", { href: "#/conflicts" }, "Resolve them"));
  } else if (state.rules_error) {
    banner.append(`Rules error: ${state.rules_error}`);
  }
  banner.hidden = !banner.childNodes.length;
  setText(document.getElementById("served-by"), `served by ${state.nick_identifier || ""}`);
}

function route() {
  const [name, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  const page = PAGES[name] ? name : "cluster";
  for (const link of document.querySelectorAll("nav a")) {
    link.classList.toggle("active", link.dataset.page === page);
  }
  unmountPage();
  const view = document.getElementById("view");
  view.replaceChildren();
  view.dataset.page = page;
  unmountPage = PAGES[page].mount(view, context, rest.map(decodeURIComponent)) || (() => {});
}

async function boot() {
  const reply = await get("dashboard.json");
  context.config = reply.ok ? reply.body : {};
  applyTheme(context.config);
  store.on("supvisors", renderHeader);
  store.on("supvisors:reset", renderHeader);
  connectEvents(); // first: a page that fails to render still follows the cluster
  await loadSnapshot();
  renderHeader();
  window.addEventListener("hashchange", route);
  route();
}

boot();
