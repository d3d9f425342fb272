// The cluster as the browser knows it: one JSON snapshot, then the event stream's deltas.
// Payloads are those of the XML-RPC methods (docs/api.md); topics those of docs/events.md.

export const namespec = (info) =>
  info.application_name === info.process_name
    ? info.process_name
    : `${info.application_name}:${info.process_name}`;

export class Store {
  constructor() {
    this.supvisors = {};
    this.instances = new Map(); // identifier -> instance info
    this.applications = new Map(); // name -> application info
    this.processes = new Map(); // namespec -> process info
    this.hstats = new Map(); // identifier -> latest hstats payload
    this.pstats = new Map(); // namespec@identifier -> latest pstats payload
    this.listeners = new Map(); // topic -> Set of callbacks
  }

  on(topic, callback) {
    if (!this.listeners.has(topic)) this.listeners.set(topic, new Set());
    this.listeners.get(topic).add(callback);
    return () => this.listeners.get(topic).delete(callback);
  }

  emit(topic, item) {
    for (const callback of this.listeners.get(topic) || []) {
      try {
        callback(item);
      } catch (error) {
        console.error(`listener of ${topic} failed`, error);
      }
    }
  }

  // a snapshot (array) replaces a collection; a single payload updates one entry
  apply(topic, payload) {
    const items = Array.isArray(payload) ? payload : [payload];
    const reset = Array.isArray(payload);
    switch (topic) {
      case "supvisors":
        for (const item of items) this.supvisors = item;
        break;
      case "instance":
        this.merge(this.instances, items, (i) => i.identifier, reset);
        break;
      case "application":
        this.merge(this.applications, items, (i) => i.application_name, reset);
        break;
      case "process":
        this.merge(this.processes, items, namespec, reset);
        break;
      case "hstats":
        for (const item of items) this.hstats.set(item.identifier, item);
        break;
      case "pstats":
        for (const item of items) this.pstats.set(`${item.namespec}@${item.identifier}`, item);
        break;
      default:
        break;
    }
    if (reset) this.emit(`${topic}:reset`, items);
    else for (const item of items) this.emit(topic, item);
  }

  merge(map, items, keyOf, reset) {
    if (reset) map.clear();
    for (const item of items) map.set(keyOf(item), item);
  }

  nick(identifier) {
    const info = this.instances.get(identifier);
    return info ? info.nick_identifier : identifier;
  }

  processesOf(application) {
    const result = [];
    for (const info of this.processes.values()) {
      if (info.application_name === application) result.push(info);
    }
    return result.sort((a, b) => a.process_name.localeCompare(b.process_name));
  }

  runningOn(identifier) {
    let count = 0;
    for (const info of this.processes.values()) {
      if ((info.identifiers || []).includes(identifier)) count += 1;
    }
    return count;
  }
}
