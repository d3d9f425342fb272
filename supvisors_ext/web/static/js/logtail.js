// Live tail of a process log, fetched by the serving instance from the instance running the
// process (the browser only talks to the instance that served the page).

import { enc, get } from "./api.js";
import { h, setText } from "./dom.js";

const PERIOD_MS = 1000;

export class LogTail {
  constructor(limit) {
    this.limit = limit || 1024 * 1024; // tailf_limit: bytes kept on screen
    this.stream = h("select.stream", { title: "log stream" },
      h("option", { value: "stdout" }, "stdout"), h("option", { value: "stderr" }, "stderr"));
    this.search = h("input.search", { type: "search", placeholder: "search in the log" });
    this.title = h("span.tail-title", {}, "Choose a process's log");
    this.status = h("span.tail-status");
    this.output = h("pre.tail-output", { tabIndex: 0 });
    this.element = h("section.logtail", { hidden: true },
      h("header", {}, this.title, this.stream, this.search, this.status), this.output);
    this.stream.addEventListener("change", () => this.restart());
    this.search.addEventListener("input", () => this.render());
    this.text = "";
    this.timer = null;
  }

  show(namespec, identifier, nick) {
    this.target = { namespec, identifier };
    setText(this.title, `${namespec} on ${nick}`);
    this.element.hidden = false;
    this.restart();
  }

  restart() {
    this.text = "";
    this.offset = -1; // first fetch: the end of the log
    clearTimeout(this.timer);
    this.fetch();
  }

  async fetch() {
    if (!this.target) return;
    const { namespec, identifier } = this.target;
    const query = `namespec=${enc(namespec)}&identifier=${enc(identifier)}&stream=${this.stream.value}&offset=${this.offset}`;
    const target = this.target;
    const reply = await get(`tail?${query}`);
    if (target !== this.target) return; // another process was chosen meanwhile
    if (reply.ok) {
      this.offset = reply.body.offset;
      if (reply.body.text) this.append(reply.body.text);
      setText(this.status, reply.body.overflow ? "(some output skipped)" : "live");
    } else {
      setText(this.status, reply.body.message);
    }
    this.timer = setTimeout(() => this.fetch(), PERIOD_MS);
  }

  append(text) {
    this.text = (this.text + text).slice(-this.limit);
    this.render();
  }

  render() {
    const needle = this.search.value;
    const lines = needle ? this.text.split("\n").filter((line) => line.includes(needle)) : null;
    const stick = this.output.scrollTop + this.output.clientHeight >= this.output.scrollHeight - 4;
    setText(this.output, lines ? lines.join("\n") : this.text);
    if (stick) this.output.scrollTop = this.output.scrollHeight;
  }

  stop() {
    clearTimeout(this.timer);
    this.target = null;
  }
}
