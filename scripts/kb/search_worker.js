/* 群众路线知识库 — search worker behind Material's search box.
 *
 * Speaks Material's worker protocol (0 SETUP -> 1 READY, 2 QUERY -> 3 RESULT) so the theme's
 * search box, result list, keyboard handling and highlighting stay as they are. The index is
 * written by macros/searchindex.py. Matching, in order:
 *   1. pinyin or initials of a glossary term (sifeng, syss) -> that term;
 *   2. the whole query as one phrase (spaces dropped, then outer punctuation dropped);
 *   3. the words of the query, cut with the site's own vocabulary, question words dropped:
 *      all words in one section, else all words in one page, else pages with most words.
 * Text and query are normalised alike, one character for one (full width -> ASCII, upper ->
 * lower case, dashes, traditional -> simplified), so offsets into the original text stay valid.
 * Plain script: no modules, no eval, no WASM; runs as a Worker and in the iframe-worker shim
 * (file://).
 */
"use strict";

var SETUP = 0, READY = 1, QUERY = 2, RESULT = 3;
var MAX_SECTIONS = 12;  // sections listed under one page
var SNIPPET = 110;      // characters of text shown per section
var EDGE = /^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu;
var SPLIT = /[\s\p{P}\p{S}]+/u;
var PUNCT = /[\s\p{P}\p{S}]+/gu;
var ASCII_WORD = /^[a-z]+$/;

var S = null;

function Normaliser(pairs) {
  var map = Object.create(null), keys = "";
  for (var i = 0; i + 1 < pairs.length; i += 2) {
    map[pairs[i]] = pairs[i + 1];
    keys += pairs[i];
  }
  var trad = keys ? new RegExp("[" + keys + "]", "g") : null;
  return function (s) {
    s = s.replace(/[\uFF01-\uFF5E]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); })
      .replace(/\u3000/g, " ")
      .replace(/[A-Z]/g, function (c) { return c.toLowerCase(); })
      .replace(/[\u2010-\u2015\u2212\uFE58\uFE63-]/g, "\u2014");
    return trad ? s.replace(trad, function (c) { return map[c]; }) : s;
  };
}

function setup(docs) {
  var norm = Normaliser(docs.t2s || "");
  var sections = docs.sections, n = sections.length;
  var parts = [], starts = new Int32Array(n), titleEnds = new Int32Array(n), ntitles = new Array(n);
  var article = new Int32Array(docs.pages.length).fill(-1), off = 0;
  for (var i = 0; i < n; i++) {
    var s = sections[i], t = norm(s[2]), x = norm(s[3]);
    starts[i] = off;
    titleEnds[i] = off + t.length;
    ntitles[i] = t.replace(PUNCT, "");
    parts.push(t, "\u0001", x, "\u0000");
    off += t.length + x.length + 2;
    if (!s[1] && article[s[0]] < 0) article[s[0]] = i;
  }
  var words = new Map(), total = 0, longest = 1;
  docs.words.forEach(function (w) {
    words.set(w[0], w[1]);
    total += w[1];
    if (w[0].length > longest) longest = w[0].length;
  });
  S = {
    norm: norm, pages: docs.pages, sections: sections, all: parts.join(""), starts: starts,
    titleEnds: titleEnds, ntitles: ntitles, article: article, words: words, logTotal: Math.log(total + 1),
    longest: Math.min(longest, 16), stop: new Set(docs.stopwords), pinyin: docs.pinyin || {},
    defining: new Set(docs.defining || [])
  };
}

function sectionAt(pos) {
  var lo = 0, hi = S.starts.length - 1;
  while (lo < hi) {
    var mid = (lo + hi + 1) >> 1;
    if (S.starts[mid] <= pos) lo = mid; else hi = mid - 1;
  }
  return lo;
}

/* Every section holding `q`: section -> {n: matches in text, title: in title, first: text offset}. */
function phrase(q, cache) {
  if (cache.has(q)) return cache.get(q);
  var hits = new Map();
  if (q) {
    var all = S.all, pos = all.indexOf(q);
    while (pos !== -1) {
      var i = sectionAt(pos), h = hits.get(i);
      if (!h) { h = { n: 0, title: false, first: -1 }; hits.set(i, h); }
      if (pos < S.titleEnds[i]) h.title = true;
      else { if (h.first < 0) h.first = pos - S.titleEnds[i] - 1; h.n++; }
      pos = all.indexOf(q, pos + q.length);
    }
  }
  cache.set(q, hits);
  return hits;
}

/* Most probable cut of `s` into known words (jieba's method, with the site's vocabulary). */
function segment(s) {
  var n = s.length, best = new Float64Array(n + 1).fill(-Infinity), prev = new Int32Array(n + 1);
  best[0] = 0;
  for (var i = 0; i < n; i++) {
    if (best[i] === -Infinity) continue;
    for (var len = 1; len <= Math.min(S.longest, n - i); len++) {
      var f = S.words.get(s.substr(i, len));
      if (f === undefined && len > 1) continue;
      var score = best[i] + Math.log(f || 1) - S.logTotal;
      if (score > best[i + len]) { best[i + len] = score; prev[i + len] = i; }
    }
  }
  var out = [];
  for (var j = n; j > 0; j = prev[j]) out.unshift(s.slice(prev[j], j));
  return out;
}

function bigrams(s) {
  var set = new Set();
  for (var i = 0; i + 1 < s.length; i++) set.add(s.substr(i, 2));
  if (s.length === 1) set.add(s);
  return set;
}

function dice(a, b) {
  if (!a.size || !b.size) return 0;
  var common = 0;
  a.forEach(function (x) { if (b.has(x)) common++; });
  return 2 * common / (a.size + b.size);
}

function escapeHTML(s) {
  return s.replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;" }[c]; });
}

/* `text` with every occurrence of a term marked; `ntext` is its normalised twin. */
function mark(text, ntext, terms) {
  var spans = [];
  terms.forEach(function (t) {
    for (var p = ntext.indexOf(t); p !== -1; p = ntext.indexOf(t, p + t.length)) spans.push([p, p + t.length]);
  });
  spans.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
  var out = "", at = 0;
  spans.forEach(function (sp) {
    if (sp[0] < at) return;
    out += escapeHTML(text.slice(at, sp[0])) + "<mark>" + escapeHTML(text.slice(sp[0], sp[1])) + "</mark>";
    at = sp[1];
  });
  return out + escapeHTML(text.slice(at));
}

function snippet(i, terms, first) {
  var text = S.sections[i][3];
  if (!text) return "";
  var start = first > 20 ? first - 20 : 0, end = Math.min(text.length, start + SNIPPET);
  var piece = text.slice(start, end);
  return (start > 0 ? "…" : "") + mark(piece, S.norm(piece), terms) + (end < text.length ? "…" : "");
}

function query(raw) {
  var cache = new Map();
  var q = S.norm(raw).replace(/\s+/g, " ").trim();
  if (!q) return { items: [] };
  var joined = q.replace(/ /g, ""), core = joined.replace(EDGE, "");
  var terms, mode;

  if (ASCII_WORD.test(core) && !phrase(core, cache).size && S.pinyin[core]) {
    terms = S.pinyin[core];  // the Chinese terms: snippets and highlights never show pinyin
    mode = "any";
  } else if (phrase(joined, cache).size) {
    terms = [joined]; mode = "all";
  } else if (core && phrase(core, cache).size) {
    terms = [core]; mode = "all";
  } else {
    var words = [];
    q.split(SPLIT).forEach(function (part) {
      if (!part || S.stop.has(part)) return;
      if (phrase(part, cache).size) words.push(part);
      else segment(part).forEach(function (w) { if (!S.stop.has(w)) words.push(w); });
    });
    words = words.filter(function (w, k) { return words.indexOf(w) === k; });
    var long = words.filter(function (w) { return w.length > 1; });
    if (long.length) words = long;
    terms = words.filter(function (w) {
      return !words.some(function (o) { return o !== w && o.indexOf(w) !== -1; });
    });
    mode = "words";
  }
  if (!terms.length) return { items: [] };

  var hits = terms.map(function (t) { return phrase(t, cache); });
  var found = terms.filter(function (t, k) { return hits[k].size > 0; });
  var qGrams = bigrams(terms.length > 1 || mode === "words" ? terms.join("") : terms[0]);

  // candidate sections and the pages they belong to
  var bySection = new Map();
  hits.forEach(function (h, k) {
    h.forEach(function (v, i) {
      var e = bySection.get(i);
      if (!e) { e = []; bySection.set(i, e); }
      e.push(k);
    });
  });
  var need = mode === "any" ? 1 : found.length;
  var pageTerms = new Map();
  bySection.forEach(function (ks, i) {
    var p = S.sections[i][0], set = pageTerms.get(p);
    if (!set) { set = new Set(); pageTerms.set(p, set); }
    ks.forEach(function (k) { set.add(k); });
  });
  var sectionAnd = false;
  if (mode !== "any") bySection.forEach(function (ks) { if (ks.length >= need) sectionAnd = true; });
  var pageAnd = false;
  pageTerms.forEach(function (set) { if (set.size >= need) pageAnd = true; });
  // Characters scattered over a page are not an answer: a query that is no phrase on the site
  // and cuts into single characters only finds nothing.
  var singles = terms.every(function (t) { return t.length === 1; });
  if (mode === "words" && singles && terms.length > 1) return { items: [] };

  var pages = new Map();
  bySection.forEach(function (ks, i) {
    var p = S.sections[i][0], covered = pageTerms.get(p).size;
    if (mode === "words" && sectionAnd && ks.length < need) {
      // keep the section only if its page has a section with every word
      var ok = false;
      bySection.forEach(function (k2, j) { if (!ok && S.sections[j][0] === p && k2.length >= need) ok = true; });
      if (!ok) return;
    }
    if (mode !== "any" && (sectionAnd || pageAnd) && covered < need) return;
    var score = 0;
    ks.forEach(function (k) {
      var h = hits[k].get(i), t = terms[k];
      if (h.title) score += S.ntitles[i] === t.replace(PUNCT, "") ? (S.defining.has(i) ? 65 : 60) : 15;
      score += Math.min(h.n, 5);
    });
    score += 30 * dice(bigrams(S.ntitles[i]), qGrams);
    if (!sectionAnd && !pageAnd) score += 100 * covered / terms.length;
    var entry = pages.get(p);
    if (!entry) { entry = { p: p, best: 0, list: [] }; pages.set(p, entry); }
    entry.list.push({ i: i, score: score, ks: ks });
    if (score > entry.best) entry.best = score;
  });

  var ranked = Array.from(pages.values());
  ranked.forEach(function (e) { e.score = e.best + Math.min(e.list.length, 3); });
  ranked.sort(function (a, b) { return b.score - a.score || a.p - b.p; });

  var items = ranked.map(function (e) {
    e.list.sort(function (a, b) { return b.score - a.score || a.i - b.i; });
    var list = e.list.slice(0, MAX_SECTIONS);
    var hasArticle = list.some(function (x) { return x.i === S.article[e.p]; });
    var present = {};
    terms.forEach(function (t) { present[t] = false; });
    e.list.forEach(function (x) { x.ks.forEach(function (k) { present[terms[k]] = true; }); });
    var docs = list.map(function (x) {
      var s = S.sections[x.i], mine = x.ks.map(function (k) { return terms[k]; });
      var first = Math.min.apply(null, x.ks.map(function (k) {
        var f = hits[k].get(x.i).first; return f < 0 ? Infinity : f;
      }));
      return {
        location: S.pages[s[0]] + (s[1] ? "#" + s[1] : ""),
        title: mark(s[2], S.norm(s[2]), mine),
        text: snippet(x.i, mine, first === Infinity ? 0 : first),
        score: x.score,
        terms: present
      };
    });
    if (!hasArticle && S.article[e.p] >= 0) {
      var a = S.sections[S.article[e.p]];
      docs.push({ location: S.pages[a[0]], title: escapeHTML(a[2]), text: "", score: 0, terms: present });
    }
    return docs;
  });
  return { items: items };
}

addEventListener("message", function (ev) {
  var message = ev.data;
  if (message.type === SETUP) {
    setup(message.data.docs);
    postMessage({ type: READY });
  } else if (message.type === QUERY) {
    var data;
    try {
      data = query(message.data);
    } catch (err) {
      console.warn(err);
      data = { items: [] };
    }
    postMessage({ type: RESULT, data: data });
  }
});
