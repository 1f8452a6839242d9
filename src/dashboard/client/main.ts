// The dashboard's only script: live updates, the integrations filter, local times. Pages are
// rendered on the server; this swaps in a page's re-rendered live region when the server says
// something changed, so the browser never builds markup from data itself.

const FRAGMENT_HEADER = "x-dashboard-fragment";

/** The live-feed indicator in the header. */
function setLive(state: "connecting" | "live" | "offline"): void {
  const el = document.getElementById("live");
  if (!el) return;
  el.dataset.state = state;
  el.textContent =
    state === "live" ? "Live" : state === "offline" ? "Reconnecting…" : "Connecting…";
  el.title =
    state === "live"
      ? "Connected to the change feed: this page updates by itself"
      : "Not connected to the change feed; retrying";
}

/** Shows <time> elements in the browser's time zone. */
function localTimes(root: ParentNode): void {
  for (const t of Array.from(root.querySelectorAll<HTMLTimeElement>("time[datetime]"))) {
    const d = new Date(t.dateTime);
    if (!Number.isNaN(d.getTime())) {
      t.title = t.textContent ?? "";
      t.textContent = d.toLocaleString();
    }
  }
}

/** Hides the integration rows the filter does not match (every word must occur). */
function applyFilter(): void {
  const input = document.getElementById("filter") as HTMLInputElement | null;
  if (!input) return;
  const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
  const rows = Array.from(document.querySelectorAll<HTMLTableRowElement>("tr[data-filter]"));
  let shown = 0;
  for (const row of rows) {
    const text = row.dataset.filter ?? "";
    const match = words.every((w) => text.includes(w));
    row.hidden = !match;
    if (match) shown++;
  }
  const count = document.querySelector<HTMLElement>(".count[data-total]");
  if (count) {
    const total = Number(count.dataset.total);
    count.textContent =
      shown === total ? `${total} integrations` : `${shown} of ${total} integrations`;
  }
}

function setupFilter(): void {
  const input = document.getElementById("filter") as HTMLInputElement | null;
  if (!input) return;
  input.addEventListener("input", () => {
    applyFilter();
    // Kept in the URL, so a live refresh renders the same filter on the server.
    const url = new URL(location.href);
    if (input.value) url.searchParams.set("q", input.value);
    else url.searchParams.delete("q");
    history.replaceState(null, "", url);
  });
}

let refreshing = false;
let again = false;

/** Fetches the page's live region again and swaps it in; changes during a fetch queue one more. */
async function refresh(): Promise<void> {
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = true;
  try {
    do {
      again = false;
      const started = Date.now();
      const res = await fetch(location.href, {
        headers: { [FRAGMENT_HEADER]: "1" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (res.status === 401) {
        location.reload();
        return;
      }
      if (!res.ok) continue;
      const region = document.getElementById("live-region");
      if (!region) return;
      // Markup rendered (and escaped) by this dashboard's own server, same origin.
      region.innerHTML = await res.text();
      localTimes(region);
      applyFilter();
      document.body.dataset.updated = String(Date.now());
      // How long each re-render took (fetch and swap), for the latency figures of the tests.
      const took = String(Date.now() - started);
      const before = document.body.dataset.renderMs;
      document.body.dataset.renderMs = before ? `${before},${took}` : took;
      document.dispatchEvent(new CustomEvent("dashboard:updated"));
    } while (again);
  } finally {
    refreshing = false;
  }
}

function follow(url: string): void {
  setLive("connecting");
  const source = new EventSource(url);
  source.addEventListener("ready", () => {
    setLive("live");
    // Anything that changed between the page load and the feed being ready.
    void refresh();
  });
  source.addEventListener("change", () => {
    // When the feed first spoke (tests clear it, then split the live latency with it).
    if (!document.body.dataset.changedAt) document.body.dataset.changedAt = String(Date.now());
    void refresh();
  });
  // EventSource reconnects by itself; the indicator says so meanwhile.
  source.addEventListener("error", () => setLive("offline"));
}

function start(): void {
  localTimes(document);
  setupFilter();
  applyFilter();
  const events = document.body.dataset.events;
  if (events) follow(events);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
