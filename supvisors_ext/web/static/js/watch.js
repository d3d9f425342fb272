// Subscriptions of a page, all removed together when the page is left.

export function watcher(store) {
  const stops = [];
  return {
    // callback(item) on each delta, callback(null) after a snapshot of the topic
    on(topic, callback) {
      stops.push(store.on(topic, callback));
      stops.push(store.on(`${topic}:reset`, () => callback(null)));
    },
    add(stop) {
      stops.push(stop);
    },
    stop() {
      for (const stop of stops.splice(0)) stop();
    },
  };
}

// Coalesce bursts of events into one render per animation frame.
export function throttled(render) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      render();
    });
  };
}
