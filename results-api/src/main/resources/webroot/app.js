// Prism contact sheet: plain JS, no build step. Talks to /api/v1 with the token from the URL (#token=...) or the form.
// The page keeps counts of loaded / failed images on <body data-loaded data-failed data-pending> so a headless
// browser test can tell that the images really decoded (naturalWidth > 0), not just that <img> tags exist.
'use strict';

const API = '/api/v1';
// one column per task a worker can serve; the further layers of a model (material, shading) live in its result EXR
const TASKS = ['albedo', 'mask', 'depth', 'normals'];
const state = { token: null, job: null, next: null, objectUrls: [] };
const $ = (id) => document.getElementById(id);

function hashParams() {
  return new URLSearchParams(location.hash.replace(/^#/, ''));
}

function headers() {
  return state.token ? { Authorization: 'Bearer ' + state.token } : {};
}

async function api(path) {
  const res = await fetch(API + path, { headers: headers() });
  if (!res.ok) {
    let detail = res.status + ' ' + res.statusText;
    try { const p = await res.json(); detail = (p.title || '') + ': ' + (p.detail || ''); } catch (e) { /* not JSON */ }
    throw new Error(detail);
  }
  return res.json();
}

function showError(e) {
  const el = $('error');
  el.textContent = String(e.message || e);
  el.hidden = false;
}

function count(name, delta) {
  document.body.dataset[name] = String(Number(document.body.dataset[name] || 0) + delta);
}

// Images need the Authorization header, so they are fetched and shown through object URLs.
function image(figure, url, caption) {
  const img = document.createElement('img');
  img.alt = caption;
  img.dataset.state = 'pending';
  count('pending', 1);
  figure.appendChild(img);
  if (caption) {
    const c = document.createElement('figcaption');
    c.textContent = caption;
    figure.appendChild(c);
  }
  fetch(url, { headers: headers() })
    .then((r) => { if (!r.ok) throw new Error(url + ': ' + r.status); return r.blob(); })
    .then((b) => {
      const u = URL.createObjectURL(b);
      state.objectUrls.push(u);
      img.onload = () => {
        const ok = img.naturalWidth > 0;
        img.dataset.state = ok ? 'loaded' : 'broken';
        img.dataset.naturalWidth = String(img.naturalWidth);
        count('pending', -1); count(ok ? 'loaded' : 'failed', 1);
        if (!ok) figure.classList.add('broken');
      };
      img.onerror = () => { img.dataset.state = 'broken'; figure.classList.add('broken'); count('pending', -1); count('failed', 1); };
      img.src = u;
    })
    .catch(() => { img.dataset.state = 'broken'; figure.classList.add('broken'); count('pending', -1); count('failed', 1); });
}

function cell(kind) {
  const f = document.createElement('figure');
  f.className = 'cell ' + kind;
  return f;
}

function empty(f, text) {
  f.classList.add('empty');
  f.textContent = text;
  return f;
}

// The newest model version's result per task.
function latestByTask(results) {
  const m = {};
  for (const r of results || []) {
    if (!m[r.task] || r.modelVersion > m[r.task].modelVersion) m[r.task] = r;
  }
  return m;
}

function frameRow(frame) {
  const row = document.createElement('div');
  row.className = 'row';
  row.dataset.frameId = frame.id;
  const meta = document.createElement('div');
  meta.className = 'meta';
  meta.innerHTML = '<b></b><span class="layer"></span><br><span class="st"></span><br><span class="ver"></span>';
  meta.querySelector('b').textContent = String(frame.frameNumber).padStart(4, '0');
  meta.querySelector('.layer').textContent = frame.layer + ' · v' + frame.frameVersion;
  const st = meta.querySelector('.st');
  st.textContent = frame.status + (frame.statusReason ? ' — ' + frame.statusReason : '');
  st.className = 'st status-' + frame.status;
  row.appendChild(meta);

  const beauty = cell('beauty');
  image(beauty, API + '/frames/' + frame.id + '/preview.png?size=320', 'source');
  row.appendChild(beauty);

  const byTask = latestByTask(frame.results);
  for (const task of TASKS) {
    const f = cell(task);
    const r = byTask[task];
    if (r && r.preview) image(f, r.preview.href, task + ' · model v' + r.modelVersion);
    else empty(f, r ? 'no preview' : 'no ' + task + ' result');
    row.appendChild(f);
  }
  const unc = cell('uncertainty');
  const withUnc = TASKS.map((t) => byTask[t]).find((r) => r && r.uncertainty);
  if (withUnc) image(unc, withUnc.uncertainty.href + '?format=png', withUnc.task + ' uncertainty · v' + withUnc.modelVersion);
  else empty(unc, 'no uncertainty map');
  row.appendChild(unc);
  return row;
}

function frameQuery() {
  const p = new URLSearchParams({ limit: '24' });
  for (const [k, id] of [['status', 'status'], ['layer', 'layer'], ['fromFrame', 'from'], ['toFrame', 'to']]) {
    const v = $(id).value.trim();
    if (v) p.set(k, v);
  }
  if (state.next) p.set('cursor', state.next);
  return p.toString();
}

async function loadFrames(reset) {
  if (!state.job) return;
  if (reset) {
    state.next = null;
    state.objectUrls.forEach((u) => URL.revokeObjectURL(u));
    state.objectUrls = [];
    $('grid').innerHTML = '';
    Object.assign(document.body.dataset, { loaded: '0', failed: '0', pending: '0' });
  }
  try {
    const page = await api('/jobs/' + encodeURIComponent(state.job) + '/frames?' + frameQuery());
    for (const f of page.items) $('grid').appendChild(frameRow(f));
    state.next = page.next;
    $('more').hidden = !page.next;
    document.body.dataset.frames = String($('grid').children.length);
  } catch (e) { showError(e); }
}

async function loadJobs() {
  try {
    const page = await api('/jobs?limit=200');
    const sel = $('job');
    sel.innerHTML = '';
    for (const j of page.items) {
      const o = document.createElement('option');
      o.value = j.id;
      o.textContent = j.id + ' (' + j.show + '/' + j.shot + ', ' + j.status + ')';
      o.dataset.progress = JSON.stringify(j.progress);
      sel.appendChild(o);
    }
    const wanted = hashParams().get('job');
    if (wanted && page.items.some((j) => j.id === wanted)) sel.value = wanted;
    state.job = sel.value || null;
    showProgress();
    document.body.dataset.jobs = String(page.items.length);
    await loadFrames(true);
  } catch (e) { showError(e); }
}

function showProgress() {
  const o = $('job').selectedOptions[0];
  if (!o) { $('job-progress').textContent = 'no jobs yet'; return; }
  const p = JSON.parse(o.dataset.progress);
  $('job-progress').textContent = p.processed + ' / ' + p.total + ' processed' + (p.failed ? ', ' + p.failed + ' failed' : '')
    + (p.submitted ? ', ' + p.submitted + ' in flight' : '');
}

// ------------------------------------------------------------------ models & training

function metricSeries(versions) {
  const names = new Set();
  for (const v of versions) for (const [k, x] of Object.entries(v.metrics || {})) if (typeof x === 'number') names.add(k);
  return [...names].sort();
}

function chart(versions, metric) {
  const pts = versions.filter((v) => typeof (v.metrics || {})[metric] === 'number')
    .sort((a, b) => a.version - b.version).map((v) => [v.version, v.metrics[metric]]);
  const W = 320, H = 110, P = 24;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'chart'); svg.setAttribute('width', W); svg.setAttribute('height', H);
  const ys = pts.map((p) => p[1]);
  const lo = Math.min(...ys), hi = Math.max(...ys), span = hi - lo || Math.abs(hi) || 1;
  const xs = pts.map((p) => p[0]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs), xspan = x1 - x0 || 1;
  const px = (x) => P + (x - x0) / xspan * (W - 2 * P);
  const py = (y) => H - P - (y - lo) / span * (H - 2 * P);
  const line = document.createElementNS(ns, 'polyline');
  line.setAttribute('points', pts.map((p) => px(p[0]) + ',' + py(p[1])).join(' '));
  line.setAttribute('fill', 'none'); line.setAttribute('stroke', '#7cc4ff'); line.setAttribute('stroke-width', '2');
  svg.appendChild(line);
  for (const p of pts) {
    const c = document.createElementNS(ns, 'circle');
    c.setAttribute('cx', px(p[0])); c.setAttribute('cy', py(p[1])); c.setAttribute('r', 3); c.setAttribute('fill', '#e6e8ec');
    svg.appendChild(c);
    const t = document.createElementNS(ns, 'text');
    t.setAttribute('x', px(p[0]) - 6); t.setAttribute('y', H - 6); t.textContent = 'v' + p[0];
    svg.appendChild(t);
  }
  const title = document.createElementNS(ns, 'text');
  title.setAttribute('x', 6); title.setAttribute('y', 12);
  title.textContent = metric + '  ' + lo.toPrecision(4) + ' … ' + hi.toPrecision(4);
  svg.appendChild(title);
  return svg;
}

async function loadModels() {
  try {
    const tasks = await api('/models');
    const root = $('models');
    root.innerHTML = '';
    for (const t of tasks.items) {
      const versions = (await api('/models/' + encodeURIComponent(t.task))).items;
      const box = document.createElement('div');
      box.className = 'task';
      box.innerHTML = '<h3></h3><table><thead><tr><th>version</th><th>status</th><th>parent</th><th>metrics</th><th>created</th><th>promoted</th></tr></thead><tbody></tbody></table><div class="charts"></div>';
      box.querySelector('h3').textContent = t.task + ' — active v' + (t.activeVersion ?? '–') + ', ' + t.versions + ' versions';
      const tb = box.querySelector('tbody');
      for (const v of versions) {
        const tr = document.createElement('tr');
        const cells = ['v' + v.version, v.status, v.parentVersion ? 'v' + v.parentVersion : '–',
          Object.entries(v.metrics || {}).map(([k, x]) => k + '=' + (typeof x === 'number' ? x.toPrecision(4) : JSON.stringify(x))).join(', '),
          (v.createdAt || '').replace('T', ' ').slice(0, 19), (v.promotedAt || '–').replace('T', ' ').slice(0, 19)];
        cells.forEach((c, i) => {
          const td = document.createElement('td');
          if (i === 1) { const b = document.createElement('span'); b.className = 'badge ' + c; b.textContent = c; td.appendChild(b); }
          else td.textContent = c;
          tr.appendChild(td);
        });
        tb.appendChild(tr);
      }
      const charts = box.querySelector('.charts');
      for (const m of metricSeries(versions)) charts.appendChild(chart(versions, m));
      root.appendChild(box);
    }
    const runs = await api('/training-runs?limit=50');
    const tb = $('runs').querySelector('tbody');
    tb.innerHTML = '';
    for (const r of runs.items) {
      const tr = document.createElement('tr');
      const pct = Math.round(100 * r.progress.fraction);
      tr.innerHTML = '<td></td><td></td><td></td><td><span class="bar"><i></i></span> <span class="pct"></span></td><td></td><td></td>';
      const td = tr.querySelectorAll('td');
      td[0].textContent = r.task; td[1].textContent = r.status;
      td[2].textContent = 'v' + (r.baseVersion ?? '–') + ' → v' + (r.candidateVersion ?? '–');
      tr.querySelector('.bar i').style.width = pct + '%';
      tr.querySelector('.pct').textContent = r.progress.stepsDone + '/' + r.progress.stepsTotal;
      td[4].textContent = Object.entries(r.metrics || {}).filter(([, x]) => typeof x === 'number').map(([k, x]) => k + '=' + x.toPrecision(4)).join(', ');
      td[5].textContent = (r.startedAt || '').replace('T', ' ').slice(0, 19);
      tb.appendChild(tr);
    }
    document.body.dataset.models = String(tasks.items.length);
  } catch (e) { showError(e); }
}

function showTab(name) {
  $('frames-view').hidden = name !== 'frames';
  $('models-view').hidden = name !== 'models';
  $('tab-frames').classList.toggle('active', name === 'frames');
  $('tab-models').classList.toggle('active', name === 'models');
  if (name === 'models') loadModels();
}

function start() {
  const h = hashParams();
  state.token = h.get('token') || sessionStorage.getItem('prism.token');
  if (state.token) sessionStorage.setItem('prism.token', state.token);
  $('auth').addEventListener('submit', (e) => {
    e.preventDefault();
    state.token = $('token').value.trim();
    sessionStorage.setItem('prism.token', state.token);
    $('error').hidden = true;
    loadJobs();
  });
  $('job').addEventListener('change', () => { state.job = $('job').value; showProgress(); loadFrames(true); });
  $('apply').addEventListener('click', () => loadFrames(true));
  $('more').addEventListener('click', () => loadFrames(false));
  $('tab-frames').addEventListener('click', () => showTab('frames'));
  $('tab-models').addEventListener('click', () => showTab('models'));
  loadJobs().then(() => { if (h.get('view') === 'models') showTab('models'); });
}

start();
