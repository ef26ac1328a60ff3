"""The report's inline stylesheet and script (kept here as strings: the page must be one file).

The script reads the page's JSON blocks (``meta-data``, ``cohort-data``, ``pd-N`` per patient,
``src-N`` per source text), draws the cohort table with sorting, filters and pages, and draws a
patient when the address is ``#patient-N``. It must never contain a closing script tag.
"""

from __future__ import annotations

REPORT_CSS = r"""
:root{--fg:#1d2330;--muted:#5b6472;--line:#d8dde6;--bg:#fff;--soft:#f5f7fa;--accent:#2457c5}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header,main{max-width:1180px;margin:0 auto;padding:0 18px}
header h1{font-size:22px;margin:18px 0 4px}
.summary{color:var(--muted);margin:0 0 8px}
.banner{background:#fff4d6;border:1px solid #e7c35a;padding:6px 10px;border-radius:4px}
.notice{background:#fdecea;border:1px solid #e5a29b;padding:6px 10px;border-radius:4px}
h2{font-size:18px;margin:18px 0 8px}h3{font-size:15px;margin:18px 0 6px}
.filters{display:flex;flex-wrap:wrap;gap:12px;margin:6px 0 10px}
.filters label{display:flex;gap:6px;align-items:center;color:var(--muted)}
select,input,button{font:inherit}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
#cohort-table th{cursor:pointer;user-select:none;background:var(--soft);white-space:nowrap}
#cohort-table th[aria-sort=ascending]::after{content:" \25B2";font-size:10px}
#cohort-table th[aria-sort=descending]::after{content:" \25BC";font-size:10px}
#cohort-table tr.current{background:#eef3ff}
.pager{display:flex;gap:12px;align-items:center;margin:8px 0}
.cls{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;font-weight:600;border:1px solid}
.cls-probable{background:#fde2dd;border-color:#d9381e;color:#8e1b1b}
.cls-possible{background:#fff0cc;border-color:#d79b00;color:#7a5600}
.cls-unlikely{background:#e8edf3;border-color:#8d99a8;color:#3c4757}
#detail{border-top:3px solid var(--accent);margin-top:20px;padding-top:6px}
.detail-head{display:flex;flex-wrap:wrap;gap:10px;align-items:baseline}
.detail-head h2{margin:6px 0}
.detail-head small{color:var(--muted);font-weight:400}
.actions{margin-left:auto;display:flex;gap:10px}
.actions a,.actions button{border:1px solid var(--line);background:var(--soft);padding:3px 10px;border-radius:4px;
  color:var(--fg);text-decoration:none;cursor:pointer}
dl.facts{display:grid;grid-template-columns:max-content 1fr max-content 1fr;gap:2px 14px;margin:8px 0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
svg.timeline{width:100%;height:auto;border:1px solid var(--line);border-radius:4px;background:#fcfcfd}
svg.timeline text{font-size:11px;fill:#333}
svg.timeline .lane{fill:var(--muted);font-size:11px}
svg.timeline .lane-line{stroke:#e3e6eb}
svg.timeline .axis{stroke:#777}
svg.timeline .tick{text-anchor:middle;font-size:10px;fill:#555}
svg.timeline .tick.start{text-anchor:start}
svg.timeline .axis-title{fill:var(--muted);font-size:10px}
svg.timeline .separator{stroke:#aaa;stroke-dasharray:4 3}
svg.timeline .dose-tick line{stroke:#333;stroke-width:2}
svg.timeline .dose-tick.step-up line{stroke:#7b4fd6}
svg.timeline .dose-tick.first-dose line{stroke-width:3.5}
svg.timeline .step{fill:#7b4fd6;font-size:9px;text-anchor:middle;font-weight:700}
svg.timeline .note-line{stroke:#8a8f99;stroke-dasharray:3 3}
svg.timeline .note{font-size:10px;fill:#4a4f59;font-style:italic}
svg.timeline .ep-label{text-anchor:middle;font-size:10px;font-weight:600}
svg.timeline .sym{fill:#fff;font-size:9px;text-anchor:middle;font-weight:700}
svg.timeline .episode-mark{cursor:pointer}
svg.timeline .episode-mark:focus{outline:none}
svg.timeline .episode-mark:focus>circle,svg.timeline .episode-mark:focus>path{stroke-width:3}
.legend{margin:22px 0;padding:8px 10px;background:var(--soft);border-radius:4px;font-size:12px}
.legend>div{margin:3px 0}.legend b{display:inline-block;min-width:84px}
.chip{display:inline-flex;align-items:center;gap:3px;margin:2px 8px 2px 0}
svg.key{width:14px;height:14px}
mark.ent{padding:0 2px;border-radius:3px;color:inherit;line-height:1.9;box-decoration-break:clone;
  -webkit-box-decoration-break:clone}
mark.ent .tag{font-size:9px;font-weight:700;margin-left:3px;vertical-align:middle;opacity:.75;letter-spacing:.02em}
mark.ent.neg{text-decoration:line-through;text-decoration-thickness:2px;opacity:.65}
mark.ent.hyp,mark.ent.unc{background:transparent!important;border:2px dashed #777}
mark.ent.hist,mark.ent.fam{border:2px dotted #777;opacity:.6}
.ev{border-bottom:2px solid var(--accent);background:rgba(36,87,197,.06)}
.ev.flash{animation:flash 2.4s ease-out;background:#fff1b8}
.ev-item.flash{animation:flash 2.4s ease-out;outline:2px solid #f2b705}
@keyframes flash{0%{background:#ffd84d}100%{background:#fff1b8}}
ol.reasons li{margin:3px 0}
a.cite{font-size:12px;white-space:nowrap}
.quote{color:var(--muted)}
.related{font-size:12px;color:var(--muted)}
ol.evidence{padding-left:34px}
.ev-item{margin:6px 0;padding:2px 4px}
.ev-where{font-size:12px;color:var(--muted)}
blockquote.snippet{margin:2px 0;padding:2px 8px;border-left:3px solid var(--line);white-space:pre-wrap}
details.src-block{border:1px solid var(--line);border-radius:4px;margin:6px 0;background:var(--soft)}
details.src-block>summary{cursor:pointer;padding:4px 8px;color:var(--muted)}
.src-text{white-space:pre-wrap;padding:6px 10px;background:#fff;font-family:Georgia,"Times New Roman",serif;
  font-size:14px;max-height:70vh;overflow:auto}
.src-count{font-size:12px}
.episodes td,.episodes th{font-size:13px}
@media print{
  .no-print,.filters,.pager,.actions,.legend .no-print{display:none!important}
  body.has-detail #cohort{display:none}
  header,main{max-width:none;padding:0 6px}
  .src-text{max-height:none;overflow:visible}
  mark.ent,.ev,.cls,svg.timeline{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  a{color:inherit;text-decoration:none}
  #detail{border:0}
  details.src-block{break-inside:auto}
  h2,h3{break-after:avoid}
}
"""

REPORT_JS = r"""
(function () {
  "use strict";
  const byId = (id) => document.getElementById(id);
  const parse = (id) => { const el = byId(id); return el ? JSON.parse(el.textContent) : null; };
  const META = parse("meta-data");
  const ROWS = parse("cohort-data");
  const LABELS = META.labels;
  const cache = new Map();
  const blob = (id) => { if (!cache.has(id)) cache.set(id, parse(id)); return cache.get(id); };
  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g,
    (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  const RANK = {probable: 0, possible: 1, unlikely: 2};
  const FLAGS = [[1, "neg", "negated"], [2, "hyp", "hypothetical"], [16, "unc", "uncertain"],
                 [4, "hist", "historical"], [8, "fam", "family"]];
  const state = {key: "i", dir: 1, page: 0, size: 50, cls: "", drug: "", grade: "", q: ""};
  let current = null;
  let downloadUrl = null;

  // ---- cohort table -------------------------------------------------------------------
  function options(select, values, labelOf) {
    select.innerHTML = values.map((v) => `<option value="${esc(v)}">${esc(labelOf(v))}</option>`).join("");
  }
  function count(pred) { return ROWS.filter(pred).length; }
  function setUpFilters() {
    options(byId("f-cls"), ["", "probable", "possible", "unlikely"],
      (v) => v ? `${v} (${count((r) => r.c === v)})` : `all (${ROWS.length})`);
    const drugs = Array.from(new Set(ROWS.flatMap((r) => r.dr))).sort();
    options(byId("f-drug"), ["", ...drugs, "(none)"], (v) => v || "all");
    const grades = Array.from(new Set(ROWS.map((r) => r.g).filter((g) => g != null))).sort();
    options(byId("f-grade"), ["", ...grades.map(String), "none"],
      (v) => v ? (v === "none" ? "no grade" : "grade " + v) : "all");
    for (const [id, key] of [["f-cls", "cls"], ["f-drug", "drug"], ["f-grade", "grade"]]) {
      byId(id).addEventListener("change", (e) => { state[key] = e.target.value; state.page = 0; renderTable(); });
    }
    byId("f-q").addEventListener("input", (e) => {
      state.q = e.target.value.trim().toLowerCase();
      state.page = 0;
      renderTable();
    });
    byId("f-size").addEventListener("change", (e) => { state.size = +e.target.value; state.page = 0; renderTable(); });
    byId("prev").addEventListener("click", () => { state.page -= 1; renderTable(); });
    byId("next").addEventListener("click", () => { state.page += 1; renderTable(); });
    for (const th of document.querySelectorAll("#cohort-table th")) {
      th.addEventListener("click", () => {
        const key = th.dataset.key;
        state.dir = state.key === key ? -state.dir : 1;
        state.key = key;
        renderTable();
      });
    }
  }
  function keep(r) {
    if (state.cls && r.c !== state.cls) return false;
    if (state.drug && (state.drug === "(none)" ? r.dr.length : !r.dr.includes(state.drug))) return false;
    if (state.grade && (state.grade === "none" ? r.g != null : String(r.g) !== state.grade)) return false;
    if (state.q && !(r.p.toLowerCase().includes(state.q) || r.d.toLowerCase().includes(state.q))) return false;
    return true;
  }
  function value(r, key) {
    if (key === "c") return r.c in RANK ? RANK[r.c] : 9;
    if (key === "dr") return r.dr.join(", ");
    return r[key];
  }
  function compare(a, b) {
    const x = value(a, state.key), y = value(b, state.key);
    const xe = x == null || x === "", ye = y == null || y === "";
    if (xe || ye) return xe && ye ? a.i - b.i : (xe ? 1 : -1);  // empty cells last either way
    const c = typeof x === "number" && typeof y === "number" ? x - y
      : String(x).localeCompare(String(y), undefined, {numeric: true});
    return c ? c * state.dir : a.i - b.i;
  }
  function renderTable() {
    const rows = ROWS.filter(keep).sort(compare);
    const pages = Math.max(1, Math.ceil(rows.length / state.size));
    state.page = Math.min(Math.max(state.page, 0), pages - 1);
    const first = state.page * state.size;
    const shown = rows.slice(first, first + state.size);
    const open = current ? current.i : -1;
    document.querySelector("#cohort-table tbody").innerHTML = shown.map((r) =>
      `<tr data-i="${r.i}"${r.i === open ? ' class="current"' : ""}><td>${r.i + 1}</td>` +
      `<td><a class="open-patient" href="#patient-${r.i}">${esc(r.p || "(no id)")}</a></td><td>${esc(r.d)}</td>` +
      `<td><span class="cls cls-${esc(r.c)}">${esc(r.c)}</span></td><td>${esc(r.dr.join(", "))}</td>` +
      `<td>${r.g == null ? "" : r.g}</td><td>${r.l}</td><td>${esc(r.iv)}</td><td>${esc(r.h)}</td></tr>`).join("") ||
      '<tr><td colspan="9">No patient matches the filters.</td></tr>';
    byId("page-info").textContent = rows.length
      ? `rows ${first + 1}-${first + shown.length} of ${rows.length} ` +
        `(page ${state.page + 1} of ${pages}; ${ROWS.length} patients in all)`
      : `0 of ${ROWS.length} patients`;
    byId("prev").disabled = state.page === 0;
    byId("next").disabled = state.page >= pages - 1;
    for (const th of document.querySelectorAll("#cohort-table th")) {
      if (th.dataset.key === state.key) th.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    }
  }

  // ---- highlighting (displaCy-like) ---------------------------------------------------------
  function flagClasses(flags) { return FLAGS.filter(([bit]) => flags & bit).map(([, c]) => " " + c).join(""); }
  function flagWords(flags) { return FLAGS.filter(([bit]) => flags & bit).map(([, , w]) => w).join(", "); }
  // text[from:to] with mentions [s, e, label, flags] and evidence spans [s, e, id] (same offsets as text)
  function highlight(text, from, to, marks, evs) {
    const ms = marks.filter((m) => m[1] > from && m[0] < to);
    const es = evs.filter((e) => e[1] > from && e[0] < to);
    const cuts = new Set([from, to]);
    for (const m of ms) { cuts.add(Math.max(m[0], from)); cuts.add(Math.min(m[1], to)); }
    for (const e of es) { cuts.add(Math.max(e[0], from)); cuts.add(Math.min(e[1], to)); }
    const xs = Array.from(cuts).sort((a, b) => a - b);
    let html = "";
    for (let k = 0; k < xs.length - 1; k++) {
      const a = xs[k], b = xs[k + 1];
      for (const e of es) if (Math.max(e[0], from) === a) html += `<a class="ev-anchor" id="sev-${e[2]}"></a>`;
      let m = null;
      for (const c of ms) if (c[0] <= a && c[1] >= b && (!m || c[1] - c[0] < m[1] - m[0])) m = c;
      let seg = esc(text.slice(a, b));
      if (m) {
        const label = (LABELS[m[2]] || ["?"])[0];
        const words = flagWords(m[3]);
        const tag = Math.min(m[1], to) === b ? `<span class="tag">${esc(label)}</span>` : "";
        const title = esc(label + (words ? " (" + words + ")" : ""));
        seg = `<mark class="ent l${m[2]}${flagClasses(m[3])}" data-label="${esc(label)}" title="${title}">` +
          `${seg}${tag}</mark>`;
      }
      const inside = es.filter((e) => e[0] <= a && e[1] >= b).map((e) => e[2]);
      if (inside.length) seg = `<span class="ev" data-ev="${inside.join(" ")}">${seg}</span>`;
      html += seg;
    }
    return html;
  }

  // ---- patient page ---------------------------------------------------------------------
  const fmtRange = (v) => Array.isArray(v) && v.length === 2 ? (v[0] === v[1] ? `${v[0]}` : `${v[0]}-${v[1]}`) : "";
  const yesNo = (v) => v === true ? "yes" : v === false ? "no" : "not stated";
  function fact(name, val) {
    return `<dt>${esc(name)}</dt><dd>${val === "" || val == null ? "&mdash;" : esc(val)}</dd>`;
  }
  const evText = (e) => e.text != null ? e.text : blob("src-" + e.src).text.slice(e.start, e.end);
  function evidenceOf(p, role) { return p.evidence.filter((e) => e.roles.includes(role)); }
  function where(e) {
    const bits = [];
    if (META.mode === "notes") bits.push(e.doc);
    if (e.page != null) bits.push(`p. ${e.page}`);
    bits.push(e.start >= 0 ? `chars ${e.start}-${e.end}` : "table cell");
    return bits.join(", ");
  }
  function renderReason(p, r) {
    let html = r.parts.map((part) => {
      if (part.t != null) return esc(part.t);
      const link = part.e == null
        ? `<span class="cite missing" title="not found among the evidence">[${esc(part.c)}]</span>`
        : `<a href="#" class="cite" data-ev="${part.e}">[${esc(part.c)}]</a>`;
      return `${link} <span class="quote">&ldquo;${esc(part.q)}&rdquo;</span>`;
    }).join("");
    if (r.related.length) {
      html += ` <span class="related">(related evidence: ${r.related.map((id, n) =>
        `<a href="#" class="cite" data-ev="${id}">${n + 1}</a>`).join(", ")})</span>`;
    }
    return `<li>${html}</li>`;
  }
  function renderEpisodes(p) {
    const eps = p.record.episodes || [];
    if (!eps.length) return "<p>No episodes.</p>";
    return '<table class="episodes"><thead><tr><th>#</th><th>phase</th><th>study day</th><th>date</th>' +
      "<th>h post-dose</th><th>grade</th><th>max &deg;C</th><th>treatments</th><th>named CRS</th>" +
      "<th>evidence</th></tr></thead><tbody>" +
      eps.map((e, n) => {
        const ev = evidenceOf(p, `episode ${n + 1}`);
        const grade = e.grade == null ? "" : esc(e.grade) + " (" + esc(e.grade_source) + ")";
        return `<tr><td>${n + 1}</td><td>${esc(e.phase)}${e.summary ? " (pattern)" : ""}</td>` +
          `<td>${esc(e.day_after_first_dose)}</td><td>${esc(e.date)}</td><td>${esc(fmtRange(e.hours_post_dose))}</td>` +
          `<td>${grade}</td><td>${esc(e.max_temp_c)}</td>` +
          `<td>${esc((e.treatments || []).join(", "))}</td><td>${yesNo(e.named_crs)}</td>` +
          `<td>${ev.map((x, k) => `<a href="#" class="cite" data-ev="${x.id}">${k + 1}</a>`).join(" ")}</td></tr>`;
      }).join("") + "</tbody></table>";
  }
  function renderExtras(p) {
    const rec = p.record;
    let html = "";
    const list = (title, items, fn) =>
      items && items.length ? `<h3>${title}</h3><ul>${items.map(fn).join("")}</ul>` : "";
    const cites = (evs) => (evs || []).map((ev) => {
      const hit = p.evidence.find((x) =>
        x.doc === (ev.doc_id || rec.doc_id) && x.start === ev.start && x.end === ev.end);
      return hit ? ` <a href="#" class="cite" data-ev="${hit.id}">[${esc(where(hit))}]</a>` : "";
    }).join("");
    html += list("Other fevers (not counted as CRS)", rec.other_fevers,
      (f) => `<li>${esc(f.explained_by || "other cause")}${cites(f.evidence)}</li>`);
    const nameOf = (a) => typeof a === "string" ? a : (a.name || a.kind || a.alternative || JSON.stringify(a));
    html += list("Alternative explanations named", rec.alternatives,
      (a) => `<li>${esc(nameOf(a))}${cites(a && a.evidence)}</li>`);
    html += list("Narrative and table disagree", rec.discrepancies,
      (d) => `<li>${esc(d.field)}: narrative ${esc(JSON.stringify(d.narrative))}, ` +
        `table ${esc(JSON.stringify(d.table))}</li>`);
    return html;
  }
  function renderEvidence(p) {
    return '<ol class="evidence">' + p.evidence.map((e) =>
      `<li class="ev-item" id="evi-${e.id}"><div class="ev-where">${esc(where(e))} &middot; ` +
      esc(e.roles.join("; ")) +
      (e.src != null ? ` &middot; <a href="#" class="cite" data-ev="${e.id}">show in source</a>` : "") + "</div>" +
      `<blockquote class="snippet">${highlight(evText(e), 0, evText(e).length, e.marks, [])}</blockquote></li>`
    ).join("") + "</ol>";
  }
  function blocksOf(p, k) {
    const s = blob("src-" + k);
    const evs = p.evidence.filter((e) => e.src === k);
    const countIn = (a, b) => evs.filter((e) => e.start >= a && e.start < b).length;
    const seg = p.segment;
    const ranges = s.pages.length ? s.pages.map(([n, a, b]) => [`page ${n}`, a, b]) : [[s.title, 0, s.text.length]];
    return ranges.map(([name, a, b]) => {
      const n = countIn(a, b);
      const inSegment = seg && seg[0] < b && seg[1] > a;
      const head = s.kind === "note"
        ? [s.key, s.date, s.type].filter((x) => x).map(esc).join(" &middot; ")
        : `${esc(s.title)} &middot; ${esc(name)}`;
      const open = n || (inSegment && s.kind !== "note") ? " open" : "";
      return `<details class="src-block" data-src="${k}" data-from="${a}" data-to="${b}" data-n="${n}"${open}>` +
        `<summary>${head} <span class="src-count">(${n} evidence)</span></summary>` +
        '<div class="src-text"></div></details>';
    }).join("");
  }
  function fill(details) {
    const body = details.querySelector(".src-text");
    if (!current || body.dataset.filled) return;
    const k = +details.dataset.src;
    const s = blob("src-" + k);
    const evs = current.evidence.filter((e) => e.src === k).map((e) => [e.start, e.end, e.id]);
    body.innerHTML = highlight(s.text, +details.dataset.from, +details.dataset.to, s.marks, evs);
    body.dataset.filled = "1";
  }
  function renderSources(p) {
    if (!p.sources.length) return "";
    return `<h3>Source text</h3><p class="related">Mentions are highlighted by label (see the legend); ` +
      "the evidence of this patient is underlined. Closed blocks open on click.</p>" +
      p.sources.map((k) => blocksOf(p, k)).join("");
  }
  function openPatient(i) {
    const p = blob("pd-" + i);
    if (!p) return;
    current = p;
    const rec = p.record;
    const sec = byId("detail");
    sec.hidden = false;
    document.body.classList.add("has-detail");
    if (downloadUrl) URL.revokeObjectURL(downloadUrl);
    downloadUrl = URL.createObjectURL(new Blob([JSON.stringify(rec, null, 2) + "\n"], {type: "application/json"}));
    const fileName = `${rec.doc_id || "record"}_${rec.patient_id || i}.json`.replace(/[^\w.-]+/g, "_");
    const per = rec.periodicity || {};
    const targets = (rec.drug_targets || []).length ? ` (${rec.drug_targets.join(", ")})` : "";
    const first = rec.first_crs;
    const firstText = first ? `cycle ${first.cycle ?? "?"}, day ${first.day ?? "?"}, grade ${first.grade ?? "?"}` : "";
    const intervalSource = rec.recurrence_interval_source ? ` (${rec.recurrence_interval_source})` : "";
    sec.innerHTML =
      `<div class="detail-head"><h2>${esc(rec.patient_id)} <small>${esc(rec.doc_id)}</small></h2>` +
      `<span class="cls cls-${esc(rec.classification)}">${esc(rec.classification)}</span>` +
      `<div class="actions no-print"><a href="#cohort">back to the cohort</a>` +
      `<a class="download" href="${downloadUrl}" download="${esc(fileName)}">download record (JSON)</a>` +
      `<button type="button" class="print">print</button></div></div>` +
      (p.notice ? `<p class="notice">${esc(p.notice)}</p>` : "") +
      `<dl class="facts">` + fact("drugs", (rec.drugs || []).join(", ") + targets) +
      fact("age / sex", [rec.age, rec.sex].filter((x) => x != null).join(" / ")) +
      fact("max grade", rec.max_grade) + fact("first CRS", firstText) +
      fact("recurrence interval (d)", fmtRange(rec.recurrence_interval_days) + intervalSource) +
      fact("hours after the dose", fmtRange(rec.hours_post_dose)) +
      fact("periodicity", per.periodic ? (per.basis || "periodic") : (per.basis || "")) +
      fact("treatments", (rec.treatments || []).join(", ")) +
      fact("work-up negative", yesNo(rec.infection_workup_negative)) +
      fact("documented infection", yesNo(rec.documented_infection)) +
      fact("tocilizumab response", yesNo(rec.tocilizumab_response)) + fact("criteria", rec.criteria_version) + "</dl>" +
      `<h3>Timeline</h3><figure class="timeline-fig">${p.svg}</figure>` +
      `<h3>Classification: <span class="cls cls-${esc(rec.classification)}">${esc(rec.classification)}</span></h3>` +
      `<ol class="reasons">${p.reasons.map((r) => renderReason(p, r)).join("")}</ol>` +
      `<h3>Episodes</h3>${renderEpisodes(p)}${renderExtras(p)}` +
      `<h3>Evidence (${p.evidence.length})</h3>${renderEvidence(p)}${renderSources(p)}`;
    for (const d of sec.querySelectorAll("details.src-block[open]")) fill(d);
    for (const tr of document.querySelectorAll("#cohort-table tr.current")) tr.classList.remove("current");
    const tr = document.querySelector(`#cohort-table tr[data-i="${i}"]`);
    if (tr) tr.classList.add("current");
    document.title = `${rec.patient_id} - ${META.title}`;
    sec.scrollIntoView({block: "start"});
  }
  function closePatient() {
    current = null;
    byId("detail").hidden = true;
    byId("detail").innerHTML = "";
    document.body.classList.remove("has-detail");
    document.title = META.title;
  }
  function showEvidence(id) {
    if (!current) return;
    const e = current.evidence.find((x) => x.id === id);
    if (!e) return;
    for (const el of document.querySelectorAll(".flash")) el.classList.remove("flash");
    let target = null;
    if (e.src != null) {
      for (const d of byId("detail").querySelectorAll(`details.src-block[data-src="${e.src}"]`)) {
        if (+d.dataset.from <= e.start && e.start < +d.dataset.to) { d.open = true; fill(d); break; }
      }
      target = byId("sev-" + id);
      for (const el of document.querySelectorAll(`.ev[data-ev~="${id}"]`)) el.classList.add("flash");
    }
    if (!target) { target = byId("evi-" + id); if (target) target.classList.add("flash"); }
    if (target) target.scrollIntoView({block: "center"});
  }
  function route() {
    const m = /^#patient-(\d+)$/.exec(location.hash);
    if (m) openPatient(+m[1]);
    else if (current) closePatient();
  }

  byId("detail").addEventListener("click", (ev) => {
    const cite = ev.target.closest("a.cite");
    if (cite) { ev.preventDefault(); showEvidence(+cite.dataset.ev); return; }
    if (ev.target.closest("button.print")) { window.print(); return; }
    const mark = ev.target.closest(".episode-mark");
    if (mark && current) {
      const hits = evidenceOf(current, `episode ${+mark.dataset.episode + 1}`);
      if (hits.length) showEvidence(hits[0].id);
    }
  });
  byId("detail").addEventListener("toggle", (ev) => {
    if (ev.target.matches && ev.target.matches("details.src-block") && ev.target.open) fill(ev.target);
  }, true);
  window.addEventListener("beforeprint", () => {
    for (const d of document.querySelectorAll("details.src-block")) {
      if (+d.dataset.n > 0) { d.open = true; fill(d); }
    }
  });
  window.addEventListener("hashchange", route);
  setUpFilters();
  renderTable();
  route();
})();
"""
