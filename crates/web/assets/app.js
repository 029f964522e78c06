// Colony's dashboard: plain JavaScript, no libraries. It uses only the public JSON API and the
// /ws stream, whose binary frame layout is documented in crates/web/src/frame.rs.
"use strict";

const ALIVE = rgba(52, 211, 153);
const DEAD = rgba(17, 24, 39);
const OUTCOMES = ["running", "extinct", "still", "oscillating", "spaceship"];
const STATUSES = ["running", "finished", "killed", "failed", "cancelled"];
const HEADER = 48;
const PLANE_HEADER = 72;
// A game on the plane arrives as a view of at most this many pixels a side (frame.rs PLANE_VIEW);
// its tile is this square, the view centred in it.
const PLANE_VIEW = 256;

const token = new URLSearchParams(location.search).get("token");
const $ = (id) => document.getElementById(id);

// State: the trial as the server last described it, and one entry per game of it.
let trial = { id: 0, status: "idle", spec: null };
let games = [];          // { tile, canvas, ctx, image, cap, frame (latest decoded), dirty, series }
let detailGame = null;   // index of the game shown large, if any
let chart = null;        // { points: [[generation, population]...] } for the detail chart

function rgba(r, g, b) {
  // ImageData is RGBA bytes; viewed as little-endian u32 that is 0xAABBGGRR.
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

// ---- the JSON API ---------------------------------------------------------------------------

async function api(method, path, body) {
  const headers = {};
  if (token) headers["Authorization"] = "Bearer " + token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (_) { data = text; }
  if (!response.ok) {
    let message = (data && data.error) || response.statusText || "request failed";
    if (response.status === 401) message += " (open the URL that colony printed, with its ?token=)";
    throw new Error(message);
  }
  return data;
}

function showError(err) {
  const box = $("error");
  box.textContent = err ? String(err.message || err) : "";
  box.hidden = !err;
  if (err) setTimeout(() => { if (box.textContent === String(err.message || err)) box.hidden = true; }, 8000);
}

const act = (f) => (event) => { if (event) event.preventDefault(); f().then(() => showError(null), showError); };

// ---- the games grid -------------------------------------------------------------------------

function rebuildGrid() {
  const grid = $("grid");
  grid.replaceChildren();
  games = [];
  const spec = trial.spec;
  $("empty").hidden = !!spec;
  if (!spec) return;
  for (let i = 0; i < spec.games; i++) {
    const tile = document.createElement("div");
    tile.className = "tile";
    tile.dataset.game = i;
    const canvas = document.createElement("canvas");
    const [w, h] = tileSize(spec);
    canvas.width = w;
    canvas.height = h;
    canvas.dataset.game = i;
    const cap = document.createElement("div");
    cap.className = "cap";
    cap.innerHTML = '<span class="id"></span><span class="gen"></span><span class="pop"></span>' +
      '<span class="outcome"></span><span class="status"></span><button class="kill" type="button" title="Kill this game">✕</button>';
    cap.querySelector(".id").textContent = "#" + i;
    cap.querySelector(".kill").addEventListener("click", (e) => { e.stopPropagation(); act(() => kill(i))(); });
    tile.append(canvas, cap);
    tile.addEventListener("click", () => openDetail(i));
    grid.append(tile);
    const ctx = canvas.getContext("2d");
    games.push({ tile, canvas, ctx, image: ctx.createImageData(w, h), cap, frame: null, dirty: false });
  }
  layout();
}

// Sizes tiles so that every game fits in the pane without scrolling, as large as possible.
function layout() {
  const spec = trial.spec;
  if (!spec || !games.length) return;
  const pane = $("grid-pane");
  const W = pane.clientWidth - 20, H = pane.clientHeight - 20, gap = 8, caption = 26, pad = 10;
  const [tw, th] = tileSize(spec);
  const aspect = th / tw;
  let best = 40;
  for (let cols = 1; cols <= games.length; cols++) {
    const rows = Math.ceil(games.length / cols);
    const byWidth = (W - gap * (cols - 1)) / cols - pad;
    const byHeight = ((H - gap * (rows - 1)) / rows - caption - pad) / aspect;
    best = Math.max(best, Math.min(byWidth, byHeight));
  }
  const width = Math.floor(best) + pad;
  for (const g of games) g.tile.style.width = width + "px";
}

// A board's tile is the board; the plane's is a square its views are centred in.
function tileSize(spec) {
  return spec.topology === "plane" ? [PLANE_VIEW, PLANE_VIEW] : [spec.width, spec.height];
}

function decode(buffer) {
  const v = new DataView(buffer);
  if (buffer.byteLength < HEADER || v.getUint8(1) !== 1) return null;
  const kind = v.getUint8(0);
  if (kind !== 1 && kind !== 2) return null;
  const header = kind === 2 ? PLANE_HEADER : HEADER;
  if (buffer.byteLength < header) return null;
  const width = v.getUint32(32, true), height = v.getUint32(36, true), wpr = v.getUint32(40, true);
  if (buffer.byteLength !== header + wpr * 8 * height) return null;
  // A view of the plane: where it starts, and how many cells a pixel stands for (2^scale a side).
  const view = kind === 2
    ? { x: Number(v.getBigInt64(48, true)), y: Number(v.getBigInt64(56, true)), scale: v.getUint8(64) }
    : null;
  return {
    view,
    outcome: OUTCOMES[v.getUint8(2)] || "?", status: STATUSES[v.getUint8(3)] || "?",
    trial: v.getUint32(4, true), game: v.getUint32(8, true), period: v.getUint32(12, true),
    dx: v.getInt16(44, true), dy: v.getInt16(46, true),
    generation: Number(v.getBigUint64(16, true)), population: Number(v.getBigUint64(24, true)),
    width, height, words: new Uint32Array(buffer, header, wpr * 2 * height), stride: wpr * 2,
  };
}

function onFrame(buffer) {
  const f = decode(buffer);
  if (!f || f.trial !== trial.id || !games[f.game]) return;
  const g = games[f.game];
  // Latest wins here too: frames that arrive between two paints replace each other.
  g.frame = f;
  g.dirty = true;
  if (detailGame === f.game && chart) {
    const last = chart.points[chart.points.length - 1];
    if (!last || f.generation > last[0]) { chart.points.push([f.generation, f.population]); chart.dirty = true; }
  }
}

// Bits to pixels: cell (x, y) is bit x&31 of u32 y*stride + (x>>5). A view of the plane smaller
// than its tile is centred in it.
function paint(image, f) {
  const px = new Uint32Array(image.data.buffer);
  const { words, stride } = f;
  const w = Math.min(f.width, image.width), h = Math.min(f.height, image.height);
  const ox = (image.width - w) >> 1, oy = (image.height - h) >> 1;
  if (ox || oy) px.fill(DEAD);
  for (let y = 0; y < h; y++) {
    const row = y * stride;
    let p = (oy + y) * image.width + ox;
    for (let x = 0; x < w; x += 32) {
      const word = words[row + (x >> 5)];
      const n = Math.min(32, w - x);
      if (word === 0) { px.fill(DEAD, p, p + n); p += n; continue; }
      for (let k = 0; k < n; k++) px[p++] = (word >>> k) & 1 ? ALIVE : DEAD;
    }
  }
}

// How far a view of the plane is zoomed out: "1:4" when a pixel is a 4x4 block.
function zoomText(f) {
  return f.view && f.view.scale ? " · 1:" + 2 ** f.view.scale : "";
}

function outcomeText(f) {
  if (f.outcome === "oscillating") return "oscillating p" + f.period;
  if (f.outcome === "spaceship") return `spaceship p${f.period} (${f.dx},${f.dy})`;
  return f.outcome;
}

function draw() {
  for (const g of games) {
    if (!g.dirty) continue;
    g.dirty = false;
    const f = g.frame;
    paint(g.image, f);
    g.ctx.putImageData(g.image, 0, 0);
    g.canvas.dataset.generation = f.generation;
    g.canvas.dataset.population = f.population;
    g.canvas.dataset.status = f.status;
    if (f.view) {
      g.canvas.dataset.scale = f.view.scale;
      g.canvas.dataset.view = [f.view.x, f.view.y, f.width << f.view.scale, f.height << f.view.scale].join(",");
    }
    g.cap.querySelector(".gen").textContent = "gen " + f.generation + zoomText(f);
    g.cap.querySelector(".pop").textContent = "pop " + f.population;
    // A stopped game says how it stopped; "finished" goes without saying once the trial is.
    const stopped = f.status === "running" || f.status === "finished" ? "" : f.status;
    g.cap.querySelector(".outcome").textContent = stopped && f.outcome === "running" ? "" : outcomeText(f);
    g.cap.querySelector(".status").textContent = stopped;
    g.cap.querySelector(".kill").hidden = f.status !== "running";
    g.tile.classList.toggle("settled", f.outcome !== "running");
    g.tile.classList.toggle("killed", f.status === "killed");
    g.tile.classList.toggle("failed", f.status === "failed");
    if (detailGame === f.game) drawDetail(g);
  }
  if (chart && chart.dirty) drawChart();
  requestAnimationFrame(draw);
}

async function kill(i) {
  await api("DELETE", "/api/games/" + i);
}

// ---- one game, large, with its population chart ---------------------------------------------

async function openDetail(i) {
  detailGame = i;
  chart = { points: [], dirty: true };
  $("detail-title").textContent = "Game " + i;
  $("detail-rle").href = "/api/games/" + i + "/rle" + (token ? "?token=" + encodeURIComponent(token) : "");
  const board = $("detail-board");
  [board.width, board.height] = tileSize(trial.spec);
  if (!$("detail").open) $("detail").showModal();
  if (games[i] && games[i].frame) drawDetail(games[i]);
  try {
    const d = await api("GET", "/api/games/" + i);
    if (detailGame !== i) return;
    const live = chart.points.filter((p) => p[0] > (d.series.length ? d.series[d.series.length - 1][0] : -1));
    chart.points = d.series.concat(live);
    chart.dirty = true;
  } catch (err) { showError(err); }
}

function drawDetail(g) {
  const f = g.frame;
  if (!f) return;
  $("detail-board").getContext("2d").putImageData(g.image, 0, 0);
  const status = f.status === "running" ? "" : " · " + f.status;
  const where = f.view ? ` · view at (${f.view.x},${f.view.y})${zoomText(f)}` : "";
  $("detail-text").textContent =
    `generation ${f.generation} · population ${f.population} · ${outcomeText(f)}${status}${where}`;
  $("detail-kill").disabled = f.status !== "running";
}

function drawChart() {
  chart.dirty = false;
  const c = $("detail-chart"), ctx = c.getContext("2d");
  const W = c.width, H = c.height, L = 58, R = 12, T = 14, B = 34;
  ctx.clearRect(0, 0, W, H);
  const pts = chart.points;
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = "#8a94b3";
  if (pts.length < 2) { ctx.fillText("population over generations: waiting for data…", L, H / 2); return; }
  const g0 = pts[0][0], g1 = Math.max(pts[pts.length - 1][0], g0 + 1);
  let pmax = 1;
  for (const p of pts) pmax = Math.max(pmax, p[1]);
  const X = (g) => L + (g - g0) / (g1 - g0) * (W - L - R);
  const Y = (p) => H - B - p / pmax * (H - T - B);
  ctx.strokeStyle = "#26304d";
  ctx.lineWidth = 1;
  ctx.textAlign = "right";
  for (let k = 0; k <= 4; k++) {
    const p = pmax * k / 4, y = Y(p);
    ctx.beginPath(); ctx.moveTo(L, y); ctx.lineTo(W - R, y); ctx.stroke();
    ctx.fillText(Math.round(p).toString(), L - 6, y + 4);
  }
  ctx.textAlign = "center";
  for (let k = 0; k <= 4; k++) {
    const g = g0 + (g1 - g0) * k / 4;
    ctx.fillText(Math.round(g).toString(), X(g), H - B + 16);
  }
  ctx.fillText("generation", (L + W - R) / 2, H - 4);
  ctx.save(); ctx.translate(12, (T + H - B) / 2); ctx.rotate(-Math.PI / 2); ctx.fillText("population", 0, 0); ctx.restore();
  ctx.strokeStyle = "#34d399";
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  pts.forEach((p, k) => (k ? ctx.lineTo(X(p[0]), Y(p[1])) : ctx.moveTo(X(p[0]), Y(p[1]))));
  ctx.stroke();
}

// ---- trial, machine, actors -----------------------------------------------------------------

function onTrial(t) {
  const changed = t.id !== trial.id;
  trial = t;
  const badge = $("trial-status");
  badge.textContent = t.status;
  badge.className = "badge " + t.status;
  const s = t.spec;
  // On the plane the size is only a soup's extent.
  const space = !s ? "" : s.topology !== "plane" ? `of ${s.width}×${s.height} ${s.topology}`
    : s.pattern ? "on the plane" : `on the plane (${s.width}×${s.height} soups)`;
  $("trial-text").textContent = s
    ? `trial ${t.id}: ${s.games} games ${space} ${s.rule}, ${s.steps} steps, batch ${s.batch_size}, ` +
      (s.pattern ? `pattern ${s.pattern}` : `seed ${s.seed}`) + (t.seconds != null ? `, ${t.seconds.toFixed(2)} s` : "") +
      (t.error ? ` — ${t.error}` : "")
    : "no trial yet: start one";
  const live = t.status === "running" || t.status === "paused";
  $("pause").disabled = t.status !== "running";
  $("resume").disabled = t.status !== "paused";
  $("cancel").disabled = !live;
  if (changed) {
    if ($("detail").open) $("detail").close();
    rebuildGrid();
  }
}

function bytes(n) {
  if (n >= 1 << 30) return (n / (1 << 30)).toFixed(1) + " GiB";
  if (n >= 1 << 20) return (n / (1 << 20)).toFixed(1) + " MiB";
  if (n >= 1 << 10) return (n / (1 << 10)).toFixed(0) + " KiB";
  return n + " B";
}

function onMachine(m) {
  $("resources").textContent = `${m.workers} workers · ${m.live_actors} live actors · ` +
    `${bytes(m.memory_bytes)} resident · process ${(m.process_cores * 100).toFixed(0)}% of a core`;
  const cpus = $("cpus");
  while (cpus.children.length < m.cpus.length) {
    const row = document.createElement("div");
    row.className = "cpu";
    row.innerHTML = '<span></span><div class="bar"><div class="fill"></div></div><span></span>';
    row.children[0].textContent = "cpu " + cpus.children.length;
    cpus.append(row);
  }
  m.cpus.forEach((u, k) => {
    const row = cpus.children[k];
    row.querySelector(".fill").style.width = Math.min(100, u).toFixed(0) + "%";
    row.children[2].textContent = u.toFixed(0) + "%";
  });
  const body = $("actors");
  while (body.children.length > m.actors.length) body.lastChild.remove();
  while (body.children.length < m.actors.length) {
    const tr = document.createElement("tr");
    for (let k = 0; k < 6; k++) tr.append(document.createElement("td"));
    body.append(tr);
  }
  m.actors.forEach((a, k) => {
    const cells = body.children[k].children;
    const values = [a.actor, a.game, a.state, a.mailbox, a.generations_per_second.toFixed(0), bytes(a.memory_bytes)];
    values.forEach((v, j) => { cells[j].textContent = String(v); });
    cells[2].className = a.state;
  });
  onNodes(m.nodes || []);
}

function duration(micros) {
  const s = Math.floor(micros / 1e6);
  if (s >= 86400) return Math.floor(s / 86400) + " d";
  if (s >= 3600) return Math.floor(s / 3600) + " h";
  if (s >= 60) return Math.floor(s / 60) + " min";
  return s + " s";
}

// One row per node the games are placed on (cluster mode); hidden when every game runs here.
// The name's tooltip gives the address and uptime, the row's why a node was lost.
function onNodes(nodes) {
  $("nodes-pane").hidden = nodes.length === 0;
  const body = $("nodes");
  while (body.children.length > nodes.length) body.lastChild.remove();
  while (body.children.length < nodes.length) {
    const tr = document.createElement("tr");
    for (let k = 0; k < 6; k++) tr.append(document.createElement("td"));
    body.append(tr);
  }
  nodes.forEach((n, k) => {
    const row = body.children[k];
    const values = [
      n.name, n.state, n.workers, n.games,
      n.cores != null ? (n.cores * 100).toFixed(0) + "%" : "–",
      n.memory_bytes != null ? bytes(n.memory_bytes) : "–",
    ];
    values.forEach((v, j) => { row.children[j].textContent = String(v); });
    row.children[0].title = n.addr + (n.uptime_micros != null ? ", up " + duration(n.uptime_micros) : "");
    row.children[1].className = n.state;
    row.title = n.reason || "";
    row.dataset.node = n.name;
    row.dataset.state = n.state;
  });
}

// ---- the live stream ------------------------------------------------------------------------

function connect(delay) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const query = token ? "?token=" + encodeURIComponent(token) : "";
  const ws = new WebSocket(`${scheme}://${location.host}/ws${query}`);
  ws.binaryType = "arraybuffer";
  ws.onopen = () => { $("conn").classList.add("up"); delay = 500; };
  ws.onmessage = (event) => {
    if (typeof event.data !== "string") return onFrame(event.data);
    const message = JSON.parse(event.data);
    if (message.type === "trial") onTrial(message);
    else if (message.type === "machine") onMachine(message);
  };
  ws.onclose = () => {
    $("conn").classList.remove("up");
    setTimeout(() => connect(Math.min(delay * 2, 8000)), delay);
  };
}

// ---- controls -------------------------------------------------------------------------------

function formBody() {
  const body = {};
  const number = (id, key) => { const v = $(id).value.trim(); if (v !== "") body[key] = Number(v); };
  number("f-games", "games"); number("f-size", "size"); number("f-steps", "steps");
  number("f-batch", "batch_size"); number("f-pause", "pause"); number("f-density", "density");
  // Seeds are 64-bit: a JavaScript number would round them, so they travel as decimal strings.
  const seed = $("f-seed").value.trim();
  if (seed !== "") body.seed = seed;
  // The page shows one trial: a new one from the form replaces the one it follows.
  body.replace = true;
  const rule = $("f-rule").value.trim();
  if (rule) body.rule = rule;
  body.topology = $("f-topology").value;
  const rle = $("f-rle").value.trim(), name = $("f-pattern").value.trim();
  if (rle || name) body.pattern = rle || name;
  return body;
}

function setup() {
  $("new-trial").addEventListener("click", () => { $("trial-form").hidden = !$("trial-form").hidden; layout(); });
  $("close-form").addEventListener("click", () => { $("trial-form").hidden = true; layout(); });
  $("trial-form").addEventListener("submit", act(async () => {
    const t = await api("POST", "/api/trials", formBody());
    $("trial-form").hidden = true;
    onTrial(t);
  }));
  $("pause").addEventListener("click", act(async () => onTrial(await api("POST", "/api/trial/pause"))));
  $("resume").addEventListener("click", act(async () => onTrial(await api("POST", "/api/trial/resume"))));
  $("cancel").addEventListener("click", act(async () => onTrial(await api("DELETE", "/api/trial"))));
  $("detail-close").addEventListener("click", () => $("detail").close());
  $("detail").addEventListener("close", () => { detailGame = null; chart = null; });
  $("detail-kill").addEventListener("click", act(() => kill(detailGame)));
  window.addEventListener("resize", layout);
  api("GET", "/api/patterns").then((names) => {
    for (const n of names) { const o = document.createElement("option"); o.value = n; $("patterns").append(o); }
  }, () => {});
  api("GET", "/api/trial").then(onTrial, showError);
  connect(500);
  requestAnimationFrame(draw);
}

setup();
