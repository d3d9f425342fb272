// Start/stop jobs launched from a button: progress while the waiting call runs, then the
// result or the refusal (e.g. ALREADY_STARTED when another console started it first).

import { enc, getOr, post } from "./api.js";
import { h, setState, setText } from "./dom.js";
import { namespec } from "./store.js";

// stage of each process of an application (start_sequence of its rules), {} when unknown
async function stagesOf(application) {
  const rules = await getOr(`../api/supvisors/process_rules/${enc(`${application}:*`)}`, []);
  const stages = {};
  for (const rule of rules) stages[rule.process_name] = rule.start_sequence ?? 0;
  return stages;
}

function progressList(store, application, stages) {
  const rows = new Map();
  const processes = store.processesOf(application)
    .sort((a, b) => (stages[a.process_name] ?? 0) - (stages[b.process_name] ?? 0));
  const list = h("ol.progress");
  for (const info of processes) {
    const state = h("span.state");
    setState(state, info.statename);
    rows.set(namespec(info), state);
    list.append(h("li", {}, h("span.stage", {}, `stage ${stages[info.process_name] ?? 0}`), ` ${info.process_name} `, state));
  }
  const stop = store.on("process", (info) => {
    const state = rows.get(namespec(info));
    if (state) setState(state, info.statename);
  });
  return { list, stop };
}

// run one POST; `panel` shows what happens; resolves to the reply
export async function runJob(store, panel, { label, path, application }) {
  panel.hidden = false;
  panel.className = "job running";
  const title = h("div.job-title", {}, `${label}…`);
  panel.replaceChildren(title);
  let progress = null;
  if (application) {
    progress = progressList(store, application, await stagesOf(application));
    panel.append(progress.list);
  }
  const reply = await post(path);
  if (progress) setTimeout(progress.stop, 2000); // let the last states arrive
  if (reply.ok) {
    panel.className = "job done";
    setText(title, `${label}: done`);
  } else {
    panel.className = "job refused";
    setText(title, `${label}: refused (${reply.status}) ${reply.body.message}`);
  }
  return reply;
}
